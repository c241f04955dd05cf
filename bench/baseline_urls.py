"""The project's URLs plus the bare-Django baseline of bench/load.py. Never in instainstru.urls.

/bench/plain is a plain Django view answering a constant JsonResponse: the floor the middleware
stack sets. /bench/session-user is the least a DRF endpoint for a logged-in user does: the
project's session authentication loads the session and the user, IsAuthenticated, a Response
rendered as JSON. GET /auth/me is measured against the second.
"""

from django.http import JsonResponse
from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from instainstru.urls import (  # noqa: F401 - the error handlers, as the real URLconf has them
    handler400,
    handler403,
    handler404,
    handler500,
)
from instainstru.urls import urlpatterns as project_urlpatterns


def plain(request):
    return JsonResponse({"ok": True})


class SessionUserApi(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"id": str(request.user.pk), "email": request.user.email})


urlpatterns = [
    path("bench/plain", plain),
    path("bench/session-user", SessionUserApi.as_view()),
    *project_urlpatterns,
]

"""The project's URLs plus two identical endpoints for bench/ratelimit_overhead.py."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from instainstru.urls import urlpatterns as project_urlpatterns


class TwinApi(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("api/bench/limited", TwinApi.as_view()),
    path("api/bench/exempt", TwinApi.as_view()),
    *project_urlpatterns,
]

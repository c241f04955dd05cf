import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from instainstru import urls as project_urls


class Forgotten(APIView):
    permission_classes = [AllowAny]  # opted out of the gate without being on the public list

    def get(self, request):
        return Response({})


urlpatterns = [path("api/forgotten", Forgotten.as_view()), *project_urls.urlpatterns]


def test_every_api_route_has_a_gate_or_a_public_reason(capsys):
    call_command("audit_beta_gates")

    out = capsys.readouterr().out
    assert "0 without a gate" in out
    for line in [
        "/api/bookings/history",
        "/api/beta/settings",
        "/auth/me",
    ]:
        assert line in out
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("/")}
    assert "gated" in rows["/api/bookings/history"]
    assert "public: auth" in rows["/auth/login"]


@override_settings(ROOT_URLCONF=__name__)
def test_it_fails_on_an_api_route_without_a_gate(capsys):
    with pytest.raises(CommandError, match="/api/forgotten"):
        call_command("audit_beta_gates")
    assert "NO GATE" in capsys.readouterr().out

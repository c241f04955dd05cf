"""Every error under /api/ and /auth/ is the contract's JSON body, never HTML, with DEBUG off."""

import pytest
from django.test import override_settings
from django.urls import path
from rest_framework.test import APIClient
from rest_framework.views import APIView

from instainstru import urls as project_urls

pytestmark = pytest.mark.django_db


class Boom(APIView):
    permission_classes = []

    def get(self, request):
        raise RuntimeError("a bug")


def plain_boom(request):
    raise RuntimeError("a bug outside DRF")


urlpatterns = [
    path("api/boom", Boom.as_view()),
    path("api/plain-boom", plain_boom),
    *project_urls.urlpatterns,
]
handler404 = project_urls.handler404
handler500 = project_urls.handler500


def assert_error(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    assert "Traceback" not in response.content.decode()


@pytest.mark.parametrize("url", ["/api/nope", "/auth/nope", "/api/public/session/nope/"])
def test_an_unknown_url_is_a_json_404(client, url):
    assert_error(client.get(url), 404, "not_found")


def test_a_page_outside_the_api_keeps_django_s_html_404(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_a_wrong_method_is_a_json_405(client):
    assert_error(client.get("/auth/login"), 405, "method_not_allowed")
    assert_error(client.delete("/api/public/session/guest"), 405, "method_not_allowed")


def test_a_body_over_one_mebibyte_is_413(client):
    response = client.post(
        "/auth/login", data="x" * (1024 * 1024 + 1), content_type="application/json"
    )
    assert_error(response, 413, "too_large")


@override_settings(ROOT_URLCONF=__name__)
def test_a_crash_in_a_drf_view_is_a_json_500():
    client = APIClient(raise_request_exception=False)
    assert_error(client.get("/api/boom"), 500, "server_error")


@override_settings(ROOT_URLCONF=__name__)
def test_a_crash_in_a_plain_view_is_a_json_500():
    client = APIClient(raise_request_exception=False)
    assert_error(client.get("/api/plain-boom"), 500, "server_error")


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/health"),
        ("get", "/auth/me"),
        ("get", "/api/nope"),
        ("post", "/api/public/session/guest"),
        ("get", "/admin/login/"),
    ],
)
def test_every_response_says_the_site_mode(client, method, url):
    assert getattr(client, method)(url)["X-Site-Mode"] == "local"


def test_the_schema_documents_the_api(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for p in ["/auth/register", "/auth/login", "/auth/me", "/api/public/session/guest"]:
        assert p in paths


@pytest.mark.parametrize("url", ["/auth/register", "/auth/login"])
def test_json_nested_too_deeply_is_400_not_500(url):
    client = APIClient(raise_request_exception=False)
    body = "[" * 200_000 + "]" * 200_000

    response = client.post(url, data=body, content_type="application/json")

    assert_error(response, 400, "invalid")

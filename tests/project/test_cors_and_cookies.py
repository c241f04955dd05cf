"""CORS, cookie flags and names, over the test client with each environment's values."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from settings.base import redis_cache
from tests.conftest import PASSWORD, login

pytestmark = pytest.mark.django_db

PROD_ORIGINS = ["https://beta.instainstru.com", "https://instainstru.com"]
SECURE_CROSS_SITE = {
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_SAMESITE": "None",
    "CSRF_COOKIE_SECURE": True,
    "CSRF_COOKIE_SAMESITE": "None",
}
PROD = {
    **SECURE_CROSS_SITE,
    "SITE_MODE": "prod",
    "SESSION_COOKIE_NAME": "sid_prod",
    "CORS_ALLOWED_ORIGINS": PROD_ORIGINS,
    "CSRF_TRUSTED_ORIGINS": PROD_ORIGINS,
}
PREVIEW = {
    **SECURE_CROSS_SITE,
    "SITE_MODE": "preview",
    "SESSION_COOKIE_NAME": "sid_preview",
    "CORS_ALLOWED_ORIGINS": ["https://preview.instainstru.com"],
    "CSRF_TRUSTED_ORIGINS": ["https://preview.instainstru.com"],
}


def preflight(client, origin, path="/auth/login"):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-csrftoken",
        },
    )


def test_a_preflight_from_the_environment_s_origin_is_allowed_with_credentials(client):
    response = preflight(client, "http://localhost:3000")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "x-csrftoken" in response["Access-Control-Allow-Headers"].lower()


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "http://localhost:3001", "null", "http://localhost:3000.evil"],
)
def test_a_preflight_from_another_origin_is_refused(client, origin):
    response = preflight(client, origin)

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Credentials" not in response


@override_settings(**PROD)
@pytest.mark.parametrize("origin", PROD_ORIGINS)
def test_prod_allows_its_own_origins(client, origin):
    assert preflight(client, origin)["Access-Control-Allow-Origin"] == origin


@override_settings(**PROD)
def test_prod_refuses_the_preview_origin(client):
    assert "Access-Control-Allow-Origin" not in preflight(client, "https://preview.instainstru.com")


def test_the_front_end_may_read_the_site_headers(client):
    response = client.get("/health", headers={"Origin": "http://localhost:3000"})
    exposed = response["Access-Control-Expose-Headers"]
    assert "X-Site-Mode" in exposed and "X-Beta-Phase" in exposed


def test_local_cookies_are_httponly_and_lax(client, student):
    response = client.post(
        "/auth/login", {"email": student.email, "password": PASSWORD}, format="json"
    )

    for name in ("sid_local", "csrftoken"):
        cookie = response.cookies[name]
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
        assert not cookie["secure"]


@override_settings(**PROD)
def test_prod_cookies_are_named_sid_prod_and_secure_cross_site(client, student):
    response = client.post(
        "/auth/login",
        {"email": student.email, "password": PASSWORD},
        format="json",
        secure=True,
    )
    guest = APIClient().post("/api/public/session/guest", secure=True)

    assert "sid_local" not in response.cookies
    for cookie in (
        response.cookies["sid_prod"],
        response.cookies["csrftoken"],
        guest.cookies["guest_id"],
    ):
        assert cookie["httponly"] is True
        assert cookie["secure"] is True
        assert cookie["samesite"] == "None"


def test_a_sid_preview_cookie_is_ignored_by_prod(student, staff):
    with override_settings(**PREVIEW):
        preview = APIClient()
        unlocked = preview.post(
            "/api/preview/unlock", {"email": staff.email, "password": PASSWORD}, format="json"
        )
        assert unlocked.status_code == 204
        login(preview, student)
        key = preview.cookies["sid_preview"].value
        assert preview.get("/auth/me", secure=True).status_code == 200

    with override_settings(**PROD):
        prod = APIClient()
        prod.cookies["sid_preview"] = key
        assert prod.get("/auth/me", secure=True).status_code == 401


@override_settings(**PROD)
def test_a_logged_in_https_post_needs_a_trusted_origin_or_referer(client, student):
    login_response = client.post(
        "/auth/login", {"email": student.email, "password": PASSWORD}, format="json", secure=True
    )
    assert login_response.status_code == 200
    token = client.cookies["csrftoken"].value

    foreign = client.post(
        "/auth/logout",
        secure=True,
        headers={"X-CSRFToken": token, "Origin": "https://evil.example"},
    )
    trusted = client.post(
        "/auth/logout",
        secure=True,
        headers={"X-CSRFToken": token, "Origin": "https://beta.instainstru.com"},
    )

    assert foreign.status_code == 403
    assert foreign.json()["code"] == "csrf_failed"
    assert trusted.status_code == 204


def closed_redis():
    url = "redis://127.0.0.1:1/0"
    return {
        "default": redis_cache(url, ignore_exceptions=False),
        "sessions": redis_cache(url, ignore_exceptions=True),
    }


def test_a_redis_outage_logs_nobody_out(client, student):
    login(client, student)

    with override_settings(CACHES=closed_redis()):
        assert client.get("/auth/me").status_code == 200


def test_login_works_while_redis_is_down(client, student):
    with override_settings(CACHES=closed_redis()):
        login(client, student)
        assert client.get("/auth/me").status_code == 200

"""What the front end calls on every page load is never limited, nor what is not the API."""

import pytest
from django.conf import settings

from ratelimits.policy import get_policy
from tests.conftest import login
from tests.ratelimits.conftest import start_in_fresh_window

pytestmark = pytest.mark.django_db

TIMES = 300  # well past the general 120 a minute


def test_auth_me_answers_every_time(client, student):
    login(client, student)

    statuses = {client.get("/auth/me").status_code for _ in range(TIMES)}

    assert statuses == {200}


def test_the_guest_session_answers_every_time(client):
    first = client.post("/api/public/session/guest")
    statuses = {client.post("/api/public/session/guest").status_code for _ in range(TIMES)}

    assert first.status_code == 201
    assert statuses == {200}


def test_the_guest_session_answers_every_time_for_a_logged_in_user(client, student):
    token = login(client, student)

    statuses = {
        client.post("/api/public/session/guest", HTTP_X_CSRFTOKEN=token).status_code
        for _ in range(TIMES)
    }

    assert statuses <= {200, 201}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/auth/me"),
        ("POST", "/api/public/session/guest"),
        ("GET", "/api/search-history/"),
        ("GET", "/api/search-history"),  # the same endpoint to the limiter, slash or not
        ("OPTIONS", "/auth/login"),
        ("OPTIONS", "/api/bookings/history"),
        ("GET", "/api/schema/"),
        ("GET", "/health"),
        ("GET", "/r/ABCDEF"),
        ("GET", "/admin/login/"),
        ("POST", "/admin/login/"),
    ],
)
def test_the_limiter_never_counts(method, path):
    decision = get_policy().decide(method, path)

    assert not decision.counted, decision.reason


@pytest.mark.parametrize(
    ("method", "path", "buckets"),
    [
        ("POST", "/api/search-history/", ["general", "search_history_write"]),
        ("DELETE", "/api/search-history/", ["general"]),
        ("DELETE", "/api/search-history/12", ["general"]),
        ("GET", "/auth/csrf", ["general"]),
        ("POST", "/auth/me", ["general"]),  # only GET /auth/me is exempt
        ("HEAD", "/auth/me", ["general"]),
        ("GET", "/api/public/session/guest", ["general"]),
        ("POST", "/auth/login", ["general", "login_ip", "login_email"]),
        ("POST", "/auth/login/", ["general", "login_ip", "login_email"]),
        ("POST", "/auth/register", ["general", "register_ip"]),
        ("GET", "/api/beta/invites/validate", ["general", "invites_ip"]),
        ("POST", "/api/beta/invites/redeem", ["general", "invites_ip"]),
        ("POST", "/api/preview/unlock", ["general", "preview_unlock_ip"]),
        ("GET", "/api/schemata", ["general"]),  # not the schema, just a similar name
        ("GET", "/api/no-such-thing", ["general"]),
    ],
)
def test_the_limiter_counts_in(method, path, buckets):
    decision = get_policy().decide(method, path)

    assert [b.name for b in decision.buckets] == buckets


def test_exempt_requests_leave_the_general_bucket_untouched(client, rates, student):
    rates(general="2/m")
    start_in_fresh_window("general", "ip:127.0.0.1", need=3)
    for _ in range(50):
        assert client.get("/api/search-history/").status_code != 429
        assert client.post("/api/public/session/guest").status_code in (200, 201)
        assert client.options("/auth/login").status_code != 429
        assert client.get("/health").status_code == 200
        assert client.get("/r/ABCDEF").status_code != 429
        assert client.get("/admin/login/").status_code == 200
    assert client.get("/api/schema/").status_code == 200

    # The guest cookie is now set but the guest bucket is the one counted from here; drop it to
    # look at the address's bucket, which all of the above left at zero.
    del client.cookies[settings.GUEST_COOKIE_NAME]
    assert [client.get("/auth/csrf").status_code for _ in range(3)] == [200, 200, 429]


def test_a_cors_preflight_is_never_refused(client, rates):
    rates(general="1/m")
    start_in_fresh_window("general", "ip:127.0.0.1", need=3)
    client.get("/auth/csrf")
    assert client.post("/auth/login", {}, format="json").status_code == 429

    response = client.options(
        "/auth/login",
        HTTP_ORIGIN="http://localhost:3000",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "http://localhost:3000"

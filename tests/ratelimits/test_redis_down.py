"""Redis unreachable: requests pass uncounted (fail open), the outage is logged, /health says so."""

import logging
import time

import pytest
from django.test import override_settings

from settings.base import redis_cache
from tests.conftest import PASSWORD
from tests.ratelimits.conftest import start_in_fresh_window

pytestmark = pytest.mark.django_db

CLOSED_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


@pytest.fixture
def redis_down(rates):
    # Limits so low that any counting at all would show as a 429.
    rates(general="1/m", login_ip="1/m", login_email="1/m")
    caches = {
        "default": redis_cache(CLOSED_REDIS, ignore_exceptions=False),
        "sessions": redis_cache(CLOSED_REDIS, ignore_exceptions=True),
    }
    with override_settings(CACHES=caches):
        yield


def test_requests_still_answer_and_health_reports_the_cache_down(client, student, redis_down):
    started = time.monotonic()
    csrf = [client.get("/auth/csrf").status_code for _ in range(5)]
    login = client.post(
        "/auth/login", {"email": student.email, "password": PASSWORD}, format="json"
    )
    me = client.get("/auth/me")
    health = client.get("/health")

    assert csrf == [200] * 5
    assert login.status_code == 200
    assert me.status_code == 200
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["cache"] == "down"
    # Failing open must be quick: a refused connection, not a timeout per request.
    assert time.monotonic() - started < 5


def test_a_guest_still_gets_through(client, redis_down):
    guest = client.post("/api/public/session/guest")
    statuses = [client.get("/auth/csrf").status_code for _ in range(3)]

    assert guest.status_code == 201
    assert statuses == [200] * 3


def test_the_outage_is_logged_once_not_per_request(client, redis_down, caplog):
    with caplog.at_level(logging.ERROR, logger="ratelimits"):
        for _ in range(5):
            client.get("/auth/csrf")

    records = [r for r in caplog.records if r.name == "ratelimits.middleware"]
    assert len(records) == 1
    assert "cache unreachable" in records[0].getMessage()
    assert "letting requests through" in records[0].getMessage()


def test_limits_apply_again_once_redis_is_back(client, rates):
    caches = {
        "default": redis_cache(CLOSED_REDIS, ignore_exceptions=False),
        "sessions": redis_cache(CLOSED_REDIS, ignore_exceptions=True),
    }
    rates(general="1/m")
    start_in_fresh_window("general", "ip:127.0.0.1", need=3)
    with override_settings(CACHES=caches):
        assert client.get("/auth/csrf").status_code == 200

    statuses = [client.get("/auth/csrf").status_code for _ in range(2)]

    assert statuses[-1] == 429

"""Identity: the user, else a guest that exists, else the client IP; never the client's pick."""

import secrets

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.conftest import login
from tests.ratelimits.conftest import start_in_fresh_window

pytestmark = pytest.mark.django_db

GUEST = settings.GUEST_COOKIE_NAME


def _guest(client):
    response = client.post("/api/public/session/guest")
    assert response.status_code == 201
    return response.json()["guest_id"]


def _spend(client, n, **extra):
    return [client.get("/auth/csrf", **extra).status_code for _ in range(n)]


def test_each_logged_in_user_has_a_bucket_of_their_own(rates, student, instructor):
    rates(general="3/m")
    start_in_fresh_window("general", f"user:{student.pk}", need=2)
    sam, ivy = APIClient(enforce_csrf_checks=True), APIClient(enforce_csrf_checks=True)
    # The logins themselves were anonymous, counted against the address.
    login(sam, student)
    login(ivy, instructor)

    assert _spend(sam, 4) == [200, 200, 200, 429]
    # Same address, another user: untouched.
    assert _spend(ivy, 3) == [200, 200, 200]


def test_a_guest_that_exists_has_a_bucket_apart_from_its_address(client, rates):
    rates(general="2/m")
    start_in_fresh_window("general", "ip:127.0.0.1", need=2)
    _guest(client)

    assert _spend(client, 3) == [200, 200, 429]
    # The guest's requests did not use up the address: an anonymous neighbour still gets its two.
    neighbour = APIClient()
    assert _spend(neighbour, 3) == [200, 200, 429]


def test_made_up_guest_ids_all_share_the_address_bucket(rates):
    # A fresh invented guest_id per request would be a fresh bucket per request if unchecked.
    rates(general="3/m")
    start_in_fresh_window("general", "ip:127.0.0.1", need=2)
    statuses = []
    for _ in range(4):
        forger = APIClient()
        forger.cookies[GUEST] = secrets.token_urlsafe(32)
        statuses.append(forger.get("/auth/csrf").status_code)

    assert statuses == [200, 200, 200, 429]


def test_an_over_long_guest_id_is_no_identity_and_costs_no_query(client, rates):
    rates(general="1/m")
    start_in_fresh_window("general", "ip:127.0.0.1", need=2)
    client.cookies[GUEST] = "x" * 5000
    client.get("/auth/csrf")

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/auth/csrf").status_code == 429
    assert len(queries) == 0


def test_a_known_guest_costs_one_query_then_none(client, rates):
    rates(general="100/m")
    _guest(client)

    with CaptureQueriesContext(connection) as first:
        client.get("/auth/csrf")
    with CaptureQueriesContext(connection) as later:
        client.get("/auth/csrf")

    guest_queries = [q for q in first if "accounts_guestsession" in q["sql"]]
    assert len(guest_queries) == 1
    assert [q for q in later if "accounts_guestsession" in q["sql"]] == []


def test_the_exempt_hot_endpoints_never_look_the_guest_up(client, student):
    # /auth/me runs on every page load; the limiter must not add a query to it, cookie or not.
    login(client, student)
    client.get("/auth/me")
    with CaptureQueriesContext(connection) as without_guest:
        assert client.get("/auth/me").status_code == 200

    client.cookies[GUEST] = secrets.token_urlsafe(32)
    with CaptureQueriesContext(connection) as with_forged_guest:
        assert client.get("/auth/me").status_code == 200

    assert len(with_forged_guest) == len(without_guest)
    assert not [q for q in with_forged_guest if "accounts_guestsession" in q["sql"]]


@pytest.mark.parametrize("proxies", [0, 1])
def test_a_forged_x_forwarded_for_does_not_change_the_bucket(client, rates, settings, proxies):
    settings.TRUSTED_PROXY_COUNT = proxies
    rates(general="3/m")
    # Behind one proxy the client is the right-most entry, the one our proxy wrote.
    real = "203.0.113.7" if proxies else "127.0.0.1"
    start_in_fresh_window("general", f"ip:{real}", need=2)

    statuses = [
        client.get(
            "/auth/csrf",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, {real}" if proxies else f"10.9.8.{i}",
        ).status_code
        for i in range(4)
    ]

    assert statuses == [200, 200, 200, 429]


def test_behind_a_trusted_proxy_each_real_client_has_its_own_bucket(client, rates, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    rates(general="1/m")
    start_in_fresh_window("general", "ip:203.0.113.7", need=2)
    start_in_fresh_window("general", "ip:203.0.113.8", need=2)

    first = [_spend(client, 1, HTTP_X_FORWARDED_FOR="203.0.113.7")[0] for _ in range(2)]
    second = _spend(client, 1, HTTP_X_FORWARDED_FOR="203.0.113.8")

    assert first == [200, 429]
    assert second == [200]


def test_ipv6_clients_are_counted_per_64_block(client, rates):
    # One subscriber holds a whole /64: rotating through it must not mint fresh buckets.
    rates(general="2/m")
    start_in_fresh_window("general", "ip:2001:db8:1:2::", need=2)

    statuses = [
        client.get("/auth/csrf", REMOTE_ADDR=f"2001:db8:1:2::{i:x}").status_code
        for i in range(1, 4)
    ]

    assert statuses == [200, 200, 429]

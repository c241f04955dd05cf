"""POST /auth/login: 10 a minute per IP and 5 a minute per e-mail, at the policy's real numbers."""

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from ratelimits.limiter import email_value
from tests.ratelimits.conftest import start_in_fresh_window

pytestmark = pytest.mark.django_db


def _attempt(email, ip="127.0.0.1", client=None):
    client = client or APIClient()
    response = client.post(
        "/auth/login", {"email": email, "password": "wrong"}, format="json", REMOTE_ADDR=ip
    )
    return response.status_code


def test_the_sixth_attempt_on_one_email_is_refused_from_any_address():
    start_in_fresh_window("login_email", "email:victim@example.com", need=3)

    statuses = [_attempt("victim@example.com", ip=f"10.0.0.{i}") for i in range(1, 7)]

    assert statuses == [400] * 5 + [429]
    # Another e-mail from a fresh address is not affected.
    assert _attempt("someone.else@example.com", ip="10.0.1.1") == 400


def test_the_email_bucket_ignores_case_and_surrounding_spaces():
    start_in_fresh_window("login_email", "email:victim@example.com", need=3)
    spellings = ["victim@example.com", "VICTIM@example.com", " Victim@Example.COM "]

    statuses = [_attempt(spellings[i % 3], ip=f"10.0.0.{i}") for i in range(1, 7)]

    assert statuses[-1] == 429


def test_the_eleventh_attempt_from_one_address_is_refused_whatever_the_email():
    start_in_fresh_window("login_ip", "ip:127.0.0.1", need=3)

    statuses = [_attempt(f"person{i}@example.com") for i in range(11)]

    assert statuses == [400] * 10 + [429]
    assert _attempt("person99@example.com", ip="10.0.2.2") == 400


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe\xfa",
        b"[1, 2, 3]",
        b'{"email": 42, "password": "x"}',
        b'{"email": ["a@b.c"], "password": "x"}',
        b'{"email": {"$ne": null}, "password": "x"}',
        b"",
    ],
    ids=[
        "malformed",
        "not-utf8",
        "array",
        "number",
        "list",
        "object",
        "empty",
    ],
)
def test_a_body_without_a_usable_email_is_answered_and_counted_per_address(body):
    start_in_fresh_window("login_ip", "ip:127.0.0.1", need=3)
    client = APIClient()

    statuses = [
        client.post("/auth/login", body, content_type="application/json").status_code
        for _ in range(11)
    ]

    # The view's own 400 (never a 500 from the limiter), then the per-IP bucket.
    assert statuses == [400] * 10 + [429]


def test_a_form_encoded_login_is_counted_per_address():
    start_in_fresh_window("login_ip", "ip:127.0.0.1", need=3)
    client = APIClient()

    statuses = [
        client.post("/auth/login", {"email": "a@b.c", "password": "x"}).status_code
        for _ in range(11)
    ]

    assert statuses[-1] == 429
    assert 429 not in statuses[:-1]


def test_reading_the_email_survives_a_body_nested_past_the_recursion_limit():
    # Checked on the limiter alone: DRF's own JSON parser is not part of this app.
    body = b"[" * 100_000 + b"]" * 100_000
    request = RequestFactory().post("/auth/login", body, content_type="application/json")

    assert email_value(request) is None

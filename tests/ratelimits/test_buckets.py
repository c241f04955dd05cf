"""Every bucket of API.md's table refuses exactly the (N+1)th request of a window, then frees."""

import time

import pytest

from tests.ratelimits.conftest import retry_after_of, start_in_fresh_window

pytestmark = pytest.mark.django_db

LIMIT = 3
SHORT = f"{LIMIT}/2s"
HIGH = "1000/m"  # the general bucket, out of the way when a stricter one is under test


def _login(client, i):
    # A different e-mail each time, so only the per-IP bucket can fill up.
    return client.post(
        "/auth/login", {"email": f"user{i}@example.com", "password": "x"}, format="json"
    )


def _login_same_email(client, i):
    # A different address each time, so only the per-e-mail bucket can fill up.
    return client.post(
        "/auth/login",
        {"email": "target@example.com", "password": "x"},
        format="json",
        REMOTE_ADDR=f"10.0.0.{i + 1}",
    )


def _invites(client, i):
    # Validate and redeem share one bucket: both try a code.
    if i % 2:
        return client.post("/api/beta/invites/redeem", {"code": "ABCDEFGHJK"}, format="json")
    return client.get("/api/beta/invites/validate", {"code": "ABCDEFGHJK"})


CASES = {
    "general": (lambda client, i: client.get("/auth/csrf"), "ip:127.0.0.1"),
    "login_ip": (_login, "ip:127.0.0.1"),
    "login_email": (_login_same_email, "email:target@example.com"),
    "register_ip": (
        lambda client, i: client.post("/auth/register", {}, format="json"),
        "ip:127.0.0.1",
    ),
    "invites_ip": (_invites, "ip:127.0.0.1"),
    "search_history_write": (
        lambda client, i: client.post("/api/search-history/", {"query": "piano"}, format="json"),
        "ip:127.0.0.1",
    ),
    "preview_unlock_ip": (
        lambda client, i: client.post(
            "/api/preview/unlock", {"email": "a@b.c", "password": "x"}, format="json"
        ),
        "ip:127.0.0.1",
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_each_bucket_refuses_the_request_after_its_limit_and_frees_after_its_window(
    client, rates, name
):
    send, value = CASES[name]
    overrides = {"general": SHORT} if name == "general" else {"general": HIGH, name: SHORT}
    if name == "login_email":
        overrides["login_ip"] = HIGH
    rates(**overrides)
    start_in_fresh_window(name, value)

    answers = [send(client, i) for i in range(LIMIT)]
    refused = send(client, LIMIT)

    # Whatever the view says (200, 400, 401, 404...), the first LIMIT were let through.
    assert [a.status_code for a in answers if a.status_code == 429] == []
    wait = retry_after_of(refused)
    assert 1 <= wait <= 2
    assert send(client, LIMIT + 1).status_code == 429  # still the same window

    time.sleep(wait)
    assert send(client, LIMIT + 2).status_code != 429


def test_the_refusal_is_the_contracts_429(client, rates):
    rates(general="1/m")
    start_in_fresh_window("general", "ip:127.0.0.1", need=2)
    client.get("/auth/csrf")

    response = client.get("/auth/csrf", HTTP_ORIGIN="http://localhost:3000")

    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "code", "retry_after"}
    assert body["code"] == "rate_limited"
    assert isinstance(body["retry_after"], int)
    # Whole seconds until the minute's window frees, rounded up, and at least 1.
    assert response["Retry-After"] == str(body["retry_after"])
    assert 1 <= body["retry_after"] <= 60
    # The front end on another origin can read it.
    assert response["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "Retry-After" in response["Access-Control-Expose-Headers"]
    assert response["X-Site-Mode"] == "local"


def test_a_strict_bucket_counts_on_top_of_the_general_one(client, rates):
    rates(general="4/m", register_ip="1000/m")
    start_in_fresh_window("general", "ip:127.0.0.1", need=2)
    for _ in range(2):
        client.post("/auth/register", {}, format="json")
    for _ in range(2):
        assert client.get("/auth/csrf").status_code == 200

    # Four requests of any kind in the window: the fifth is refused wherever it goes.
    assert client.get("/auth/csrf").status_code == 429
    assert client.post("/auth/register", {}, format="json").status_code == 429


def test_every_attempt_counts_whatever_its_answer(client, rates, student):
    rates(login_email="3/m")
    start_in_fresh_window("login_email", f"email:{student.email}", need=2)
    good = {"email": student.email, "password": "correct-horse-battery-staple"}
    bad = {"email": student.email, "password": "wrong"}

    answers = [
        client.post("/auth/login", body, format="json").status_code for body in (bad, bad, good)
    ]

    assert answers == [400, 400, 200]
    assert client.post("/auth/login", good, format="json").status_code == 429


def test_a_request_refused_by_one_bucket_still_counts_in_the_others(client, rates):
    # Spraying e-mails from one address: the per-e-mail refusals still use up the per-IP bucket.
    rates(login_email="1/m", login_ip="4/m", general=HIGH)
    start_in_fresh_window("login_ip", "ip:127.0.0.1", need=2)
    body = {"email": "target@example.com", "password": "x"}
    statuses = [client.post("/auth/login", body, format="json").status_code for _ in range(4)]
    assert statuses == [400, 429, 429, 429]

    other = client.post(
        "/auth/login", {"email": "other@example.com", "password": "x"}, format="json"
    )
    assert other.status_code == 429

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session

from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_logout_deletes_the_session_and_expires_both_cookies(client, student):
    client.post("/api/public/session/guest")
    token = login(client, student)
    old = client.cookies[settings.SESSION_COOKIE_NAME].value

    response = client.post("/auth/logout", headers={"X-CSRFToken": token})

    assert response.status_code == 204
    assert not Session.objects.filter(session_key=old).exists()
    for name in (settings.SESSION_COOKIE_NAME, "guest_id"):
        cookie = response.cookies[name]
        assert cookie.value == ""
        assert cookie["max-age"] == 0
    assert client.get("/auth/me").status_code == 401


def test_logout_when_anonymous_is_harmless(client):
    assert client.post("/auth/logout").status_code == 204


def test_me_is_401_for_an_anonymous_caller(client):
    response = client.get("/auth/me")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }


def test_me_answers_the_contract_fields(client, instructor):
    login(client, instructor)

    body = client.get("/auth/me").json()

    assert body == {
        "id": str(instructor.pk),
        "email": instructor.email,
        "full_name": instructor.full_name,
        "role": "instructor",
        "is_staff": False,
        "beta": body["beta"],
        "site_mode": "local",
    }
    assert set(body["beta"]) == {"phase", "has_access", "access_role"}


def test_me_costs_at_most_two_queries(client, student, django_assert_max_num_queries):
    login(client, student)
    client.get("/auth/me")  # warm the session cache, as every page load after the first does

    with django_assert_max_num_queries(2):
        assert client.get("/auth/me").status_code == 200


def test_me_without_the_session_cache_still_costs_at_most_two_queries(
    client, student, django_assert_max_num_queries
):
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.core.cache import caches

    login(client, student)
    client.get("/auth/me")
    # Only the session falls out of the cache (e.g. evicted); the phase stays cached.
    caches["sessions"].delete(KEY_PREFIX + client.cookies[settings.SESSION_COOKIE_NAME].value)

    with django_assert_max_num_queries(2):
        assert client.get("/auth/me").status_code == 200


def test_me_refuses_a_session_of_a_deactivated_user(client, student):
    login(client, student)
    student.is_active = False
    student.save()

    assert client.get("/auth/me").status_code == 401

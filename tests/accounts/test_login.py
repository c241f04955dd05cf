import pytest
from django.conf import settings

from tests.conftest import PASSWORD, login

pytestmark = pytest.mark.django_db


def test_it_logs_in_and_answers_the_user(client, student):
    response = client.post(
        "/auth/login", {"email": student.email, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["email"] == student.email
    assert client.get("/auth/me").status_code == 200


def test_the_email_is_case_insensitive(client, student):
    response = client.post(
        "/auth/login", {"email": "  SAM.Student@EXAMPLE.com ", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200


def test_unknown_email_and_wrong_password_get_the_same_answer(client, student):
    unknown = client.post(
        "/auth/login", {"email": "nobody@example.com", "password": PASSWORD}, format="json"
    )
    wrong = client.post(
        "/auth/login", {"email": student.email, "password": "wrong-password"}, format="json"
    )

    assert unknown.status_code == wrong.status_code == 400
    assert unknown.json() == wrong.json()
    assert unknown.json()["code"] == "invalid_credentials"


def test_a_deactivated_user_cannot_log_in(client, student):
    student.is_active = False
    student.save()
    response = client.post(
        "/auth/login", {"email": student.email, "password": PASSWORD}, format="json"
    )
    assert response.json()["code"] == "invalid_credentials"


def test_missing_fields_are_invalid(client):
    response = client.post("/auth/login", {"email": "a@b.c"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "password" in response.json()["errors"]


def test_login_rotates_the_session_key_even_for_the_same_user(client, student):
    token = login(client, student)
    first = client.cookies[settings.SESSION_COOKIE_NAME].value

    response = client.post(
        "/auth/login",
        {"email": student.email, "password": PASSWORD},
        format="json",
        headers={"X-CSRFToken": token},
    )
    second = client.cookies[settings.SESSION_COOKIE_NAME].value

    assert response.status_code == 200
    assert first != second


def test_the_old_session_key_stops_working_after_login(client, student):
    token = login(client, student)
    old = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(
        "/auth/login",
        {"email": student.email, "password": PASSWORD},
        format="json",
        headers={"X-CSRFToken": token},
    )

    attacker = client.__class__()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = old
    assert attacker.get("/auth/me").status_code == 401


def test_a_logged_in_post_without_the_csrf_header_is_refused(client, student):
    login(client, student)

    response = client.post("/auth/logout")

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert client.get("/auth/me").status_code == 200


def test_a_logged_in_post_with_a_wrong_csrf_header_is_refused(client, student):
    login(client, student)

    response = client.post("/auth/logout", headers={"X-CSRFToken": "x" * 64})

    assert response.json()["code"] == "csrf_failed"


def test_a_logged_in_post_with_the_csrf_header_is_accepted(client, student):
    token = login(client, student)

    response = client.post("/auth/logout", headers={"X-CSRFToken": token})

    assert response.status_code == 204


def test_the_csrf_endpoint_hands_out_a_token_that_works(client, student):
    login(client, student)

    response = client.get("/auth/csrf")
    token = response.json()["csrf_token"]

    assert response.status_code == 200
    assert client.cookies["csrftoken"].value
    assert client.post("/auth/logout", headers={"X-CSRFToken": token}).status_code == 204

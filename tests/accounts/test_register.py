import pytest

from accounts.models import User
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_signup")]

VALID = {
    "email": "New.Person@Example.com",
    "password": PASSWORD,
    "full_name": "New Person",
    "role": "student",
}


def register(client, **overrides):
    return client.post("/auth/register", {**VALID, **overrides}, format="json")


def test_it_creates_the_account_and_logs_it_in(client):
    response = register(client)

    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "new.person@example.com"
    assert body["full_name"] == "New Person"
    assert body["role"] == "student"
    assert body["is_staff"] is False
    assert body["site_mode"] == "local"
    assert set(body["beta"]) == {"phase", "has_access", "access_role"}
    assert isinstance(body["id"], str)
    assert client.get("/auth/me").json()["email"] == "new.person@example.com"


def test_it_stores_the_email_lower_cased(client):
    register(client)
    assert User.objects.get().email == "new.person@example.com"


def test_it_accepts_invite_and_referral_fields_while_registration_is_open(client):
    response = register(client, invite_code="", referral_code="ABCDEFGH")
    assert response.status_code == 201


def test_it_refuses_a_taken_email_in_any_case(client, student):
    response = register(client, email=student.email.upper())

    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"email": "not-an-email"}, "email"),
        ({"role": "admin"}, "role"),
        ({"password": "short"}, "password"),
        ({"password": "12345678901"}, "password"),
        ({"full_name": ""}, "full_name"),
        ({"full_name": "x" * 151}, "full_name"),
        ({"email": ["a@b.c"]}, "email"),
        ({"role": 7}, "role"),
    ],
)
def test_it_refuses_an_invalid_body_with_field_errors(client, overrides, field):
    response = register(client, **overrides)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"]
    assert User.objects.count() == 0


def test_it_refuses_missing_fields(client):
    response = client.post("/auth/register", {}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email", "password", "full_name", "role"}


def test_it_checks_the_body_before_the_email(client, student):
    response = register(client, email=student.email, role="nope")
    assert response.status_code == 400


def test_malformed_json_is_invalid(client):
    response = client.post("/auth/register", data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_a_form_encoded_body_is_unsupported(client):
    response = client.post("/auth/register", data=VALID)  # multipart, not JSON

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_it_ignores_unknown_fields(client):
    assert register(client, is_staff=True, favourite_colour="blue").status_code == 201
    assert User.objects.get().is_staff is False

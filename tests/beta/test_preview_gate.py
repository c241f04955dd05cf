"""Preview: a staff-only room. Locked without a pass; behind it, no beta restriction at all."""

import time

import pytest
from django.core import signing
from django.test import override_settings
from rest_framework.test import APIClient

from beta.middleware import PREVIEW_PASS_AGE, PREVIEW_PASS_COOKIE, PREVIEW_PASS_SALT
from tests.beta.test_phase_gate import PERSONAS, TABLE, call_as, make_persona
from tests.conftest import PASSWORD, login

pytestmark = pytest.mark.django_db

PREVIEW = {"SITE_MODE": "preview"}
LOCKED_REQUESTS = [
    ("get", "/api/bookings/history"),
    ("post", "/api/bookings/"),
    ("get", "/auth/me"),
    ("post", "/auth/login"),
    ("post", "/auth/register"),
    ("get", "/api/beta/settings"),
    ("post", "/api/public/session/guest"),
    ("get", "/api/beta/invites/validate?code=ABC"),
    ("get", "/api/nope"),
]


def unlock(client, user, password=PASSWORD):
    return client.post(
        "/api/preview/unlock", {"email": user.email, "password": password}, format="json"
    )


@override_settings(**PREVIEW)
@pytest.mark.parametrize("method, path", LOCKED_REQUESTS)
def test_everything_is_locked_without_a_pass(client, method, path):
    response = getattr(client, method)(path, {}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "preview_locked"
    assert response["X-Site-Mode"] == "preview"


@override_settings(**PREVIEW)
@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_a_logged_in_account_is_locked_out_without_a_pass(client, set_beta, persona):
    set_beta(phase="open")
    user = make_persona(persona)
    # Log in before preview existed for this client: the session alone does not open preview.
    with override_settings(SITE_MODE="prod"):
        login(client, user)

    response = client.get("/api/bookings/history")

    assert response.json()["code"] == "preview_locked"


@override_settings(**PREVIEW)
@pytest.mark.parametrize("method, path", [("get", "/health"), ("get", "/auth/csrf")])
def test_what_a_browser_needs_to_unlock_stays_open(client, method, path):
    assert getattr(client, method)(path).status_code == 200


@override_settings(**PREVIEW)
def test_the_schema_stays_open(client):
    assert client.get("/api/schema/").status_code == 200


@override_settings(**PREVIEW)
def test_staff_credentials_unlock_with_a_secure_twelve_hour_cookie(client, staff):
    response = unlock(client, staff)

    assert response.status_code == 204
    cookie = response.cookies[PREVIEW_PASS_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["secure"] is True
    assert cookie["samesite"] == "None"
    assert cookie["max-age"] == 12 * 60 * 60
    assert cookie.value.startswith(f"{staff.pk}:")  # signed: value, timestamp, signature


@override_settings(**PREVIEW)
@pytest.mark.parametrize("who", ["wrong_password", "unknown", "student", "inactive_staff"])
def test_anything_but_active_staff_is_denied(client, staff, student, who):
    if who == "wrong_password":
        response = unlock(client, staff, password="nope-nope-nope")
    elif who == "unknown":
        response = client.post(
            "/api/preview/unlock", {"email": "x@example.com", "password": PASSWORD}, format="json"
        )
    elif who == "student":
        response = unlock(client, student)
    else:
        staff.is_active = False
        staff.save()
        response = unlock(client, staff)

    assert response.status_code == 403
    assert response.json()["code"] == "preview_denied"
    assert PREVIEW_PASS_COOKIE not in response.cookies


@override_settings(**PREVIEW)
@pytest.mark.parametrize("phase", list(TABLE))
@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_behind_the_pass_every_gate_passes_in_every_phase(client, set_beta, staff, phase, persona):
    set_beta(phase=phase)
    assert unlock(client, staff).status_code == 204

    response = call_as(client, persona)

    assert response.status_code == 200, response.content


@override_settings(**PREVIEW)
def test_behind_the_pass_registration_needs_no_invite(client, set_beta, staff):
    set_beta(phase="instructor_only")
    unlock(client, staff)

    response = client.post(
        "/auth/register",
        {"email": "p@example.com", "password": PASSWORD, "full_name": "P", "role": "student"},
        format="json",
    )

    assert response.status_code == 201


@override_settings(**PREVIEW)
def test_x_beta_phase_still_shows_preview_s_own_settings(client, set_beta, staff):
    set_beta(phase="alpha")
    unlock(client, staff)

    assert client.get("/api/bookings/history")["X-Beta-Phase"] == "alpha"


@override_settings(**PREVIEW)
@pytest.mark.parametrize("change", ["deactivated", "no_longer_staff"])
def test_a_pass_stops_working_at_once_when_its_staff_user_changes(client, staff, change):
    unlock(client, staff)
    assert client.get("/api/beta/settings").status_code == 200

    if change == "deactivated":
        staff.is_active = False
    else:
        staff.is_staff = False
    staff.save()

    assert client.get("/api/beta/settings").json()["code"] == "preview_locked"


@override_settings(**PREVIEW)
def test_a_forged_or_tampered_pass_is_refused(client, staff, student):
    unlock(client, staff)
    signed_part = client.cookies[PREVIEW_PASS_COOKIE].value.split(":", 1)[1]
    client.cookies[PREVIEW_PASS_COOKIE] = f"{student.pk}:{signed_part}"
    assert client.get("/api/beta/settings").status_code == 403

    client.cookies[PREVIEW_PASS_COOKIE] = str(staff.pk)
    assert client.get("/api/beta/settings").status_code == 403


@override_settings(**PREVIEW)
def test_a_pass_older_than_twelve_hours_is_refused(client, staff, monkeypatch):
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - PREVIEW_PASS_AGE - 60)
    old = signing.get_cookie_signer(salt=PREVIEW_PASS_COOKIE + PREVIEW_PASS_SALT).sign(
        str(staff.pk)
    )
    monkeypatch.setattr(signing.time, "time", real_time)
    client.cookies[PREVIEW_PASS_COOKIE] = old

    assert client.get("/api/beta/settings").json()["code"] == "preview_locked"


@override_settings(SITE_MODE="prod")
def test_prod_has_no_unlock_and_ignores_a_valid_pass(client, set_beta, staff, student):
    set_beta(phase="alpha")
    with override_settings(**PREVIEW):
        preview = APIClient()
        unlock(preview, staff)
        pass_value = preview.cookies[PREVIEW_PASS_COOKIE].value

    assert unlock(client, staff).status_code == 404
    client.cookies[PREVIEW_PASS_COOKIE] = pass_value
    login(client, student)
    assert client.get("/api/bookings/history").json()["code"] == "beta_access_required"


def test_local_has_no_preview_lock(client):
    assert client.get("/api/beta/settings").status_code == 200

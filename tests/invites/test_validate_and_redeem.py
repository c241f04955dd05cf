from datetime import timedelta

import pytest
from django.utils import timezone

from beta.models import BetaAccess
from invites.codes import display_code
from invites.models import Invite
from tests.conftest import login

pytestmark = pytest.mark.django_db

VALIDATE = "/api/beta/invites/validate"
REDEEM = "/api/beta/invites/redeem"


def make_invite(**fields):
    defaults = {"role": "student", "expires_at": timezone.now() + timedelta(days=7)}
    return Invite.objects.create(**{**defaults, **fields})


def test_a_pending_code_is_valid(client):
    invite = make_invite(email="v@example.com", role="instructor")

    response = client.get(VALIDATE, {"code": display_code(invite.code).lower()})

    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True
    assert (body["code"], body["role"], body["email"]) == (
        invite.code,
        "instructor",
        "v@example.com",
    )
    assert body["expires_at"].endswith("Z")


def test_validating_never_consumes_the_invite(client):
    invite = make_invite()
    for _ in range(3):
        client.get(VALIDATE, {"code": invite.code})
    invite.refresh_from_db()
    assert invite.used_at is None


@pytest.mark.parametrize(
    "state, reason", [("revoked", "revoked"), ("used", "used"), ("expired", "expired")]
)
def test_an_unusable_code_says_why(client, student, state, reason):
    now = timezone.now()
    fields = {
        "revoked": {"revoked_at": now},
        "used": {"used_at": now, "used_by": student},
        "expired": {"expires_at": now - timedelta(minutes=1)},
    }[state]
    invite = make_invite(**fields)

    assert client.get(VALIDATE, {"code": invite.code}).json() == {"valid": False, "reason": reason}


def test_an_unknown_code_is_not_found(client):
    assert client.get(VALIDATE, {"code": "ZZZZZZZZZZ"}).json() == {
        "valid": False,
        "reason": "not_found",
    }


@pytest.mark.parametrize("query", [{}, {"code": ""}, {"code": "x" * 65}])
def test_validate_without_a_code_is_400(client, query):
    response = client.get(VALIDATE, query)
    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_redeem_needs_a_login(client):
    response = client.post(REDEEM, {"code": "ZZZZZZZZZZ"}, format="json")
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_redeem_grants_access_with_the_invite_s_role(client, student, set_beta):
    set_beta(phase="alpha")
    invite = make_invite(role="student", email=student.email)
    token = login(client, student)
    assert client.get("/api/bookings/history").status_code == 403

    response = client.post(
        REDEEM, {"code": invite.code}, format="json", headers={"X-CSRFToken": token}
    )

    assert response.status_code == 200
    assert response.json() == {"access_role": "student", "phase": "alpha"}
    assert BetaAccess.objects.get(user=student).invite == invite
    assert client.get("/api/bookings/history").status_code == 200


def test_already_having_access_is_checked_before_the_code(client, student):
    BetaAccess.objects.create(user=student, role="student", phase_at_grant="alpha")
    token = login(client, student)

    response = client.post(
        REDEEM, {"code": "NOT-A-CODE"}, format="json", headers={"X-CSRFToken": token}
    )

    assert (response.status_code, response.json()["code"]) == (409, "already_has_access")


@pytest.mark.parametrize(
    "fields, code",
    [
        ({"revoked_at": "now"}, "invite_revoked"),
        ({"expires_at": "past"}, "invite_expired"),
        ({"email": "other@example.com"}, "invite_email_mismatch"),
    ],
)
def test_redeem_answers_the_invite_codes_of_register(client, student, fields, code):
    now = timezone.now()
    values = {}
    if "revoked_at" in fields:
        values["revoked_at"] = now
    if "expires_at" in fields:
        values["expires_at"] = now - timedelta(minutes=1)
    if "email" in fields:
        values["email"] = fields["email"]
    invite = make_invite(**values)
    token = login(client, student)

    response = client.post(
        REDEEM, {"code": invite.code}, format="json", headers={"X-CSRFToken": token}
    )

    assert (response.status_code, response.json()["code"]) == (400, code)
    assert not BetaAccess.objects.exists()


def test_redeem_of_an_unknown_code_is_invite_invalid(client, student):
    token = login(client, student)
    response = client.post(
        REDEEM, {"code": "ZZZZZZZZZZ"}, format="json", headers={"X-CSRFToken": token}
    )
    assert response.json()["code"] == "invite_invalid"


def test_a_used_code_cannot_be_redeemed_twice(client, student, instructor):
    invite = make_invite(role="student")
    token = login(client, student)
    client.post(REDEEM, {"code": invite.code}, format="json", headers={"X-CSRFToken": token})

    other = client.__class__(enforce_csrf_checks=True)
    token = login(other, instructor)
    response = other.post(
        REDEEM, {"code": invite.code}, format="json", headers={"X-CSRFToken": token}
    )

    assert response.json()["code"] == "invite_used"

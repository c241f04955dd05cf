import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from beta.models import BetaAccess
from invites.codes import ALPHABET, display_code, normalize_code
from invites.models import Invite
from invites.services import invite_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def register(client, email="new@example.com", role="student", **extra):
    body = {"email": email, "password": PASSWORD, "full_name": "New", "role": role, **extra}
    return client.post("/auth/register", body, format="json")


def make_invite(**fields):
    defaults = {"role": "instructor", "expires_at": timezone.now() + timedelta(days=7)}
    return Invite.objects.create(**{**defaults, **fields})


def test_codes_are_ten_crockford_characters():
    codes = {invite_create(role="student").code for _ in range(50)}
    assert len(codes) == 50
    assert all(len(c) == 10 and set(c) <= set(ALPHABET) for c in codes)


@pytest.mark.parametrize("phase", ["instructor_only", "alpha"])
def test_invite_only_phases_refuse_signup_without_a_code(client, set_beta, phase):
    set_beta(phase=phase)

    response = register(client)

    assert (response.status_code, response.json()["code"]) == (403, "invite_required")
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"phase": "open_beta"},
        {"phase": "open"},
        {"phase": "alpha", "beta_disabled": True},
        {"phase": "instructor_only", "allow_signup_without_invite": True},
    ],
)
def test_signup_without_a_code_is_open_otherwise_but_gives_no_access(client, set_beta, changes):
    set_beta(**changes)

    response = register(client)

    assert response.status_code == 201
    assert response.json()["beta"]["has_access"] is False
    assert response.json()["beta"]["access_role"] is None


def test_a_code_creates_the_account_with_access_and_uses_the_invite(client):
    invite = make_invite(role="instructor")

    response = register(client, role="student", invite_code=invite.code)

    assert response.status_code == 201
    body = response.json()
    assert body["role"] == "instructor"  # the invite's role wins
    assert body["beta"] == {
        "phase": "instructor_only",
        "has_access": True,
        "access_role": "instructor",
    }
    invite.refresh_from_db()
    user = User.objects.get()
    assert invite.used_by == user and invite.used_at is not None
    grant = BetaAccess.objects.get(user=user)
    assert (grant.invite, grant.role, grant.phase_at_grant) == (
        invite,
        "instructor",
        "instructor_only",
    )
    assert client.get("/auth/me").json()["beta"]["has_access"] is True


@pytest.mark.parametrize("transform", ["lower", "dashed", "spaced", "confusable"])
def test_codes_match_case_insensitively_and_with_dashes(client, transform):
    invite = make_invite(code="AB0DE1GHJK")
    typed = {
        "lower": "ab0de1ghjk",
        "dashed": display_code(invite.code),
        "spaced": " AB0DE 1GHJK ",
        "confusable": "ABODEIGHJK",  # O for 0 and I for 1, as Crockford reads them
    }[transform]

    assert register(client, invite_code=typed).status_code == 201


@pytest.mark.parametrize(
    "fields, code",
    [
        ({"revoked_at": "now"}, "invite_revoked"),
        ({"used": True}, "invite_used"),
        ({"expires_at": "past"}, "invite_expired"),
        ({"email": "someone.else@example.com"}, "invite_email_mismatch"),
        # Several apply: the first of the contract's order answers.
        ({"revoked_at": "now", "used": True, "expires_at": "past"}, "invite_revoked"),
        ({"used": True, "expires_at": "past", "email": "x@example.com"}, "invite_used"),
        ({"expires_at": "past", "email": "x@example.com"}, "invite_expired"),
    ],
)
def test_each_unusable_invite_gives_its_code(client, fields, code):
    now = timezone.now()
    values = {}
    if fields.get("revoked_at"):
        values["revoked_at"] = now
    if fields.get("used"):
        values.update(used_at=now, used_by=User.objects.create_user("first@example.com", "x"))
    if fields.get("expires_at"):
        values["expires_at"] = now - timedelta(seconds=1)
    if fields.get("email"):
        values["email"] = fields["email"]
    invite = make_invite(**values)

    response = register(client, invite_code=invite.code)

    assert (response.status_code, response.json()["code"]) == (400, code)
    assert not User.objects.filter(email="new@example.com").exists()


def test_an_unknown_code_is_invite_invalid(client):
    response = register(client, invite_code="ZZZZZZZZZZ")
    assert (response.status_code, response.json()["code"]) == (400, "invite_invalid")


def test_an_invite_bound_to_an_email_works_for_that_email_in_any_case(client):
    invite = make_invite(email="bound@example.com")
    assert register(client, email="Bound@Example.com", invite_code=invite.code).status_code == 201


def test_the_email_is_checked_before_the_invite(client, student):
    response = register(client, email=student.email, invite_code="ZZZZZZZZZZ")
    assert response.json()["code"] == "email_taken"


def test_a_failed_signup_leaves_the_invite_unused(client):
    invite = make_invite()
    register(client, invite_code=invite.code, password="short")
    invite.refresh_from_db()
    assert invite.used_at is None


@pytest.mark.django_db(transaction=True)
def test_two_signups_racing_on_one_code_give_one_account(db):
    invite = make_invite(role="student")
    barrier = threading.Barrier(2)
    answers = []

    def sign_up(n):
        try:
            barrier.wait()
            response = register(APIClient(), email=f"racer{n}@example.com", invite_code=invite.code)
            answers.append((response.status_code, response.json().get("code")))
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(answers, key=lambda a: a[0]) == [(201, None), (400, "invite_used")]
    assert BetaAccess.objects.count() == 1
    assert User.objects.count() == 1


def test_one_pending_invite_per_address_and_role_is_a_database_rule():
    make_invite(email="dup@example.com", role="student")
    with pytest.raises(IntegrityError):
        make_invite(email="DUP@example.com", role="student")


def test_an_address_may_be_invited_again_after_expiry_or_revocation():
    expired = invite_create(role="student", email="again@example.com")
    Invite.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))

    second = invite_create(role="student", email="again@example.com")
    Invite.objects.filter(pk=second.pk).update(revoked_at=timezone.now())
    third = invite_create(role="student", email="again@example.com")

    assert Invite.objects.filter(email="again@example.com").count() == 3  # history is kept
    assert third.status() == "pending"
    expired.refresh_from_db()
    assert expired.superseded_at is not None and expired.used_at is None


def test_normalize_code_ignores_case_dashes_and_spaces():
    assert normalize_code(" ab-cd efghjk ") == "ABCDEFGHJK"

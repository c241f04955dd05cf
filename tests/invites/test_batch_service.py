"""invite_batch_create: judging each address, writing a batch in one transaction, queueing on
commit."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from beta.services import beta_access_grant
from instainstru.api import ApplicationError
from invites import services
from invites.models import Invite, InviteBatch, SendStatus
from invites.parsing import MAX_ADDRESSES, Row
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def rows(*emails, **fields):
    return [Row(email=e, **fields) for e in emails]


def create(emails, role="instructor", **kwargs):
    return services.invite_batch_create(rows=rows(*emails), role=role, **kwargs)


def rejected(result):
    return [(r.email, r.reason) for r in result.plan.rejected]


def test_valid_addresses_become_pending_invites_of_the_batch(staff):
    result = create(
        ["Ada@Example.com", " bob@example.com "],
        role="instructor",
        expires_in_days=30,
        source="conference",
        created_by=staff,
        via="api",
    )

    batch = result.batch
    invites = list(batch.invites.order_by("email"))
    assert [i.email for i in invites] == ["ada@example.com", "bob@example.com"]
    assert {(i.role, i.source, i.created_by_id, i.send_status) for i in invites} == {
        ("instructor", "conference", staff.pk, SendStatus.PENDING)
    }
    expected_expiry = timezone.now() + timedelta(days=30)
    assert all(abs(i.expires_at - expected_expiry) < timedelta(minutes=1) for i in invites)
    assert (batch.role, batch.source, batch.via, batch.submitted, batch.rejected) == (
        "instructor",
        "conference",
        "api",
        2,
        [],
    )
    assert len({i.code for i in invites}) == 2


def test_an_invalid_address_is_rejected_as_invalid_email():
    result = create(["ok@example.com", "not-an-address", "a@", ""])

    assert rejected(result) == [
        ("not-an-address", "invalid_email"),
        ("a@", "invalid_email"),
        ("", "invalid_email"),
    ]
    assert [a.email for a in result.plan.accepted] == ["ok@example.com"]


def test_the_second_copy_of_an_address_is_a_duplicate_in_the_batch_whatever_its_case():
    result = create(["dup@example.com", "other@example.com", " DUP@example.COM", "dup@example.com"])

    assert rejected(result) == [
        ("dup@example.com", "duplicate_in_batch"),
        ("dup@example.com", "duplicate_in_batch"),
    ]
    assert Invite.objects.filter(email="dup@example.com").count() == 1


def test_an_address_with_a_pending_invite_of_that_role_is_already_invited():
    services.invite_create(email="Pending@Example.com", role="instructor")

    result = create(["pending@example.com"], role="instructor")

    assert rejected(result) == [("pending@example.com", "already_invited")]
    assert result.batch.invites.count() == 0


def test_an_old_invite_stored_with_upper_case_still_counts_as_already_invited():
    Invite.objects.create(
        email="Legacy.Case@example.com",
        role="student",
        expires_at=timezone.now() + timedelta(days=3),
    )

    assert rejected(create(["legacy.case@example.com"], role="student")) == [
        ("legacy.case@example.com", "already_invited")
    ]


def test_a_pending_invite_of_another_role_does_not_block():
    services.invite_create(email="both@example.com", role="student")

    result = create(["both@example.com"], role="instructor")

    assert rejected(result) == []
    assert result.batch.invites.get().role == "instructor"


@pytest.mark.parametrize("state", ["expired", "used", "revoked"])
def test_an_address_whose_invite_is_no_longer_pending_can_be_invited_again(state, student):
    old = services.invite_create(email="again@example.com", role="instructor")
    now = timezone.now()
    change = {
        "expired": {"expires_at": now - timedelta(days=1)},
        "used": {"used_at": now, "used_by": student},
        "revoked": {"revoked_at": now},
    }[state]
    Invite.objects.filter(pk=old.pk).update(**change)

    result = create(["again@example.com"])

    assert rejected(result) == []
    assert result.batch.invites.get().email == "again@example.com"
    old.refresh_from_db()
    assert (old.superseded_at is not None) == (state == "expired")


def test_an_account_with_beta_access_is_already_a_member():
    member = UserFactory(email="member@example.com", role="instructor")
    beta_access_grant(user=member, role="instructor")
    UserFactory(email="no-access@example.com")

    result = create(["MEMBER@example.com", "no-access@example.com"])

    assert rejected(result) == [("member@example.com", "already_member")]
    assert [a.email for a in result.plan.accepted] == ["no-access@example.com"]


def test_a_revoked_grant_does_not_make_a_member():
    user = UserFactory(email="former@example.com")
    grant = beta_access_grant(user=user, role="student")
    from beta.services import beta_access_revoke

    beta_access_revoke(grant=grant)

    assert rejected(create(["former@example.com"])) == []


def test_the_first_reason_that_applies_wins():
    member = UserFactory(email="m@example.com")
    beta_access_grant(user=member, role="instructor")
    services.invite_create(email="m@example.com", role="instructor")  # also pending

    result = create(["m@example.com", "M@example.com", "bad"])

    assert rejected(result) == [  # in the order given
        ("m@example.com", "already_member"),
        ("m@example.com", "duplicate_in_batch"),
        ("bad", "invalid_email"),
    ]


def test_rows_may_name_their_own_role_and_name():
    result = services.invite_batch_create(
        rows=[
            Row(email="t@example.com", role="instructor", name="Tina Teacher"),
            Row(email="s@example.com", name="Sam"),
        ],
        role="student",
    )

    got = {i.email: (i.role, i.name) for i in result.batch.invites.all()}
    assert got == {
        "t@example.com": ("instructor", "Tina Teacher"),
        "s@example.com": ("student", "Sam"),
    }


def test_the_rejections_are_kept_on_the_batch():
    result = create(["good@example.com", "bad", "good@example.com"])

    assert result.batch.rejected == [
        {"email": "bad", "reason": "invalid_email"},
        {"email": "good@example.com", "reason": "duplicate_in_batch"},
    ]
    assert result.batch.submitted == 3


def test_more_than_10000_addresses_write_nothing():
    too_many = [f"p{i}@example.com" for i in range(MAX_ADDRESSES + 1)]

    with pytest.raises(ApplicationError) as err:
        create(too_many)

    assert err.value.code == "too_many_addresses"
    assert not InviteBatch.objects.exists()
    assert not Invite.objects.exists()


def test_a_database_error_mid_write_leaves_no_batch_and_no_invite(
    django_capture_on_commit_callbacks,
):
    """A real constraint violation on the 3rd of 5 invites: the whole batch rolls back."""
    with connection.cursor() as cursor:
        # Rolled back with the test's transaction, like everything else the test does.
        cursor.execute(
            "ALTER TABLE invites_invite ADD CONSTRAINT test_refuse_boom "
            "CHECK (email <> 'boom@example.com')"
        )
    emails = [
        "a@example.com",
        "b@example.com",
        "boom@example.com",
        "c@example.com",
        "d@example.com",
    ]

    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(ApplicationError) as err:
            create(emails)

    assert err.value.code == "batch_conflict"
    assert err.value.status_code == 409
    assert "nothing was saved" in err.value.detail
    assert not InviteBatch.objects.exists()
    assert not Invite.objects.exists()
    assert callbacks == []  # nothing queued for sending
    assert mail.outbox == []


def test_an_address_invited_concurrently_trips_the_database_rule_and_nothing_is_written(
    monkeypatch,
):
    """Another batch commits a pending invite between our reads and our insert: the partial
    unique index refuses our copy and the whole batch is rolled back."""
    from invites import selectors

    real_plan = selectors.invite_batch_plan

    def plan_then_someone_else_invites(rows, **kwargs):
        plan = real_plan(rows, **kwargs)
        Invite.objects.create(
            email="race@example.com",
            role="instructor",
            expires_at=timezone.now() + timedelta(days=1),
        )
        return plan

    monkeypatch.setattr(services, "invite_batch_plan", plan_then_someone_else_invites)

    with pytest.raises(ApplicationError) as err:
        create(["first@example.com", "race@example.com"])

    assert err.value.code == "batch_conflict"
    assert not InviteBatch.objects.exists()
    assert list(Invite.objects.values_list("email", flat=True)) == []


def test_sending_is_queued_only_when_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = create(["q1@example.com", "q2@example.com"])

    assert len(callbacks) == 1
    assert mail.outbox == []  # nothing sent before commit
    assert set(result.batch.invites.values_list("send_status", flat=True)) == {SendStatus.PENDING}

    callbacks[0]()

    assert sorted(m.to[0] for m in mail.outbox) == ["q1@example.com", "q2@example.com"]


def test_a_batch_with_nothing_accepted_queues_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        result = create(["bad", "worse"])

    assert callbacks == []
    assert result.batch.invites.count() == 0


def test_revoking_an_invite_whose_e_mail_is_waiting_cancels_the_e_mail(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = create(["keep@example.com", "drop@example.com"])
    drop = result.batch.invites.get(email="drop@example.com")

    assert services.invites_revoke(invite_ids=[drop.pk]) == 1
    callbacks[0]()

    drop.refresh_from_db()
    assert drop.revoked_at is not None and drop.send_status == SendStatus.NONE
    assert [m.to[0] for m in mail.outbox] == ["keep@example.com"]


def test_invite_create_says_already_invited_instead_of_a_database_error():
    services.invite_create(email="once@example.com", role="student")

    with pytest.raises(ApplicationError) as err:
        services.invite_create(email="ONCE@example.com", role="student")

    assert (err.value.code, err.value.status_code) == ("already_invited", 409)
    assert Invite.objects.filter(email="once@example.com").count() == 1

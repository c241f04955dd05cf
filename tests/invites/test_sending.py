"""Sending a batch: the e-mail, per-invite statuses, failures and resends, dead workers.

These run the send task in-process (ImmediateBackend, the test settings' default); the database
backend with real worker processes is in test_worker_process.py.
"""

import smtplib
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from invites import sending, services, tasks
from invites.codes import display_code
from invites.models import Invite, SendStatus
from invites.parsing import Row
from invites.selectors import invite_batch_progress

pytestmark = pytest.mark.django_db


class FailingForSomeBackend(LocmemBackend):
    """A mail server that refuses every address containing "bounce", like a 550 would."""

    opened = 0

    def open(self):
        FailingForSomeBackend.opened += 1
        return super().open()

    def send_messages(self, messages):
        for message in messages:
            refused = [a for a in message.to if "bounce" in a]
            if refused:
                raise smtplib.SMTPRecipientsRefused(
                    {a: (550, b"5.1.1 User unknown") for a in refused}
                )
        return super().send_messages(messages)


class DisconnectingBackend(LocmemBackend):
    """Drops the connection on addresses containing "drop"; counts how often it was reopened."""

    opened = 0

    def open(self):
        DisconnectingBackend.opened += 1
        return super().open()

    def send_messages(self, messages):
        if any("drop" in a for m in messages for a in m.to):
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class UnreachableBackend(LocmemBackend):
    def open(self):
        raise ConnectionRefusedError(111, "Connection refused")


@pytest.fixture
def mailer(settings):
    def use(backend_class):
        backend_class.opened = 0
        settings.MAILERS = {
            "default": {"BACKEND": f"{backend_class.__module__}.{backend_class.__qualname__}"}
        }

    return use


@pytest.fixture
def make_batch(django_capture_on_commit_callbacks):
    """Writes a batch; its send callbacks are returned, not run, so a test decides when."""

    def make(emails, role="instructor", **kwargs):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            result = services.invite_batch_create(
                rows=[Row(email=e) if isinstance(e, str) else e for e in emails],
                role=role,
                **kwargs,
            )
        return result.batch, callbacks

    return make


def send_now(callbacks):
    for callback in callbacks:
        callback()


def statuses(batch):
    return dict(batch.invites.values_list("email", "send_status"))


def outbox_to():
    return sorted(m.to[0] for m in mail.outbox)


# --- the e-mail -------------------------------------------------------------------------------


def test_the_invite_e_mail_names_role_and_expiry_and_carries_code_and_link(make_batch, settings):
    settings.FRONTEND_URL = "https://beta.instainstru.com/"
    batch, callbacks = make_batch(
        [Row(email="ada@example.com", name="Ada <Lovelace>")], role="instructor", expires_in_days=10
    )
    send_now(callbacks)

    invite = batch.invites.get()
    (message,) = mail.outbox
    link = f"https://beta.instainstru.com/join?code={invite.code}"
    expiry = invite.expires_at.strftime("%-d %B %Y")
    assert message.to == ["ada@example.com"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert "as an instructor" in message.subject
    for body in (message.body, message.alternatives[0].content):
        assert "an instructor" in body
        assert display_code(invite.code) in body
        assert link in body
        assert expiry in body
    assert message.alternatives[0].mimetype == "text/html"
    assert "Hello Ada <Lovelace>," in message.body  # plain text is not HTML-escaped
    assert "Ada &lt;Lovelace&gt;" in message.alternatives[0].content  # HTML is
    assert "testserver" not in message.body  # never a link built from a request


def test_a_student_invite_says_student():
    from invites.emails import invite_email_message

    invite = Invite(
        code="ABCDEFGHJK", email="s@example.com", role="student", expires_at=timezone.now()
    )
    message = invite_email_message(invite)
    assert "as a student" in message.subject
    assert "Hello," in message.body


# --- statuses ---------------------------------------------------------------------------------


def test_each_invite_is_recorded_as_sent(make_batch):
    batch, callbacks = make_batch(["a@example.com", "b@example.com"])
    assert invite_batch_progress(batch)["status"] == "queued"

    send_now(callbacks)

    for invite in batch.invites.all():
        assert invite.send_status == SendStatus.SENT
        assert invite.sent_at is not None
        assert invite.send_attempts == 1
        assert (invite.claim_token, invite.claimed_at, invite.last_error) == ("", None, "")
    progress = invite_batch_progress(batch)
    assert (progress["status"], progress["sent"], progress["failed"]) == ("sent", 2, 0)


def test_a_chunk_of_invites_goes_over_one_mail_connection(make_batch, mailer):
    mailer(FailingForSomeBackend)  # counts opens; no address here bounces
    batch, callbacks = make_batch([f"p{i}@example.com" for i in range(250)])

    send_now(callbacks)

    assert len(mail.outbox) == 250
    assert FailingForSomeBackend.opened == 3  # chunks of 100, 100 and 50


def test_a_refused_address_is_marked_failed_with_the_reason_and_the_rest_are_sent(
    make_batch, mailer
):
    mailer(FailingForSomeBackend)
    batch, callbacks = make_batch(["ok1@example.com", "bounce@example.com", "ok2@example.com"])

    send_now(callbacks)

    assert outbox_to() == ["ok1@example.com", "ok2@example.com"]
    failed = batch.invites.get(email="bounce@example.com")
    assert failed.send_status == SendStatus.FAILED
    assert failed.sent_at is None
    assert "SMTPRecipientsRefused" in failed.last_error and "User unknown" in failed.last_error
    progress = invite_batch_progress(batch)
    assert (progress["status"], progress["sent"], progress["failed"]) == ("partially_failed", 2, 1)
    assert progress["failures"] == [{"email": "bounce@example.com", "reason": failed.last_error}]


def test_resending_sends_only_the_failed_ones(
    make_batch, mailer, django_capture_on_commit_callbacks
):
    mailer(FailingForSomeBackend)
    batch, callbacks = make_batch(
        ["ok1@example.com", "bounce1@example.com", "ok2@example.com", "bounce2@example.com"]
    )
    send_now(callbacks)
    assert outbox_to() == ["ok1@example.com", "ok2@example.com"]
    mail.outbox.clear()

    mailer(LocmemBackend)  # the mail server accepts them now
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invite_batch_resend_failed(batch=batch) == 2

    assert outbox_to() == ["bounce1@example.com", "bounce2@example.com"]
    attempts = dict(batch.invites.values_list("email", "send_attempts"))
    assert attempts == {
        "ok1@example.com": 1,
        "ok2@example.com": 1,
        "bounce1@example.com": 2,
        "bounce2@example.com": 2,
    }
    assert invite_batch_progress(batch)["status"] == "sent"


def test_resending_skips_failed_invites_that_were_revoked_or_expired_since(
    make_batch, mailer, django_capture_on_commit_callbacks
):
    mailer(FailingForSomeBackend)
    batch, callbacks = make_batch(["bounce-a@example.com", "bounce-b@example.com"])
    send_now(callbacks)
    Invite.objects.filter(email="bounce-a@example.com").update(revoked_at=timezone.now())
    Invite.objects.filter(email="bounce-b@example.com").update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.invite_batch_resend_failed(batch=batch) == 0

    assert callbacks == []


def test_a_dropped_connection_fails_that_invite_and_a_new_connection_carries_on(make_batch, mailer):
    mailer(DisconnectingBackend)
    batch, callbacks = make_batch(["a@example.com", "drop@example.com", "b@example.com"])

    send_now(callbacks)

    assert outbox_to() == ["a@example.com", "b@example.com"]
    assert statuses(batch)["drop@example.com"] == SendStatus.FAILED
    assert DisconnectingBackend.opened == 2


def test_an_unreachable_mail_server_leaves_the_chunk_pending_for_a_later_run(
    make_batch, mailer, django_capture_on_commit_callbacks
):
    mailer(UnreachableBackend)
    batch, callbacks = make_batch(["a@example.com", "b@example.com"])

    send_now(callbacks)  # ImmediateBackend records the task's failure; nothing raises here

    invites = list(batch.invites.all())
    assert {i.send_status for i in invites} == {SendStatus.PENDING}
    assert all("Connection refused" in i.last_error for i in invites)
    assert invite_batch_progress(batch)["status"] == "queued"

    mailer(LocmemBackend)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invite_batch_resume(batch=batch) == 2

    assert outbox_to() == ["a@example.com", "b@example.com"]
    assert invite_batch_progress(batch)["status"] == "sent"


def test_invites_that_expired_or_were_used_before_sending_are_not_sent(make_batch, student):
    batch, callbacks = make_batch(["late@example.com", "used@example.com", "ok@example.com"])
    Invite.objects.filter(email="late@example.com").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    Invite.objects.filter(email="used@example.com").update(used_at=timezone.now(), used_by=student)

    send_now(callbacks)

    assert outbox_to() == ["ok@example.com"]
    assert statuses(batch) == {
        "late@example.com": SendStatus.FAILED,
        "used@example.com": SendStatus.NONE,
        "ok@example.com": SendStatus.SENT,
    }
    assert batch.invites.get(email="late@example.com").last_error == sending.EXPIRED


# --- a worker that died ----------------------------------------------------------------------


def test_a_dead_worker_s_stale_claim_is_finished_by_the_next_run_without_double_sending(
    make_batch,
):
    """The dead worker had claimed invites 3-6 and recorded nothing after 2: invite 3 may have
    gone out (it was being sent), 4-6 had not. A fresh claim of a live worker is left alone."""
    batch, _ = make_batch([f"p{i}@example.com" for i in range(1, 11)])
    ids = list(batch.invites.order_by("id").values_list("id", flat=True))
    long_ago = timezone.now() - timedelta(hours=1)
    Invite.objects.filter(pk__in=ids[:2]).update(
        send_status=SendStatus.SENT, sent_at=long_ago, send_attempts=1
    )
    Invite.objects.filter(pk__in=ids[2:6]).update(
        send_status=SendStatus.SENDING, claim_token="dead", claimed_at=long_ago, send_attempts=1
    )
    Invite.objects.filter(pk=ids[9]).update(
        send_status=SendStatus.SENDING, claim_token="alive", claimed_at=timezone.now()
    )

    report = sending.invites_send(batch_id=batch.pk)

    assert (report.in_doubt, report.released, report.sent) == (1, 3, 6)
    # 4-6 released and sent, 7-9 never claimed and sent; 1-2 were sent before, 3 is in doubt,
    # 10 belongs to the live worker.
    assert outbox_to() == sorted(f"p{i}@example.com" for i in (4, 5, 6, 7, 8, 9))
    in_doubt = Invite.objects.get(pk=ids[2])
    assert (in_doubt.send_status, in_doubt.last_error) == (SendStatus.FAILED, sending.IN_DOUBT)
    assert Invite.objects.get(pk=ids[9]).send_status == SendStatus.SENDING  # not ours to take
    assert Invite.objects.get(pk=ids[3]).send_attempts == 2


def test_with_the_database_backend_each_run_queues_a_watchdog_until_nothing_is_left(
    make_batch, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.INVITES_SEND_STALE_SECONDS = 120
    batch, _ = make_batch(["a@example.com"])

    before = timezone.now()
    result = tasks.send_invite_batch.call(batch_id=batch.pk)

    assert result["sent"] == 1
    watchdog = DBTaskResult.objects.get()
    assert watchdog.task_path == "invites.tasks.send_invite_batch"
    assert watchdog.args_kwargs == {"args": [], "kwargs": {"batch_id": batch.pk}}
    assert before + timedelta(seconds=120) < watchdog.run_after < before + timedelta(seconds=130)

    # The watchdog's own run finds the batch done and queues nothing more.
    assert tasks.send_invite_batch.call(batch_id=batch.pk)["sent"] == 0
    assert DBTaskResult.objects.count() == 1


def test_a_big_batch_is_queued_as_several_tasks(settings, make_batch):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    batch, callbacks = make_batch([f"p{i}@example.com" for i in range(2500)])

    send_now(callbacks)

    queued = DBTaskResult.objects.filter(task_path="invites.tasks.send_invite_batch")
    assert queued.count() == 3
    assert mail.outbox == []  # the database backend only queues


# --- two workers at once ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_batch_send_each_invite_exactly_once(mailer):
    mailer(SlowLocmemBackend)
    result = services.invite_batch_create(
        rows=[Row(email=f"p{i}@example.com") for i in range(400)], role="student"
    )  # committed: ImmediateBackend already sent them all
    Invite.objects.filter(batch=result.batch).update(
        send_status=SendStatus.PENDING, sent_at=None, send_attempts=0
    )
    mail.outbox.clear()

    reports = []
    start = threading.Barrier(2)

    def worker():
        try:
            start.wait()
            reports.append(sending.invites_send(batch_id=result.batch.pk, chunk_size=20))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    sent_to = [m.to[0] for m in mail.outbox]
    assert len(sent_to) == 400
    assert len(set(sent_to)) == 400
    assert sorted(r.sent for r in reports)[0] > 0  # both took part
    assert sum(r.sent for r in reports) == 400
    assert set(Invite.objects.values_list("send_attempts", flat=True)) == {1}


class SlowLocmemBackend(LocmemBackend):
    """A little latency per message, as a real server has, so two workers overlap."""

    def send_messages(self, messages):
        threading.Event().wait(0.002)
        return super().send_messages(messages)


class ObservingBackend(LocmemBackend):
    """Notes, at each message, when the claim on the rest of the chunk was last refreshed."""

    seen = []

    def send_messages(self, messages):
        threading.Event().wait(0.06)
        ObservingBackend.seen.append(
            Invite.objects.filter(send_status=SendStatus.SENDING)
            .order_by("claimed_at")
            .values_list("claimed_at", flat=True)
            .first()
        )
        return super().send_messages(messages)


def test_a_live_worker_keeps_its_claim_fresh_so_nobody_takes_it(make_batch, mailer, settings):
    settings.INVITES_SEND_STALE_SECONDS = 0.4  # refreshed every 0.1 s
    mailer(ObservingBackend)
    ObservingBackend.seen = []
    batch, _ = make_batch([f"p{i}@example.com" for i in range(10)])

    report = sending.invites_send(batch_id=batch.pk)

    assert report.sent == 10 and report.in_doubt == report.released == 0
    claims = [c for c in ObservingBackend.seen if c is not None]
    assert claims[-1] > claims[0]
    assert len(mail.outbox) == 10


class ThievingBackend(LocmemBackend):
    """While the 2nd message goes out, another worker takes over the claim (as if this one had
    been presumed dead)."""

    def send_messages(self, messages):
        if len(mail.outbox) == 1:
            Invite.objects.filter(send_status=SendStatus.SENDING).update(claim_token="thief")
        return super().send_messages(messages)


def test_a_worker_whose_claim_was_taken_over_stops_sending_that_chunk(make_batch, mailer):
    mailer(ThievingBackend)
    batch, _ = make_batch([f"p{i}@example.com" for i in range(5)])

    report = sending.invites_send(batch_id=batch.pk)

    assert len(mail.outbox) == 2  # the 2nd was already on its way; the 3rd-5th are not ours
    assert report.sent == 1
    tokens = list(batch.invites.order_by("id").values_list("send_status", "claim_token"))
    assert tokens[0] == (SendStatus.SENT, "")
    assert tokens[1:] == [(SendStatus.SENDING, "thief")] * 4

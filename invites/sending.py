"""Sending invite e-mails: what a worker does with a batch (or a list of invites).

A worker claims a chunk of pending invites with SELECT ... FOR UPDATE SKIP LOCKED, marks them
"sending" under a claim token in a short transaction, then sends them one by one over one mail
connection, recording each result (sent or failed) before sending the next. No lock or
transaction is held while talking to the mail server, and any number of workers can share a
batch: each row is claimed by exactly one of them.

A worker that dies leaves its chunk "sending". Once the claim is older than
INVITES_SEND_STALE_SECONDS (a live worker refreshes it as it goes), the next worker releases it.
Because results are recorded in id order before the next send, at most one invite of a dead
chunk can have gone out unrecorded: the lowest-id one still "sending". That one is marked failed
("may have been sent") rather than sent again, so nobody gets an invite twice from one send; the
rest go back to pending and are sent. Staff can resend the doubtful one by hand.
"""

import logging
import secrets
import smtplib
import time
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import mailers
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from invites.emails import invite_email_message
from invites.models import Invite, SendStatus

logger = logging.getLogger(__name__)

CHUNK_SIZE = 100  # one mail connection per chunk; also the most a dead worker can strand
IN_DOUBT = (
    "The worker stopped while sending this e-mail, so it may or may not have gone out. It is "
    "not sent again automatically; resend it if the person did not get it."
)
EXPIRED = "The invite expired before its e-mail could be sent."
ERROR_LENGTH = 500

# Errors after which the SMTP session is still usable: the server refused this one message.
_MESSAGE_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
)


def stale_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "INVITES_SEND_STALE_SECONDS", 600))


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    chunks: int = 0
    released: int = 0  # stale claims put back to pending
    in_doubt: int = 0  # stale claims marked failed because they may have gone out

    def as_dict(self):
        return asdict(self)


def send_scope(*, batch_id: int | None = None, invite_ids: list[int] | None = None):
    if batch_id is None and invite_ids is None:
        raise ValueError("Say which invites to send: a batch or a list of ids.")
    queryset = Invite.objects.all()
    if batch_id is not None:
        queryset = queryset.filter(batch_id=batch_id)
    if invite_ids is not None:
        queryset = queryset.filter(pk__in=invite_ids)
    return queryset


def invites_outstanding(scope) -> bool:
    return scope.filter(send_status__in=[SendStatus.PENDING, SendStatus.SENDING]).exists()


def invites_send(
    *,
    batch_id: int | None = None,
    invite_ids: list[int] | None = None,
    chunk_size: int = CHUNK_SIZE,
    on_chunk=None,
) -> SendReport:
    """Sends every pending invite of the scope that no other worker holds; returns when none
    is left to claim. Safe to run in several processes at once and to run again."""
    scope = send_scope(batch_id=batch_id, invite_ids=invite_ids)
    report = SendReport()
    _settle_unsendable(scope)
    while True:
        _release_stale_claims(scope, report)
        token = secrets.token_hex(16)
        invites = _claim(scope, token=token, size=chunk_size)
        if not invites:
            break
        _send_chunk(invites, token=token, report=report)
        report.chunks += 1
        if on_chunk is not None:
            on_chunk(report)
    return report


def _settle_unsendable(scope) -> None:
    """Pending invites that must not be e-mailed any more: used or revoked ones are not sent,
    expired ones fail with the reason."""
    pending = scope.filter(send_status=SendStatus.PENDING)
    pending.filter(Q(used_at__isnull=False) | Q(revoked_at__isnull=False)).update(
        send_status=SendStatus.NONE
    )
    pending.filter(expires_at__lte=timezone.now()).update(
        send_status=SendStatus.FAILED, last_error=EXPIRED
    )


def _release_stale_claims(scope, report: SendReport) -> None:
    cutoff = timezone.now() - stale_after()
    with transaction.atomic():
        stale = list(
            scope.filter(send_status=SendStatus.SENDING, claimed_at__lt=cutoff)
            .select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("id", "claim_token")
        )
        if not stale:
            return
        first_of_claim = {}
        for pk, token in stale:
            first_of_claim.setdefault(token, pk)
        in_doubt = set(first_of_claim.values())
        Invite.objects.filter(pk__in=in_doubt).update(
            send_status=SendStatus.FAILED, last_error=IN_DOUBT, claim_token="", claimed_at=None
        )
        released = [pk for pk, _ in stale if pk not in in_doubt]
        Invite.objects.filter(pk__in=released).update(
            send_status=SendStatus.PENDING, claim_token="", claimed_at=None
        )
    report.in_doubt += len(in_doubt)
    report.released += len(released)
    logger.warning(
        "invites: released %s stale claim(s): %s back to pending, %s marked in doubt",
        len(first_of_claim),
        len(released),
        len(in_doubt),
    )


def _claim(scope, *, token: str, size: int) -> list[Invite]:
    with transaction.atomic():
        invites = list(
            scope.filter(
                send_status=SendStatus.PENDING, used_at__isnull=True, revoked_at__isnull=True
            )
            .order_by("id")
            .select_for_update(skip_locked=True)[:size]
        )
        if invites:
            Invite.objects.filter(pk__in=[i.pk for i in invites]).update(
                send_status=SendStatus.SENDING,
                claim_token=token,
                claimed_at=timezone.now(),
                send_attempts=F("send_attempts") + 1,
            )
    return invites


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]


def _record(invite: Invite, token: str, **fields) -> bool:
    """Records one result under our claim. False when the claim was taken from us (we were
    presumed dead): then the rest of the chunk is someone else's."""
    return bool(
        Invite.objects.filter(
            pk=invite.pk, claim_token=token, send_status=SendStatus.SENDING
        ).update(claim_token="", claimed_at=None, **fields)
    )


def _send_chunk(invites: list[Invite], *, token: str, report: SendReport) -> None:
    try:
        connection = mailers.default
        connection.open()
    except Exception as exc:
        # The mail server cannot be reached: give the chunk back and stop. Marking thousands
        # of invites failed over a blip would be worse; the next run (the watchdog task, or a
        # resume) tries again.
        Invite.objects.filter(claim_token=token, send_status=SendStatus.SENDING).update(
            send_status=SendStatus.PENDING,
            claim_token="",
            claimed_at=None,
            last_error=_error_text(exc),
        )
        raise
    heartbeat_every = stale_after().total_seconds() / 4
    last_beat = time.monotonic()
    try:
        for invite in invites:
            if time.monotonic() - last_beat > heartbeat_every:
                Invite.objects.filter(claim_token=token, send_status=SendStatus.SENDING).update(
                    claimed_at=timezone.now()
                )
                last_beat = time.monotonic()
            try:
                if not connection.send_messages([invite_email_message(invite)]):
                    raise smtplib.SMTPException("The mail backend did not accept the message.")
            except Exception as exc:
                logger.info("invites: e-mail to invite %s failed: %s", invite.pk, exc)
                if not isinstance(exc, _MESSAGE_ERRORS):
                    _reopen(connection)
                kept = _record(
                    invite, token, send_status=SendStatus.FAILED, last_error=_error_text(exc)
                )
                report.failed += kept
            else:
                kept = _record(
                    invite,
                    token,
                    send_status=SendStatus.SENT,
                    sent_at=timezone.now(),
                    last_error="",
                )
                report.sent += kept
            if not kept:
                logger.warning("invites: claim %s was taken over; stopping this chunk", token)
                return
    finally:
        connection.close()


def _reopen(connection) -> None:
    """After an error that may have broken the session, start a fresh one for the next
    message; if that fails too, the next send reports it."""
    try:
        connection.close()
    except Exception:  # noqa: S110 - the old session is gone either way
        pass
    try:
        connection.open()
    except Exception:
        logger.warning("invites: could not reopen the mail connection", exc_info=True)

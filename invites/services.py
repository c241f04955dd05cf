"""Invite writes: creation (one or a batch), redemption, revocation, (re)sending.

Redemption locks the invite row in the caller's transaction, so two sign-ups racing on one code
give one account with access and one invite_used. A batch is written in one transaction and its
e-mails are queued on commit (invites.tasks); the sending itself is invites.sending.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Lower
from django.utils import timezone
from rest_framework import status

from accounts.models import User
from beta.models import BetaAccess
from beta.services import beta_access_grant
from instainstru.api import ApplicationError
from invites.codes import new_code, normalize_code
from invites.models import Invite, InviteBatch, SendStatus
from invites.parsing import MAX_ADDRESSES, Row, too_many
from invites.selectors import BatchPlan, invite_batch_plan

logger = logging.getLogger(__name__)

INVITE_ERRORS = {
    "invite_invalid": "This invite code does not exist.",
    "invite_revoked": "This invite has been revoked.",
    "invite_used": "This invite has already been used.",
    "invite_expired": "This invite has expired.",
    "invite_email_mismatch": "This invite was sent to another e-mail address.",
}


def invite_error(code):
    return ApplicationError(INVITE_ERRORS[code], code=code)


def invite_check(invite: Invite | None, *, email: str) -> None:
    """Raises the first error that applies, in the contract's order."""
    if invite is None:
        raise invite_error("invite_invalid")
    if invite.revoked_at:
        raise invite_error("invite_revoked")
    if invite.used_at:
        raise invite_error("invite_used")
    if invite.expires_at <= timezone.now():
        raise invite_error("invite_expired")
    if invite.email and invite.email.lower() != email.lower():
        raise invite_error("invite_email_mismatch")


def invite_lock(*, code: str, email: str) -> Invite:
    """Locks the invite row until the caller's transaction ends, then checks it.

    A second registration on the same code waits here and then sees it used.
    """
    assert transaction.get_connection().in_atomic_block, "lock inside the account's transaction"
    invite = Invite.objects.select_for_update().filter(code=normalize_code(code)).first()
    invite_check(invite, email=email)
    return invite


def invite_redeem(*, invite: Invite, user: User) -> BetaAccess:
    """Marks a locked invite used by the user and grants access with the invite's role."""
    invite.used_at = timezone.now()
    invite.used_by = user
    invite.save(update_fields=["used_at", "used_by"])
    if user.role != invite.role:
        user.role = invite.role
        user.save(update_fields=["role"])
    return beta_access_grant(user=user, role=invite.role, invite=invite)


@transaction.atomic
def invite_redeem_for_user(*, user: User, code: str) -> BetaAccess:
    """POST /api/beta/invites/redeem: an existing account uses a code."""
    if BetaAccess.objects.filter(user=user, revoked_at__isnull=True).exists():
        raise ApplicationError(
            "This account already has beta access.",
            code="already_has_access",
            status_code=status.HTTP_409_CONFLICT,
        )
    invite = invite_lock(code=code, email=user.email)
    return invite_redeem(invite=invite, user=user)


def already_invited_error(email, role):
    return ApplicationError(
        f"{email} already has a pending {role} invite.",
        code="already_invited",
        status_code=status.HTTP_409_CONFLICT,
    )


def _supersede_expired(*, emails, role: str, now) -> int:
    """Expired, never-used invites of these addresses and role become history, so the
    addresses can be invited again without tripping the one-pending-invite constraint."""
    return (
        Invite.objects.annotate(email_ci=Lower("email"))
        .filter(
            email_ci__in=emails,
            role=role,
            used_at__isnull=True,
            revoked_at__isnull=True,
            superseded_at__isnull=True,
            expires_at__lte=now,
        )
        .update(superseded_at=now)
    )


def invite_create(
    *,
    role: str,
    expires_in_days: int = 14,
    email: str | None = None,
    created_by: User | None = None,
    source: str = "",
    batch=None,
    expires_at: datetime | None = None,
    name: str = "",
) -> Invite:
    """One invite. An expired, never-used invite for the same address and role is superseded
    (kept as history) so the address can be invited again. A pending one is 409
    already_invited: the partial unique index decides, so two concurrent calls cannot both
    succeed."""
    now = timezone.now()
    email = User.objects.normalize_email(email)
    try:
        with transaction.atomic():
            if email:
                _supersede_expired(emails=[email], role=role, now=now)
            return Invite.objects.create(
                email=email,
                name=name,
                role=role,
                expires_at=expires_at or now + timedelta(days=expires_in_days),
                created_by=created_by,
                source=source,
                batch=batch,
            )
    except IntegrityError as exc:
        if email and _violated_constraint(exc) == "invites_one_pending_per_email_role":
            raise already_invited_error(email, role) from exc
        raise


def _violated_constraint(exc: IntegrityError) -> str | None:
    """The name PostgreSQL gives for the constraint an IntegrityError broke (psycopg's diag)."""
    return getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)


def _revocable():
    return Q(used_at__isnull=True, revoked_at__isnull=True)


def _revoke_update(queryset) -> int:
    # A revoked invite whose e-mail has not gone out yet is not sent at all.
    return queryset.filter(_revocable()).update(
        revoked_at=timezone.now(),
        send_status=Case(
            When(send_status=SendStatus.PENDING, then=Value(SendStatus.NONE)),
            default=F("send_status"),
        ),
    )


def invite_revoke(*, invite: Invite) -> bool:
    return bool(_revoke_update(Invite.objects.filter(pk=invite.pk)))


def invites_revoke(*, invite_ids) -> int:
    """Revokes the unused, unrevoked invites among these, in one statement."""
    return _revoke_update(Invite.objects.filter(pk__in=list(invite_ids)))


# --- Bulk invites -----------------------------------------------------------------------------


@dataclass
class BatchResult:
    batch: InviteBatch
    plan: BatchPlan


BATCH_CONFLICT = (
    "Some of these addresses were invited by someone else at the same moment, so nothing was "
    "saved. Send the batch again: those addresses will show as already invited."
)


def invite_batch_create(
    *,
    rows: list[Row],
    role: str,
    expires_in_days: int = 14,
    source: str = "",
    created_by: User | None = None,
    via: str = "",
) -> BatchResult:
    """Writes a batch and its invites in one transaction, then queues the e-mails on commit.

    Rows are judged again here, not taken from an earlier preview: the database may have
    changed since. Any database error rolls the whole batch back: no invite is left behind
    and the caller gets one clear error. Addresses invited concurrently by another batch trip
    the one-pending-invite constraint: 409 batch_conflict, and a retry shows them as
    already_invited.
    """
    if len(rows) > MAX_ADDRESSES:
        raise too_many(len(rows))
    try:
        result = _invite_batch_write(
            rows=rows,
            role=role,
            expires_in_days=expires_in_days,
            source=source,
            created_by=created_by,
            via=via,
        )
    except IntegrityError as exc:
        logger.warning("invites: batch not written: %s", exc)
        raise ApplicationError(
            BATCH_CONFLICT, code="batch_conflict", status_code=status.HTTP_409_CONFLICT
        ) from exc
    logger.info(
        "invites: batch %s written: %s accepted, %s rejected",
        result.batch.pk,
        len(result.plan.accepted),
        len(result.plan.rejected),
    )
    return result


@transaction.atomic
def _invite_batch_write(*, rows, role, expires_in_days, source, created_by, via) -> BatchResult:
    now = timezone.now()
    expires_at = now + timedelta(days=expires_in_days)
    plan = invite_batch_plan(rows, role=role, now=now)
    batch = InviteBatch.objects.create(
        created_by=created_by,
        created_at=now,
        role=role,
        source=source,
        via=via,
        expires_at=expires_at,
        submitted=plan.submitted,
        rejected=[{"email": r.email, "reason": r.reason} for r in plan.rejected],
    )
    for each_role in {a.role for a in plan.accepted}:
        _supersede_expired(
            emails=[a.email for a in plan.accepted if a.role == each_role], role=each_role, now=now
        )
    Invite.objects.bulk_create(
        [
            Invite(
                code=new_code(),
                email=a.email,
                name=a.name,
                role=a.role,
                expires_at=expires_at,
                created_by=created_by,
                created_at=now,
                batch=batch,
                source=source,
                send_status=SendStatus.PENDING,
            )
            for a in plan.accepted
        ],
        batch_size=2000,
    )
    if plan.accepted:
        invite_batch_enqueue_on_commit(batch_id=batch.pk, count=len(plan.accepted))
    return BatchResult(batch=batch, plan=plan)


def invite_batch_enqueue_on_commit(*, batch_id: int, count: int) -> None:
    """Queues the batch's sending once the transaction commits: a worker must never look for
    invites that are not committed yet, or for a batch that was rolled back."""
    from invites import tasks  # tasks imports the sending code, which imports this module

    transaction.on_commit(lambda: tasks.enqueue_batch_send(batch_id=batch_id, count=count))


def _resendable():
    """Invites an e-mail can still help: bound to an address, not used, revoked or expired."""
    return Q(
        ~Q(email=""),
        used_at__isnull=True,
        revoked_at__isnull=True,
        superseded_at__isnull=True,
        expires_at__gt=timezone.now(),
    )


@transaction.atomic
def invite_batch_resend_failed(*, batch: InviteBatch) -> int:
    """Queues the batch's failed e-mails again, and only those. Returns how many."""
    count = (
        Invite.objects.filter(batch=batch, send_status=SendStatus.FAILED)
        .filter(_resendable())
        .update(send_status=SendStatus.PENDING, claim_token="", claimed_at=None)
    )
    if count:
        invite_batch_enqueue_on_commit(batch_id=batch.pk, count=count)
    return count


@transaction.atomic
def invite_batch_resume(*, batch: InviteBatch) -> int:
    """Queues a batch's sending again, e.g. when its queue entry was lost. Safe to repeat:
    workers only claim pending rows (and stale claims), so nothing is sent twice."""
    count = Invite.objects.filter(
        batch=batch, send_status__in=[SendStatus.PENDING, SendStatus.SENDING]
    ).count()
    if count:
        invite_batch_enqueue_on_commit(batch_id=batch.pk, count=count)
    return count


@transaction.atomic
def invites_resend(*, invite_ids) -> int:
    """The admin's "Resend" action: e-mails these invites again (sent, failed or never
    e-mailed), skipping those in flight and those an e-mail cannot help. Returns how many."""
    from invites import tasks

    queryset = (
        Invite.objects.filter(pk__in=list(invite_ids))
        .filter(_resendable())
        .exclude(send_status__in=[SendStatus.PENDING, SendStatus.SENDING])
    )
    ids = list(queryset.values_list("pk", flat=True))
    if not ids:
        return 0
    Invite.objects.filter(pk__in=ids).update(
        send_status=SendStatus.PENDING, claim_token="", claimed_at=None
    )
    transaction.on_commit(lambda: tasks.enqueue_invites_send(invite_ids=ids))
    return len(ids)

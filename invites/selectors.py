from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.utils import timezone

from beta.models import BetaAccess
from invites.codes import normalize_code
from invites.models import Invite, InviteBatch, SendStatus

EMAIL_MAX_LENGTH = 254  # RFC 5321's path limit, and EmailField's


def invite_get_by_code(code) -> Invite | None:
    return Invite.objects.filter(code=normalize_code(code)).first()


def invite_validation(code) -> dict:
    """The body of GET /api/beta/invites/validate. Reads only: a mail scanner opening the link
    must not consume the invite (django-invitations #25)."""
    invite = invite_get_by_code(code)
    if invite is None:
        return {"valid": False, "reason": "not_found"}
    status = invite.status(timezone.now())
    if status != "pending":
        return {"valid": False, "reason": status}
    return {
        "valid": True,
        "code": invite.code,
        "role": invite.role,
        "email": invite.email or None,
        "expires_at": invite.expires_at,
    }


# --- Bulk invites: the plan of a batch --------------------------------------------------------


class Reason:
    INVALID_EMAIL = "invalid_email"
    DUPLICATE_IN_BATCH = "duplicate_in_batch"
    ALREADY_INVITED = "already_invited"
    ALREADY_MEMBER = "already_member"


REASONS = [
    Reason.INVALID_EMAIL,
    Reason.DUPLICATE_IN_BATCH,
    Reason.ALREADY_INVITED,
    Reason.ALREADY_MEMBER,
]


@dataclass(frozen=True)
class Accepted:
    email: str  # normalized: trimmed and lower-cased
    role: str
    name: str


@dataclass(frozen=True)
class Rejected:
    email: str  # as given, trimmed
    reason: str


@dataclass
class BatchPlan:
    """What a batch would write: the preview shows it, the service writes it."""

    submitted: int
    accepted: list[Accepted] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    def counts(self):
        counts = {"submitted": self.submitted, "valid": len(self.accepted)}
        counts.update(dict.fromkeys(REASONS, 0))
        for r in self.rejected:
            counts[r.reason] += 1
        return counts

    def rejected_by_reason(self):
        grouped = {reason: [] for reason in REASONS}
        for r in self.rejected:
            grouped[r.reason].append(r.email)
        return grouped


_email_validator = EmailValidator()


def normalize_address(raw: str) -> str | None:
    """The stored form of an address (accounts store e-mails lower-cased), or None if invalid."""
    email = raw.strip().lower()
    if not email or len(email) > EMAIL_MAX_LENGTH:
        return None
    try:
        _email_validator(email)
    except ValidationError:
        return None
    return email


def invite_pending_pairs(emails, *, now=None) -> set[tuple[str, str]]:
    """(lower-cased e-mail, role) of the pending invites among these addresses: one query.

    Compared on lower(email), which the invites_email_ci index serves: older rows may keep
    the case of the local part."""
    now = now or timezone.now()
    return set(
        Invite.objects.annotate(email_ci=Lower("email"))
        .filter(
            email_ci__in=emails,
            used_at__isnull=True,
            revoked_at__isnull=True,
            superseded_at__isnull=True,
            expires_at__gt=now,
        )
        .values_list("email_ci", "role")
    )


def members_with_access(emails) -> set[str]:
    """The addresses whose account has an active beta grant: one query."""
    return set(
        BetaAccess.objects.filter(user__email__in=emails, revoked_at__isnull=True).values_list(
            "user__email", flat=True
        )
    )


def invite_batch_plan(rows, *, role: str, now=None) -> BatchPlan:
    """Sorts rows into accepted and rejected, with the contract's reasons, in two queries.

    The first reason that applies wins: invalid_email, duplicate_in_batch (the second and later
    copies of an address; the first is judged on its own), already_member, already_invited (a
    pending invite of the same role)."""
    plan = BatchPlan(submitted=len(rows))
    candidates = []  # (position, Accepted)
    rejected = []  # (position, Rejected): reported in the order given
    seen = set()
    for position, row in enumerate(rows):
        email = normalize_address(row.email)
        if email is None:
            rejected.append((position, Rejected(row.email.strip(), Reason.INVALID_EMAIL)))
        elif email in seen:
            rejected.append((position, Rejected(email, Reason.DUPLICATE_IN_BATCH)))
        else:
            seen.add(email)
            accepted = Accepted(email=email, role=row.role or role, name=row.name)
            candidates.append((position, accepted))
    if candidates:
        emails = [c.email for _, c in candidates]
        members = members_with_access(emails)
        pending = invite_pending_pairs(emails, now=now)
    else:
        members, pending = set(), set()
    for position, c in candidates:
        if c.email in members:
            rejected.append((position, Rejected(c.email, Reason.ALREADY_MEMBER)))
        elif (c.email, c.role) in pending:
            rejected.append((position, Rejected(c.email, Reason.ALREADY_INVITED)))
        else:
            plan.accepted.append(c)
    plan.rejected = [r for _, r in sorted(rejected, key=lambda pair: pair[0])]
    return plan


# --- Bulk invites: progress and conversion ----------------------------------------------------


def _send_counts():
    return {
        "total": Count("id"),
        "pending": Count("id", filter=Q(send_status=SendStatus.PENDING)),
        "sending": Count("id", filter=Q(send_status=SendStatus.SENDING)),
        "sent": Count("id", filter=Q(send_status=SendStatus.SENT)),
        "failed": Count("id", filter=Q(send_status=SendStatus.FAILED)),
        "cancelled": Count("id", filter=Q(send_status=SendStatus.NONE)),
    }


def batch_status(counts) -> str:
    """queued → sending → sent, partially_failed or failed; empty when nothing was accepted.

    Derived from the per-invite statuses, never stored, so it cannot disagree with them."""
    if counts["pending"] or counts["sending"]:
        started = counts["sending"] or counts["sent"] or counts["failed"]
        return "sending" if started else "queued"
    if counts["failed"]:
        return "partially_failed" if counts["sent"] else "failed"
    if counts["total"] == 0:
        return "empty"
    return "sent"


def invite_batch_get(batch_id) -> InviteBatch | None:
    return InviteBatch.objects.select_related("created_by").filter(pk=batch_id).first()


def invite_batch_progress(batch: InviteBatch) -> dict:
    """GET /api/beta/invites/batches/{id} and the admin's batch page: two queries."""
    counts = Invite.objects.filter(batch=batch).aggregate(**_send_counts())
    failures = [
        {"email": email, "reason": error}
        for email, error in Invite.objects.filter(batch=batch, send_status=SendStatus.FAILED)
        .order_by("id")
        .values_list("email", "last_error")
    ]
    return {
        "batch_id": str(batch.pk),
        "status": batch_status(counts),
        **counts,
        "failures": failures,
    }


BATCH_STATS_LIMIT = 100  # by_batch lists the newest batches only: the list stays bounded


def _conversion_counts(prefix=""):
    """total, sent (e-mailed at least once), redeemed (used), and the redeemed among sent."""
    p = prefix
    return {
        "total": Count(f"{p}id"),
        "sent": Count(f"{p}id", filter=Q(**{f"{p}sent_at__isnull": False})),
        "redeemed": Count(f"{p}id", filter=Q(**{f"{p}used_at__isnull": False})),
        "redeemed_sent": Count(
            f"{p}id",
            filter=Q(**{f"{p}sent_at__isnull": False, f"{p}used_at__isnull": False}),
        ),
    }


def conversion_row(values) -> dict:
    """conversion_rate = redeemed / sent, counting the redemptions of e-mailed invites, so a
    code handed out by hand and redeemed cannot push the rate above 1."""
    redeemed_sent = values.pop("redeemed_sent")
    rate = redeemed_sent / values["sent"] if values["sent"] else 0
    return {**values, "conversion_rate": round(rate, 4)}


def invite_conversion_summary() -> dict:
    """Overall and per role: two aggregate queries, whatever the number of invites."""
    overall = conversion_row(Invite.objects.aggregate(**_conversion_counts()))
    by_role = [
        conversion_row(row)
        for row in Invite.objects.values("role").annotate(**_conversion_counts()).order_by("role")
    ]
    return {**overall, "by_role": by_role}


def invite_conversion_stats() -> dict:
    """GET /api/beta/invites/stats: four aggregate queries, whatever the number of invites."""
    summary = invite_conversion_summary()
    by_source = [
        conversion_row(row)
        for row in Invite.objects.values("source")
        .annotate(**_conversion_counts())
        .order_by("source")
    ]
    by_batch = [
        conversion_row({"batch_id": str(row.pop("id")), **row})
        for row in InviteBatch.objects.annotate(**_conversion_counts("invites__"))
        .order_by("-created_at", "-id")
        .values("id", "created_at", "total", "sent", "redeemed", "redeemed_sent")[
            :BATCH_STATS_LIMIT
        ]
    ]
    return {**summary, "by_source": by_source, "by_batch": by_batch}


def invite_batches_with_counts(queryset):
    """The admin's batch list: send and conversion counts in the page's one query."""
    return queryset.annotate(
        **{f"n_{k}": v for k, v in _conversion_counts("invites__").items()},
        n_pending=Count("invites", filter=Q(invites__send_status=SendStatus.PENDING)),
        n_sending=Count("invites", filter=Q(invites__send_status=SendStatus.SENDING)),
        n_failed=Count("invites", filter=Q(invites__send_status=SendStatus.FAILED)),
        n_delivered=Count("invites", filter=Q(invites__send_status=SendStatus.SENT)),
    )

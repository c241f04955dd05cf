"""Referral writes: codes, clicks, attribution at sign-up, rewards and staff decisions.

Rewards are issued exactly once by two means: the referral row is locked and its status moved
off `pending` in the same transaction, and the (referral, user) unique constraint makes a second
insert of either credit a no-op whatever path tries it.
"""

import ipaddress
import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rest_framework import status

from accounts.models import User
from instainstru.api import ApplicationError
from referrals.codes import new_code, normalize_code
from referrals.models import (
    AttributedVia,
    Referral,
    ReferralCode,
    ReferralSettings,
    ReferralStatus,
    Reward,
    UserIp,
)
from referrals.rules import first_objection
from referrals.selectors import referral_settings

logger = logging.getLogger(__name__)

CODE_ATTEMPTS = 5


def valid_ip(ip: str | None) -> str | None:
    """The address if it is one; the inet column would refuse anything else."""
    try:
        return str(ipaddress.ip_address((ip or "").strip()))
    except ValueError:
        return None


def referral_code_ensure(*, user: User) -> ReferralCode:
    """The student's code, created on first use.

    ON CONFLICT DO NOTHING covers both collisions at once: two first requests of the same
    student racing (one row per user) and a freshly drawn code that is already taken (then the
    read finds nothing and we draw again).
    """
    for _ in range(CODE_ATTEMPTS):
        code = ReferralCode.objects.filter(user=user).first()
        if code is not None:
            return code
        ReferralCode.objects.bulk_create(
            [ReferralCode(user=user, code=new_code())], ignore_conflicts=True
        )
    raise RuntimeError(f"No free referral code after {CODE_ATTEMPTS} draws")  # ~1e-50 odds


def referral_click_record(*, code: str) -> bool:
    """Counts a click on a live code in one UPDATE; False for an unknown one."""
    normalized = normalize_code(code)
    if normalized is None:
        return False
    return bool(
        ReferralCode.objects.filter(code=normalized, user__is_active=True).update(
            clicks=F("clicks") + 1
        )
    )


def user_ip_record(*, user: User, ip: str | None) -> None:
    """Remembers that a student used this address now (one upsert). Only students refer."""
    ip = valid_ip(ip)
    if ip is None or not user.is_student:
        return
    now = timezone.now()
    UserIp.objects.bulk_create(
        [UserIp(user=user, ip=ip, first_seen_at=now, last_seen_at=now)],
        update_conflicts=True,
        unique_fields=["user", "ip"],
        update_fields=["last_seen_at"],
    )


def referral_signup(
    *, user: User, code: str | None, via: str | None, ip: str | None
) -> Referral | None:
    """At sign-up, inside the account's transaction: records the address and, for a student
    arriving with a live code, the referral. An unknown code is ignored, not an error: the
    person came to sign up, and a stale cookie must not stop them."""
    assert transaction.get_connection().in_atomic_block, "runs inside the account's transaction"
    user_ip_record(user=user, ip=ip)
    normalized = normalize_code(code)
    if normalized is None or not user.is_student:
        return None
    referral_code = (
        ReferralCode.objects.filter(code=normalized, user__is_active=True)
        .only("id", "user_id")
        .first()
    )
    if referral_code is None:
        return None
    return Referral.objects.create(
        referrer_id=referral_code.user_id,
        referee=user,
        code=referral_code,
        attributed_via=via or AttributedVia.BODY,
        signup_ip=valid_ip(ip),
    )


def _rewards_issue(*, referral: Referral, settings: ReferralSettings) -> None:
    now = timezone.now()
    # ON CONFLICT DO NOTHING on the unique (referral, user): whatever else went wrong, a pair
    # that already exists is never paid twice.
    Reward.objects.bulk_create(
        [
            Reward(
                referral=referral,
                user_id=referral.referrer_id,
                amount_cents=settings.referrer_reward_cents,
                created_at=now,
            ),
            Reward(
                referral=referral,
                user_id=referral.referee_id,
                amount_cents=settings.referee_reward_cents,
                created_at=now,
            ),
        ],
        ignore_conflicts=True,
    )


def _decide(referral, *, status, reason="", decided_by=None):
    referral.status = status
    referral.reason = reason
    referral.decided_at = timezone.now()
    referral.decided_by = decided_by
    referral.save(update_fields=["status", "reason", "decided_at", "decided_by"])


def referral_booking_completed(*, student_id: int) -> Referral | None:
    """Called in the transaction that completes a booking of this student. On the first
    completion of a referred student: the fraud rules, then both credits or a hold/refusal.

    Locks the pending referral (a second completion racing this one waits, then finds it no
    longer pending) and the referrer's code row (two of one referrer's referees completing at
    once cannot both slip under the monthly cap).
    """
    assert transaction.get_connection().in_atomic_block, "runs in the booking's transaction"
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("referrer", "referee")
        .filter(referee_id=student_id, status=ReferralStatus.PENDING)
        .first()
    )
    if referral is None:
        return None
    list(ReferralCode.objects.select_for_update().filter(pk=referral.code_id).values_list("pk"))
    settings = referral_settings()
    objection = first_objection(referral, settings)
    if objection is not None:
        status_, reason = objection
        _decide(referral, status=status_, reason=reason)
        logger.info("referral %s %s: %s", referral.pk, status_, reason)
        return referral
    _rewards_issue(referral=referral, settings=settings)
    _decide(referral, status=ReferralStatus.REWARDED)
    return referral


def _held(referral_id: int) -> Referral:
    referral = Referral.objects.select_for_update().filter(pk=referral_id).first()
    if referral is None:
        raise ApplicationError("Not found.", code="not_found", status_code=404)
    if referral.status != ReferralStatus.HELD:
        raise ApplicationError(
            f"Only held referrals can be decided; this one is {referral.status}.",
            code="invalid_state",
            status_code=status.HTTP_409_CONFLICT,
        )
    return referral


@transaction.atomic
def referral_approve(*, referral_id: int, approved_by: User) -> Referral:
    """Staff release a held referral: both credits, once. The hold reason is kept as history."""
    referral = _held(referral_id)
    _rewards_issue(referral=referral, settings=referral_settings())
    _decide(
        referral, status=ReferralStatus.REWARDED, reason=referral.reason, decided_by=approved_by
    )
    return referral


@transaction.atomic
def referral_refuse(*, referral_id: int, refused_by: User) -> Referral:
    """Staff confirm a hold as a refusal; the rule's reason stays stored."""
    referral = _held(referral_id)
    _decide(referral, status=ReferralStatus.REFUSED, reason=referral.reason, decided_by=refused_by)
    return referral


@transaction.atomic
def referral_settings_update(**changes) -> ReferralSettings:
    row = ReferralSettings.objects.select_for_update().get(pk=referral_settings().pk)
    for field, value in changes.items():
        setattr(row, field, value)
    row.updated_at = timezone.now()
    row.full_clean()
    row.save()
    return row

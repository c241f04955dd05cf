"""Invite writes: creation and redemption. Redemption locks the invite row in the caller's
transaction, so two sign-ups racing on one code give one account with access and one
invite_used."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from rest_framework import status

from accounts.models import User
from beta.models import BetaAccess
from beta.services import beta_access_grant
from instainstru.api import ApplicationError
from invites.codes import normalize_code
from invites.models import Invite

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


@transaction.atomic
def invite_create(
    *,
    role: str,
    expires_in_days: int = 14,
    email: str | None = None,
    created_by: User | None = None,
    source: str = "",
    batch=None,
) -> Invite:
    """One invite. An expired, never-used invite for the same address and role is superseded
    (kept as history) so the address can be invited again."""
    now = timezone.now()
    email = User.objects.normalize_email(email)
    if email:
        Invite.objects.filter(
            email__iexact=email,
            role=role,
            used_at__isnull=True,
            revoked_at__isnull=True,
            superseded_at__isnull=True,
            expires_at__lte=now,
        ).update(superseded_at=now)
    return Invite.objects.create(
        email=email,
        role=role,
        expires_at=now + timedelta(days=expires_in_days),
        created_by=created_by,
        source=source,
        batch=batch,
    )


def invite_revoke(*, invite: Invite) -> bool:
    return bool(
        Invite.objects.filter(pk=invite.pk, used_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )

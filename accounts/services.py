"""Everything that writes accounts and guest sessions. Callers own the request; services do not."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status

from accounts.models import GuestSession, User
from accounts.selectors import guest_get_active
from beta.selectors import beta_state
from instainstru.api import ApplicationError
from invites.services import invite_lock, invite_redeem
from referrals.services import referral_signup
from search_history.services import search_history_merge_guest


def email_taken_error():
    return ApplicationError(
        "An account with this e-mail already exists.",
        code="email_taken",
        status_code=status.HTTP_409_CONFLICT,
    )


@transaction.atomic
def user_register(
    *,
    email: str,
    password: str,
    full_name: str,
    role: str,
    invite_code: str | None = None,
    referral_code: str | None = None,
    referral_via: str | None = None,
    signup_ip: str | None = None,
) -> User:
    """Creates the account, redeeming the invite and recording the referral in the same
    transaction.

    Checks run in the contract's order: the e-mail (409), then the invite. The invite row is
    locked until commit, and the unique e-mail index, not the prior read, decides e-mail races.
    """
    email = User.objects.normalize_email(email)
    if User.objects.filter(email=email).exists():
        raise email_taken_error()
    invite = None
    if invite_code:
        invite = invite_lock(code=invite_code, email=email)
        role = invite.role  # the invite's role wins over the body's
    elif beta_state().invite_required_at_signup():
        raise ApplicationError(
            "An invite is needed to sign up during this phase of the beta.",
            code="invite_required",
            status_code=status.HTTP_403_FORBIDDEN,
        )
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, full_name=full_name.strip(), role=role
            )
    except IntegrityError as exc:
        raise email_taken_error() from exc
    if invite is not None:
        invite_redeem(invite=invite, user=user)
    referral_signup(user=user, code=referral_code, via=referral_via, ip=signup_ip)
    return user


def guest_touch_or_create(*, guest_id: str | None) -> tuple[GuestSession, bool]:
    """The live guest for the cookie value (marked seen now) or a new one, and whether it is new."""
    guest = guest_get_active(guest_id)
    if guest is None:
        return GuestSession.objects.create(), True
    now = timezone.now()
    GuestSession.objects.filter(pk=guest.pk).update(last_seen_at=now)
    guest.last_seen_at = now
    return guest, False


def guest_convert(*, guest_id: str | None, user: User) -> GuestSession | None:
    """Hands a guest's belongings to the user who just signed up or logged in.

    Runs inside the login's transaction, so either the user is logged in with the guest's history
    or nothing changed. Idempotent: converting the same guest again moves nothing new.
    """
    guest = guest_get_active(guest_id)
    if guest is None:
        return None
    if guest.converted_user_id is None:
        # converted_user__isnull in the UPDATE, not only the read above: of two logins racing on
        # one guest, the second waits for the first's row lock and then converts nothing.
        GuestSession.objects.filter(pk=guest.pk, converted_user__isnull=True).update(
            converted_user=user, converted_at=timezone.now()
        )
    search_history_merge_guest(guest_id=guest.pk, user=user)
    return guest

"""Everything that writes accounts and guest sessions. Callers own the request; services do not."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status

from accounts.models import GuestSession, User
from accounts.selectors import guest_get_active
from instainstru.api import ApplicationError


def email_taken_error():
    return ApplicationError(
        "An account with this e-mail already exists.",
        code="email_taken",
        status_code=status.HTTP_409_CONFLICT,
    )


@transaction.atomic
def user_register(*, email: str, password: str, full_name: str, role: str) -> User:
    """Creates the account. The unique index decides races on one e-mail, not a prior read."""
    email = User.objects.normalize_email(email)
    if User.objects.filter(email=email).exists():
        raise email_taken_error()
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email, password=password, full_name=full_name.strip(), role=role
            )
    except IntegrityError as exc:
        raise email_taken_error() from exc


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
        GuestSession.objects.filter(pk=guest.pk).update(
            converted_user=user, converted_at=timezone.now()
        )
    return guest

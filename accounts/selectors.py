from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import GuestSession, User
from beta.selectors import beta_summary_for


def guest_active_since():
    """Guests not seen for longer than the guest cookie lives are expired."""
    return timezone.now() - timedelta(seconds=settings.GUEST_COOKIE_AGE)


def guest_get_active(guest_id):
    """The live guest behind a guest_id cookie value, or None for unknown, forged or expired ids."""
    if not guest_id or len(guest_id) > 64:
        return None
    return GuestSession.objects.filter(pk=guest_id, last_seen_at__gte=guest_active_since()).first()


def user_email_taken(email):
    return User.objects.filter(email=User.objects.normalize_email(email)).exists()


def me_payload(user):
    """The body of GET /auth/me, also returned by register and login."""
    return {
        "id": str(user.pk),
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "is_staff": user.is_staff,
        "beta": beta_summary_for(user),
        "site_mode": settings.SITE_MODE,
    }

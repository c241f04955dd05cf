from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.selectors import guest_active_since
from search_history.models import SearchEntry

GUEST_ID_MAX_LENGTH = 64


def search_entry_owner_filter(*, user: User | None, guest_id: str | None) -> Q | None:
    """Which entries belong to the caller, or None when the caller owns nothing.

    A guest is identified by the cookie alone; joining to a guest that has not expired checks the
    cookie in the same query that reads or deletes the entries, instead of a lookup beforehand.
    """
    if user is not None and user.is_authenticated:
        return Q(user_id=user.pk)
    if guest_id and len(guest_id) <= GUEST_ID_MAX_LENGTH:
        return Q(guest_id=guest_id, guest__last_seen_at__gte=guest_active_since())
    return None


def search_entry_list(
    *, user: User | None, guest_id: str | None, limit: int
) -> QuerySet[SearchEntry] | list[SearchEntry]:
    """The owner's newest entries first: one query, one scan of a per-owner index."""
    owner = search_entry_owner_filter(user=user, guest_id=guest_id)
    if owner is None:
        return []
    return SearchEntry.objects.filter(owner).order_by("-last_searched_at", "-id")[:limit]

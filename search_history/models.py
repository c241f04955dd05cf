from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import GuestSession

QUERY_MAX_LENGTH = 200
# str.casefold() can turn one character into up to three ("ΐ" -> "ΐ"), so the normalized
# form of a 200-character query may be longer than the query itself.
NORMALIZED_QUERY_MAX_LENGTH = 3 * QUERY_MAX_LENGTH


class SearchType(models.TextChoices):
    NATURAL_LANGUAGE = "natural_language", "Natural language"
    CATEGORY = "category", "Category"
    SERVICE_PILL = "service_pill", "Service pill"
    FILTER = "filter", "Filter"
    SEARCH_HISTORY = "search_history", "Search history"


def normalize_query(text: str) -> str:
    """The form two searches are "the same" in: trimmed, inner whitespace collapsed, case-folded."""
    return " ".join(text.split()).casefold()


class SearchEntry(models.Model):
    """One distinct search of one owner: a user, or a guest who has not signed up yet."""

    # No single-column FK indexes: the per-owner indexes below lead with the owner column and serve
    # the cascade deletes as well, so a second index per owner would only slow every insert.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="search_entries",
        db_index=False,
    )
    guest = models.ForeignKey(
        GuestSession,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="search_entries",
        db_index=False,
    )
    query = models.CharField(max_length=QUERY_MAX_LENGTH, help_text="As last typed, trimmed.")
    normalized_query = models.CharField(max_length=NORMALIZED_QUERY_MAX_LENGTH)
    search_type = models.CharField(
        max_length=32, choices=SearchType.choices, default=SearchType.NATURAL_LANGUAGE
    )
    results_count = models.PositiveIntegerField(null=True, blank=True)
    search_count = models.PositiveIntegerField(default=1)
    first_searched_at = models.DateTimeField(default=timezone.now)
    last_searched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "search entries"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, guest__isnull=True)
                    | Q(user__isnull=True, guest__isnull=False)
                ),
                name="search_entry_exactly_one_owner",
            ),
            # Partial, because NULLs are distinct in a unique index: one index per kind of owner.
            # The record service's upsert names these as its ON CONFLICT targets.
            models.UniqueConstraint(
                fields=["user", "normalized_query"],
                condition=Q(user__isnull=False),
                name="search_entry_user_query_unique",
            ),
            models.UniqueConstraint(
                fields=["guest", "normalized_query"],
                condition=Q(guest__isnull=False),
                name="search_entry_guest_query_unique",
            ),
            models.CheckConstraint(
                condition=Q(search_count__gte=1), name="search_entry_search_count_positive"
            ),
            models.CheckConstraint(
                condition=Q(search_type__in=SearchType.values), name="search_entry_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(first_searched_at__lte=models.F("last_searched_at")),
                name="search_entry_first_before_last",
            ),
        ]
        indexes = [
            # "Newest N for this owner" reads these in order and stops after N rows: no sort, no
            # matter how many entries the owner or the table has. id breaks ties deterministically.
            models.Index(
                fields=["user", "-last_searched_at", "-id"],
                condition=Q(user__isnull=False),
                name="search_entry_user_recent",
            ),
            models.Index(
                fields=["guest", "-last_searched_at", "-id"],
                condition=Q(guest__isnull=False),
                name="search_entry_guest_recent",
            ),
            # The purge walks old guest entries in batches; without this each batch would scan
            # the whole table.
            models.Index(
                fields=["last_searched_at"],
                condition=Q(guest__isnull=False),
                name="search_entry_guest_age",
            ),
        ]

    def __str__(self):
        return self.query

    @property
    def owner_label(self) -> str:
        return str(self.user) if self.user_id else f"guest {self.guest_id[:8]}…"

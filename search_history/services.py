"""Everything that writes search history: record, delete, merge a guest into a user, purge."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from rest_framework import status

from accounts.models import GuestSession, User
from accounts.selectors import guest_active_since, guest_get_active
from instainstru.api import ApplicationError
from search_history.models import SearchEntry, normalize_query
from search_history.selectors import search_entry_owner_filter

TABLE = SearchEntry._meta.db_table
ENTRY_COLUMNS = (
    "user_id",
    "guest_id",
    "query",
    "normalized_query",
    "search_type",
    "results_count",
    "search_count",
    "first_searched_at",
    "last_searched_at",
)
# Placeholders per row stay far below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
MERGE_CHUNK = 500


def _upsert_sql(*, owner_column: str, columns: Sequence[str], rows: int, returning: bool) -> str:
    """INSERT ... ON CONFLICT on the owner's partial unique index, merging into the existing row.

    One statement, so concurrent identical searches cannot both insert: the loser of the race
    waits on the unique index and then updates the winner's row. The merge rule is the same for a
    new search (a row with search_count 1, searched now) and for a guest entry moved to a user:
    counts add up, the earliest first and the latest last time win, and the newer row's wording,
    type and results count win. Plain SQL that PostgreSQL and SQLite (>= 3.35) both run, so the
    embedded default of `make run` behaves like production.
    """
    assert owner_column in ("user_id", "guest_id")
    newer = f"EXCLUDED.last_searched_at >= {TABLE}.last_searched_at"
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * rows)
    sql = (
        # Every name here is one of this module's constants, never request data.
        f"INSERT INTO {TABLE} ({', '.join(columns)}) VALUES {placeholders} "  # noqa: S608
        f"ON CONFLICT ({owner_column}, normalized_query) WHERE {owner_column} IS NOT NULL "
        "DO UPDATE SET "
        f"search_count = {TABLE}.search_count + EXCLUDED.search_count, "
        f"first_searched_at = CASE WHEN EXCLUDED.first_searched_at < {TABLE}.first_searched_at "
        f"THEN EXCLUDED.first_searched_at ELSE {TABLE}.first_searched_at END, "
        f"last_searched_at = CASE WHEN EXCLUDED.last_searched_at > {TABLE}.last_searched_at "
        f"THEN EXCLUDED.last_searched_at ELSE {TABLE}.last_searched_at END, "
        f"query = CASE WHEN {newer} THEN EXCLUDED.query ELSE {TABLE}.query END, "
        f"search_type = CASE WHEN {newer} THEN EXCLUDED.search_type "
        f"ELSE {TABLE}.search_type END, "
        f"results_count = CASE WHEN {newer} "
        f"THEN COALESCE(EXCLUDED.results_count, {TABLE}.results_count) "
        f"ELSE COALESCE({TABLE}.results_count, EXCLUDED.results_count) END"
    )
    if returning:
        sql += " RETURNING id, " + ", ".join(ENTRY_COLUMNS)
    return sql


def identity_required_error():
    return ApplicationError(
        "Search history needs a guest session (POST /api/public/session/guest) or a login.",
        code="identity_required",
    )


def search_entry_record(
    *,
    user: User | None,
    guest_id: str | None,
    query: str,
    search_type: str,
    results_count: int | None = None,
) -> tuple[SearchEntry, bool]:
    """Records one search for its owner; returns the entry and whether it is new.

    The owner is the user when there is one, else the guest; neither is 400 identity_required.
    """
    if user is not None and user.is_authenticated:
        owner_column, owner_values = "user_id", (user.pk, None)
    else:
        guest = guest_get_active(guest_id)
        if guest is None:
            raise identity_required_error()
        owner_column, owner_values = "guest_id", (None, guest.pk)

    now = timezone.now()
    row = (
        *owner_values,
        " ".join(query.split()),
        normalize_query(query),
        search_type,
        results_count,
        1,
        now,
        now,
    )
    sql = _upsert_sql(owner_column=owner_column, columns=ENTRY_COLUMNS, rows=1, returning=True)
    # raw() maps the RETURNING row to a model with the backend's converters (SQLite hands back
    # datetimes as text). It runs the statement once per iteration: iterate exactly once.
    (entry,) = list(SearchEntry.objects.raw(sql, row))
    # An existing row leaves the upsert with at least 2; only a fresh insert still has 1.
    return entry, entry.search_count == 1


def not_found_error():
    return ApplicationError(
        "No such search entry.", code="not_found", status_code=status.HTTP_404_NOT_FOUND
    )


def search_entry_delete(*, entry_id: int, user: User | None, guest_id: str | None) -> None:
    """Deletes one of the owner's entries; another owner's entry is as absent as a missing one."""
    owner = search_entry_owner_filter(user=user, guest_id=guest_id)
    if owner is None:
        raise not_found_error()
    deleted, _ = SearchEntry.objects.filter(owner, pk=entry_id).delete()
    if not deleted:
        raise not_found_error()


def search_entries_clear(*, user: User | None, guest_id: str | None) -> int:
    """Deletes all of the owner's entries; with no owner there is nothing to delete."""
    owner = search_entry_owner_filter(user=user, guest_id=guest_id)
    if owner is None:
        return 0
    deleted, _ = SearchEntry.objects.filter(owner).delete()
    return deleted


@transaction.atomic
def search_history_merge_guest(*, guest_id: str, user: User) -> int:
    """Moves a guest's entries to the user they signed up or logged in as; returns how many moved.

    Runs inside the login's transaction (called from accounts.services.guest_convert). Duplicates
    merge by the same rule as a repeated search. Idempotent: the moved entries are gone from the
    guest, so a second run finds nothing. A guest already converted to someone else keeps its
    entries: one person's history never lands in another's account.

    Races: the guest's entries are locked before they are read, so two logins racing on one guest
    move each entry once; moving is an upsert, so a search the user records in another tab at
    the same moment merges instead of breaking the login on the unique index. A search the guest
    records during the login stays with the guest.
    """
    guest = GuestSession.objects.select_for_update(no_key=True).filter(pk=guest_id).first()
    if guest is None or guest.converted_user_id not in (None, user.pk):
        return 0
    entries = list(
        SearchEntry.objects.select_for_update()
        .filter(guest_id=guest.pk)
        .order_by("pk")
        .values_list("pk", *ENTRY_COLUMNS[2:])
    )
    if not entries:
        return 0
    columns = ("id", *ENTRY_COLUMNS)
    with connection.cursor() as cursor:
        for start in range(0, len(entries), MERGE_CHUNK):
            chunk = entries[start : start + MERGE_CHUNK]
            # By id, not by guest: an entry the guest records meanwhile was not read, so it stays.
            # Deleted before the insert so each entry keeps its id (a front end may hold it) under
            # the user; an entry that merges into an existing one gives its id up.
            SearchEntry.objects.filter(pk__in=[e[0] for e in chunk]).delete()
            params = []
            for pk, *values in chunk:
                params.extend(
                    connection.ops.adapt_unknown_value(v) for v in (pk, user.pk, None, *values)
                )
            cursor.execute(
                _upsert_sql(
                    owner_column="user_id", columns=columns, rows=len(chunk), returning=False
                ),
                params,
            )
    return len(entries)


@dataclass(frozen=True)
class PurgeResult:
    old_entries: int
    expired_guests: int
    expired_guest_entries: int
    entries_cutoff: datetime
    guests_cutoff: datetime


def search_history_purge(
    *,
    retention_days: int = 30,
    batch_size: int = 1000,
    dry_run: bool = False,
    on_batch: Callable[[str, int], None] | None = None,
) -> PurgeResult:
    """Deletes guest entries not searched for `retention_days` and guests whose cookie expired.

    Users' entries are never purged. Deletes run in batches of `batch_size`, each its own short
    transaction, so a million old rows never hold locks for long and live traffic interleaves.
    `on_batch(kind, count)` reports each batch ("entries" or "guests").
    """
    entries_cutoff = timezone.now() - timedelta(days=retention_days)
    guests_cutoff = guest_active_since()
    old_entries = SearchEntry.objects.filter(
        guest__isnull=False, last_searched_at__lt=entries_cutoff
    )
    expired_guests = GuestSession.objects.filter(last_seen_at__lt=guests_cutoff)

    if dry_run:
        return PurgeResult(
            old_entries=old_entries.count(),
            expired_guests=expired_guests.count(),
            # Entries young enough to survive the retention go with their expired guest.
            expired_guest_entries=SearchEntry.objects.filter(
                guest__last_seen_at__lt=guests_cutoff, last_searched_at__gte=entries_cutoff
            ).count(),
            entries_cutoff=entries_cutoff,
            guests_cutoff=guests_cutoff,
        )

    removed_entries = 0
    while ids := list(old_entries.order_by().values_list("pk", flat=True)[:batch_size]):
        # The cutoff again: an entry searched again since the SELECT is young once more.
        count, _ = SearchEntry.objects.filter(
            pk__in=ids, last_searched_at__lt=entries_cutoff
        ).delete()
        removed_entries += count
        if on_batch:
            on_batch("entries", count)

    removed_guests = removed_guest_entries = 0
    while ids := list(expired_guests.order_by().values_list("pk", flat=True)[:batch_size]):
        # The guest's entries go in the same statement batch (cascade): none is left ownerless.
        with transaction.atomic():
            _, per_model = GuestSession.objects.filter(
                pk__in=ids, last_seen_at__lt=guests_cutoff
            ).delete()
        guests = per_model.get(GuestSession._meta.label, 0)
        removed_guests += guests
        removed_guest_entries += per_model.get(SearchEntry._meta.label, 0)
        if on_batch:
            on_batch("guests", guests)
        if not guests:
            break  # every candidate was seen again meanwhile; do not spin on them

    return PurgeResult(
        old_entries=removed_entries,
        expired_guests=removed_guests,
        expired_guest_entries=removed_guest_entries,
        entries_cutoff=entries_cutoff,
        guests_cutoff=guests_cutoff,
    )

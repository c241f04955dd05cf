from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import GuestSession
from search_history.models import SearchEntry
from tests.search_history.conftest import SearchEntryFactory, days_ago

pytestmark = pytest.mark.django_db


def purge(*args):
    out = StringIO()
    call_command("purge_search_history", *args, stdout=out)
    return out.getvalue()


def remaining():
    return set(SearchEntry.objects.values_list("query", flat=True))


def test_it_deletes_guest_entries_not_searched_for_30_days(guest):
    SearchEntryFactory(guest=guest, query="old", first_searched_at=days_ago(31))
    SearchEntryFactory(guest=guest, query="recent", first_searched_at=days_ago(29))

    output = purge()

    assert remaining() == {"recent"}
    assert "Deleted 1 guest search entries not searched for 30 days" in output


def test_an_old_entry_searched_again_lately_is_kept(guest):
    entry = SearchEntryFactory(guest=guest, query="revisited", first_searched_at=days_ago(90))
    SearchEntry.objects.filter(pk=entry.pk).update(last_searched_at=days_ago(1))

    purge()

    assert remaining() == {"revisited"}


def test_users_entries_are_never_purged(student):
    SearchEntryFactory(user=student, query="ancient", first_searched_at=days_ago(400))

    purge("--days", "1")

    assert remaining() == {"ancient"}


def test_the_retention_is_an_option(guest):
    SearchEntryFactory(guest=guest, query="8 days", first_searched_at=days_ago(8))
    SearchEntryFactory(guest=guest, query="6 days", first_searched_at=days_ago(6))

    output = purge("--days", "7")

    assert remaining() == {"6 days"}
    assert "not searched for 7 days" in output


def test_expired_guests_go_with_all_their_entries(guest, other_guest):
    SearchEntryFactory(guest=other_guest, query="fresh entry of an expired guest")
    GuestSession.objects.filter(pk=other_guest.pk).update(last_seen_at=days_ago(31))
    SearchEntryFactory(guest=guest, query="live guest")

    output = purge()

    assert list(GuestSession.objects.values_list("pk", flat=True)) == [guest.pk]
    assert remaining() == {"live guest"}
    assert "Deleted 1 guest sessions not seen for 30 days" in output
    assert "with 1 more search entries" in output


def test_a_guest_seen_within_the_cookie_age_is_kept(guest):
    GuestSession.objects.filter(pk=guest.pk).update(last_seen_at=days_ago(29))

    purge()

    assert GuestSession.objects.filter(pk=guest.pk).exists()


def test_a_dry_run_counts_and_deletes_nothing(guest, other_guest):
    SearchEntryFactory(guest=guest, query="old", first_searched_at=days_ago(40))
    SearchEntryFactory(guest=other_guest, query="new")
    GuestSession.objects.filter(pk=other_guest.pk).update(last_seen_at=days_ago(31))

    output = purge("--dry-run")

    assert remaining() == {"old", "new"}
    assert GuestSession.objects.count() == 2
    assert "Would delete 1 guest search entries" in output
    assert "Would delete 1 guest sessions" in output
    assert "with 1 more search entries" in output
    assert "nothing was deleted" in output


def test_it_deletes_in_batches_and_reports_each(guest):
    for i in range(5):
        SearchEntryFactory(guest=guest, query=f"old {i}", first_searched_at=days_ago(40))
    for _ in range(3):
        old_guest = GuestSession.objects.create()
        GuestSession.objects.filter(pk=old_guest.pk).update(last_seen_at=days_ago(40))

    output = purge("--batch-size", "2", "--verbosity", "2")

    assert remaining() == set()
    assert GuestSession.objects.count() == 1
    assert "deleted 2 entries (2 so far)" in output
    assert "deleted 1 entries (5 so far)" in output
    assert "deleted 1 guests (3 so far)" in output
    assert "Deleted 5 guest search entries" in output


def test_running_it_again_deletes_nothing_more(guest):
    SearchEntryFactory(guest=guest, first_searched_at=days_ago(40))
    purge()

    output = purge()

    assert "Deleted 0 guest search entries" in output
    assert "Deleted 0 guest sessions" in output


@pytest.mark.parametrize("args", [["--days", "0"], ["--batch-size", "0"], ["--days", "x"]])
def test_nonsense_options_are_refused(args):
    with pytest.raises(CommandError):
        purge(*args)

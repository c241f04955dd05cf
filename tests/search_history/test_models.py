"""The invariants hold in the database itself, whatever code writes the rows."""

import pytest
from django.db import IntegrityError, transaction

from search_history.models import normalize_query
from tests.search_history.conftest import SearchEntryFactory

pytestmark = pytest.mark.django_db


def test_an_entry_without_an_owner_is_refused():
    with pytest.raises(IntegrityError, match="search_entry_exactly_one_owner"):
        SearchEntryFactory(user=None, guest=None)


def test_an_entry_with_two_owners_is_refused(student, guest):
    with pytest.raises(IntegrityError, match="search_entry_exactly_one_owner"):
        SearchEntryFactory(user=student, guest=guest)


def test_one_guest_cannot_hold_the_same_normalized_query_twice(guest):
    SearchEntryFactory(guest=guest, query="piano")

    with pytest.raises(IntegrityError, match="search_entry_guest_query_unique"):
        SearchEntryFactory(guest=guest, query="PIANO")


def test_one_user_cannot_hold_the_same_normalized_query_twice(student):
    SearchEntryFactory(user=student, query="piano")

    with pytest.raises(IntegrityError, match="search_entry_user_query_unique"):
        SearchEntryFactory(user=student, query="Piano")


def test_different_owners_may_hold_the_same_query(student, instructor, guest, other_guest):
    for owner in (
        {"user": student},
        {"user": instructor},
        {"guest": guest},
        {"guest": other_guest},
    ):
        with transaction.atomic():
            SearchEntryFactory(**owner, query="piano")


def test_an_unknown_search_type_is_refused(guest):
    with pytest.raises(IntegrityError, match="search_entry_type_valid"):
        SearchEntryFactory(guest=guest, search_type="voice")


def test_the_search_count_is_at_least_one(guest):
    with pytest.raises(IntegrityError, match="search_entry_search_count_positive"):
        SearchEntryFactory(guest=guest, search_count=0)


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("  Piano  Lessons ", "piano lessons"),
        ("PIANO\tlessons\n", "piano lessons"),
        ("Straße", "strasse"),
        ("piano\u00a0lessons", "piano lessons"),
    ],
)
def test_normalizing_trims_folds_case_and_collapses_spaces(typed, normalized):
    assert normalize_query(typed) == normalized

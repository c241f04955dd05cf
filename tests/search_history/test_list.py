from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import GuestSession
from tests.search_history.conftest import URL, SearchEntryFactory, days_ago, guest_client_for

pytestmark = pytest.mark.django_db


def entries_for(owner_field, owner, count):
    """`count` entries searched one hour apart, the first one the oldest."""
    start = timezone.now() - timedelta(hours=count)
    return [
        SearchEntryFactory(
            **{owner_field: owner},
            query=f"search {i}",
            first_searched_at=start + timedelta(hours=i),
        )
        for i in range(count)
    ]


def test_it_lists_the_newest_three_by_default(guest_client, guest):
    entries_for("guest", guest, 5)

    response = guest_client.get(URL)

    assert response.status_code == 200
    assert [e["query"] for e in response.json()] == ["search 4", "search 3", "search 2"]


def test_limit_sets_how_many(guest_client, guest):
    entries_for("guest", guest, 7)

    response = guest_client.get(URL, {"limit": 6})

    assert [e["query"] for e in response.json()] == [f"search {i}" for i in range(6, 0, -1)]


def test_up_to_fifty_can_be_asked_for(guest_client, guest):
    entries_for("guest", guest, 52)

    assert len(guest_client.get(URL, {"limit": 50}).json()) == 50


@pytest.mark.parametrize("limit", ["0", "51", "-1", "abc", "2.5", "1e3"])
def test_a_limit_out_of_range_or_not_a_number_is_invalid(guest_client, limit):
    response = guest_client.get(URL, {"limit": limit})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "limit" in response.json()["errors"]


def test_a_recent_search_comes_first_even_if_it_was_first_made_long_ago(guest_client, guest):
    old = SearchEntryFactory(guest=guest, query="old", first_searched_at=days_ago(9))
    SearchEntryFactory(guest=guest, query="middle", first_searched_at=days_ago(2))
    old.last_searched_at = timezone.now()
    old.save()

    assert [e["query"] for e in guest_client.get(URL).json()] == ["old", "middle"]


def test_entries_searched_at_the_same_moment_come_newest_id_first(guest_client, guest):
    moment = days_ago(1)
    first = SearchEntryFactory(guest=guest, first_searched_at=moment)
    second = SearchEntryFactory(guest=guest, first_searched_at=moment)

    ids = [e["id"] for e in guest_client.get(URL).json()]

    assert ids == [str(second.pk), str(first.pk)]


def test_each_entry_has_the_contract_fields(guest_client, guest):
    entry = SearchEntryFactory(guest=guest, query="Piano lessons", results_count=12)

    (body,) = guest_client.get(URL).json()

    assert body == {
        "id": str(entry.pk),
        "query": "Piano lessons",
        "search_type": "natural_language",
        "results_count": 12,
        "search_count": 1,
        "first_searched_at": body["first_searched_at"],
        "last_searched_at": body["last_searched_at"],
    }
    assert body["last_searched_at"].endswith("Z")


def test_without_an_owner_the_list_is_empty(db):
    assert APIClient().get(URL).json() == []


@pytest.mark.parametrize("cookie", ["forged-value", "x" * 65, ""])
def test_an_unknown_guest_cookie_sees_an_empty_list(guest, cookie):
    SearchEntryFactory(guest=guest)
    client = APIClient()
    client.cookies["guest_id"] = cookie

    response = client.get(URL)

    assert response.status_code == 200
    assert response.json() == []


def test_an_expired_guest_sees_nothing(guest):
    SearchEntryFactory(guest=guest)
    GuestSession.objects.filter(pk=guest.pk).update(last_seen_at=days_ago(31))

    assert guest_client_for(guest).get(URL).json() == []


def test_one_guest_never_sees_another_guests_entries(guest_client, other_guest):
    SearchEntryFactory(guest=other_guest)

    assert guest_client.get(URL).json() == []


def test_a_logged_in_user_sees_their_own_entries_not_the_guest_cookies(
    student_client, student, guest
):
    SearchEntryFactory(user=student, query="mine")
    SearchEntryFactory(guest=guest, query="the guest's")
    student_client.cookies["guest_id"] = guest.pk

    assert [e["query"] for e in student_client.get(URL).json()] == ["mine"]


def test_a_guest_list_costs_exactly_one_query(guest_client, guest, django_assert_num_queries):
    entries_for("guest", guest, 5)
    guest_client.get(URL)  # warms the shared cache (the beta phase header), as in production

    # The cookie's guest is checked by a join in the same query that reads the entries.
    with django_assert_num_queries(1):
        response = guest_client.get(URL, {"limit": 3})

    assert len(response.json()) == 3


def test_a_user_list_costs_at_most_two_queries(
    student_client, student, django_assert_max_num_queries
):
    entries_for("user", student, 5)
    student_client.get(URL)  # warms the session and beta phase caches, as in production

    # One for the user behind the session, one for the entries.
    with django_assert_max_num_queries(2):
        response = student_client.get(URL, {"limit": 3})

    assert len(response.json()) == 3


def test_listing_without_an_owner_costs_no_query(db, django_assert_num_queries):
    client = APIClient()
    client.get(URL)  # warms the shared cache

    with django_assert_num_queries(0):
        assert client.get(URL).json() == []

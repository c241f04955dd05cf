from datetime import datetime

import pytest
from rest_framework.test import APIClient

from accounts.models import GuestSession
from search_history.models import SearchEntry, SearchType
from tests.conftest import login
from tests.search_history.conftest import URL, SearchEntryFactory, days_ago, record

pytestmark = pytest.mark.django_db

parse = datetime.fromisoformat


def test_a_new_search_is_created(guest_client, guest):
    response = record(guest_client, "Piano lessons", results_count=12)

    assert response.status_code == 201
    body = response.json()
    assert body["query"] == "Piano lessons"
    assert body["search_type"] == "natural_language"
    assert body["results_count"] == 12
    assert body["search_count"] == 1
    assert body["first_searched_at"] == body["last_searched_at"]
    entry = SearchEntry.objects.get(pk=body["id"])
    assert entry.guest_id == guest.pk
    assert entry.user_id is None


@pytest.mark.parametrize(
    "again",
    ["Piano lessons", "piano LESSONS", "  Piano lessons\t", "Piano    lessons", "PIANO\n lessons"],
)
def test_the_same_search_again_counts_instead_of_adding_a_row(guest_client, again):
    first = record(guest_client, "Piano lessons").json()

    response = record(guest_client, again)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == first["id"]
    assert body["search_count"] == 2
    assert body["first_searched_at"] == first["first_searched_at"]
    assert parse(body["last_searched_at"]) > parse(first["last_searched_at"])
    assert SearchEntry.objects.count() == 1


def test_a_repeat_shows_the_latest_wording_with_spaces_tidied(guest_client):
    record(guest_client, "piano lessons")

    body = record(guest_client, "  Piano   Lessons ").json()

    assert body["query"] == "Piano Lessons"


def test_different_searches_are_different_entries(guest_client):
    record(guest_client, "piano lessons")
    record(guest_client, "piano lesson")

    assert SearchEntry.objects.count() == 2


def test_the_same_search_by_two_owners_is_two_entries(guest_client, student_client):
    assert record(guest_client, "piano").status_code == 201
    assert record(student_client, "piano").status_code == 201

    assert SearchEntry.objects.count() == 2


def test_a_repeat_takes_the_new_type_and_results_count(guest_client):
    record(guest_client, "piano", search_type="category", results_count=3)

    body = record(guest_client, "piano", search_type="filter", results_count=8).json()

    assert (body["search_type"], body["results_count"]) == ("filter", 8)


def test_a_repeat_without_a_results_count_keeps_the_last_one(guest_client):
    record(guest_client, "piano", results_count=3)

    assert record(guest_client, "piano").json()["results_count"] == 3


@pytest.mark.parametrize("search_type", SearchType.values)
def test_every_search_type_of_the_contract_is_accepted(guest_client, search_type):
    response = record(guest_client, "piano", search_type=search_type)

    assert response.status_code == 201
    assert response.json()["search_type"] == search_type


def test_a_logged_in_user_records_for_themselves_not_the_guest_cookie(
    student_client, student, guest
):
    student_client.cookies["guest_id"] = guest.pk

    record(student_client, "piano")

    assert SearchEntry.objects.get().user_id == student.pk


def test_the_query_may_be_200_characters_after_trimming(guest_client):
    response = record(guest_client, "   " + "a" * 200 + "   ")

    assert response.status_code == 201
    assert response.json()["query"] == "a" * 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"query": "a" * 201}, "query"),
        ({"query": ""}, "query"),
        ({"query": "   \t "}, "query"),
        ({}, "query"),
        ({"query": None}, "query"),
        ({"query": 42}, "query"),
        ({"query": ["piano"]}, "query"),
        ({"query": "nul\x00byte"}, "query"),
        ({"query": "piano", "search_type": "voice"}, "search_type"),
        ({"query": "piano", "results_count": -1}, "results_count"),
        ({"query": "piano", "results_count": "5"}, "results_count"),
        ({"query": "piano", "results_count": 1.5}, "results_count"),
        ({"query": "piano", "results_count": True}, "results_count"),
        ({"query": "piano", "results_count": 2**31}, "results_count"),
    ],
)
def test_a_bad_body_is_invalid_with_the_field_named(guest_client, body, field):
    response = guest_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert not SearchEntry.objects.exists()


def test_malformed_json_is_invalid(guest_client):
    response = guest_client.post(URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_without_an_owner_it_asks_for_an_identity(db):
    response = record(APIClient(), "piano")

    assert response.status_code == 400
    assert response.json()["code"] == "identity_required"
    assert not SearchEntry.objects.exists()


def test_a_forged_guest_cookie_is_no_identity(db):
    client = APIClient()
    client.cookies["guest_id"] = "forged-value"

    assert record(client, "piano").json()["code"] == "identity_required"


def test_an_expired_guest_is_no_identity(guest_client, guest):
    GuestSession.objects.filter(pk=guest.pk).update(last_seen_at=days_ago(31))

    assert record(guest_client, "piano").json()["code"] == "identity_required"


def test_a_logged_in_user_needs_the_csrf_token(student):
    client = APIClient(enforce_csrf_checks=True)
    login(client, student)

    response = record(client, "piano")

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert not SearchEntry.objects.exists()


def test_an_existing_entry_made_long_ago_keeps_its_first_time(guest_client, guest):
    entry = SearchEntryFactory(guest=guest, query="Piano", first_searched_at=days_ago(5))

    body = record(guest_client, "piano").json()

    entry.refresh_from_db()
    assert body["search_count"] == 2
    assert entry.first_searched_at < days_ago(4)
    assert entry.last_searched_at > days_ago(0.01)

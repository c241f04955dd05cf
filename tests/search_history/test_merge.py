import pytest
from rest_framework.test import APIClient

from accounts.models import GuestSession, User
from search_history.models import SearchEntry
from search_history.services import search_history_merge_guest
from tests.conftest import PASSWORD
from tests.search_history.conftest import URL, SearchEntryFactory, days_ago, record

pytestmark = pytest.mark.django_db


def log_in(client, user):
    response = client.post(
        "/auth/login", {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)


def snapshot(**owner):
    return sorted(
        SearchEntry.objects.filter(**owner).values_list(
            "pk",
            "query",
            "normalized_query",
            "search_type",
            "results_count",
            "search_count",
            "first_searched_at",
            "last_searched_at",
        )
    )


@pytest.fixture
def overlapping(guest, student):
    """A guest and a student who both searched for piano lessons, and each for one other thing."""
    return {
        "guest_piano": SearchEntryFactory(
            guest=guest,
            query="Piano Lessons",
            search_type="category",
            results_count=10,
            search_count=2,
            first_searched_at=days_ago(5),
            last_searched_at=days_ago(1),
        ),
        "guest_guitar": SearchEntryFactory(
            guest=guest, query="guitar", search_count=4, first_searched_at=days_ago(2)
        ),
        "user_piano": SearchEntryFactory(
            user=student,
            query="piano  lessons",
            results_count=7,
            search_count=3,
            first_searched_at=days_ago(3),
            last_searched_at=days_ago(2),
        ),
        "user_drums": SearchEntryFactory(
            user=student, query="drums", first_searched_at=days_ago(6)
        ),
    }


def test_login_moves_the_guests_entries_and_merges_duplicates(
    guest_client, guest, student, overlapping
):
    log_in(guest_client, student)

    assert not SearchEntry.objects.filter(guest=guest).exists()
    entries = {e.normalized_query: e for e in SearchEntry.objects.filter(user=student)}
    assert set(entries) == {"piano lessons", "guitar", "drums"}
    piano = entries["piano lessons"]
    assert piano.pk == overlapping["user_piano"].pk
    assert piano.search_count == 5  # 2 as a guest + 3 as the user
    assert piano.first_searched_at == overlapping["guest_piano"].first_searched_at  # earliest
    assert piano.last_searched_at == overlapping["guest_piano"].last_searched_at  # latest
    # The newer search's wording, type and results count win.
    assert (piano.query, piano.search_type, piano.results_count) == (
        "Piano Lessons",
        "category",
        10,
    )
    guitar = entries["guitar"]
    assert guitar.pk == overlapping["guest_guitar"].pk  # an id the front end holds stays valid
    assert guitar.search_count == 4
    assert entries["drums"].search_count == 1


def test_after_login_the_user_sees_the_merged_history(guest_client, student, overlapping):
    log_in(guest_client, student)

    body = guest_client.get(URL, {"limit": 5}).json()

    assert [(e["query"], e["search_count"]) for e in body] == [
        ("Piano Lessons", 5),
        ("guitar", 4),
        ("drums", 1),
    ]


def test_login_marks_the_guest_converted(guest_client, guest, student):
    log_in(guest_client, student)

    guest.refresh_from_db()
    assert guest.converted_user == student
    assert guest.converted_at is not None


def test_an_older_guest_search_keeps_the_users_newer_details(guest, student):
    SearchEntryFactory(guest=guest, query="PIANO", results_count=1, first_searched_at=days_ago(9))
    SearchEntryFactory(
        user=student, query="piano", results_count=None, first_searched_at=days_ago(1)
    )

    search_history_merge_guest(guest_id=guest.pk, user=student)

    piano = SearchEntry.objects.get(user=student)
    assert piano.query == "piano"
    # The newer row has no results count, so the older one's is kept rather than lost.
    assert piano.results_count == 1
    assert piano.first_searched_at < days_ago(8)
    assert piano.last_searched_at > days_ago(2)


def test_register_carries_the_guests_searches_into_the_new_account(open_signup, guest_client):
    record(guest_client, "Piano lessons", results_count=3)
    record(guest_client, "piano   LESSONS")
    record(guest_client, "Guitar")

    response = guest_client.post(
        "/auth/register",
        {"email": "new@example.com", "password": PASSWORD, "full_name": "New", "role": "student"},
        format="json",
    )

    assert response.status_code == 201
    user = User.objects.get(email="new@example.com")
    counts = dict(
        SearchEntry.objects.filter(user=user).values_list("normalized_query", "search_count")
    )
    assert counts == {"piano lessons": 2, "guitar": 1}
    assert SearchEntry.objects.filter(guest__isnull=False).count() == 0


def test_searches_from_a_later_guest_visit_merge_at_the_next_login(open_signup, guest_client):
    guest_client.post(
        "/auth/register",
        {"email": "new@example.com", "password": PASSWORD, "full_name": "New", "role": "student"},
        format="json",
    )
    guest_client.credentials(HTTP_X_CSRFTOKEN=guest_client.cookies["csrftoken"].value)
    record(guest_client, "Piano lessons")
    guest_client.post("/auth/logout")  # clears the session and the guest cookie
    guest_client.credentials()
    guest_client.post("/api/public/session/guest")
    record(guest_client, "PIANO lessons ")
    record(guest_client, "violin")

    log_in(guest_client, User.objects.get(email="new@example.com"))

    entries = dict(SearchEntry.objects.values_list("normalized_query", "search_count"))
    assert entries == {"piano lessons": 2, "violin": 1}
    assert not SearchEntry.objects.filter(guest__isnull=False).exists()


def test_merging_twice_changes_nothing(guest, student, overlapping):
    first = search_history_merge_guest(guest_id=guest.pk, user=student)
    after_first = snapshot(user=student)

    second = search_history_merge_guest(guest_id=guest.pk, user=student)

    assert (first, second) == (2, 0)
    assert snapshot(user=student) == after_first


def test_logging_in_twice_with_the_same_guest_cookie_changes_nothing(
    guest_client, student, overlapping
):
    log_in(guest_client, student)
    after_first = snapshot(user=student)

    log_in(guest_client, student)

    assert snapshot(user=student) == after_first


def test_a_guest_converted_by_someone_else_keeps_its_entries_from_a_second_account(
    guest, student, instructor
):
    GuestSession.objects.filter(pk=guest.pk).update(converted_user=instructor)
    SearchEntryFactory(guest=guest, query="private")
    client = APIClient()
    client.cookies["guest_id"] = guest.pk

    log_in(client, student)

    assert not SearchEntry.objects.filter(user=student).exists()
    guest.refresh_from_db()
    assert guest.converted_user == instructor


def test_an_expired_guest_is_not_merged(guest_client, guest, student):
    SearchEntryFactory(guest=guest, query="stale")
    GuestSession.objects.filter(pk=guest.pk).update(last_seen_at=days_ago(31))

    log_in(guest_client, student)

    assert not SearchEntry.objects.filter(user=student).exists()
    assert SearchEntry.objects.filter(guest=guest).exists()


def test_a_failed_login_moves_nothing(guest_client, guest, student):
    SearchEntryFactory(guest=guest)

    guest_client.post("/auth/login", {"email": student.email, "password": "wrong"}, format="json")

    assert SearchEntry.objects.filter(guest=guest).count() == 1
    guest.refresh_from_db()
    assert guest.converted_user is None

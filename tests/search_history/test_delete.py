import pytest
from rest_framework.test import APIClient

from search_history.models import SearchEntry
from tests.conftest import login
from tests.search_history.conftest import URL, SearchEntryFactory

pytestmark = pytest.mark.django_db


def assert_not_found(response):
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_guest_deletes_one_of_their_entries(guest_client, guest):
    entry, kept = SearchEntryFactory(guest=guest), SearchEntryFactory(guest=guest)

    response = guest_client.delete(f"{URL}{entry.pk}")

    assert response.status_code == 204
    assert list(SearchEntry.objects.values_list("pk", flat=True)) == [kept.pk]


def test_a_user_deletes_one_of_their_entries(student_client, student):
    entry = SearchEntryFactory(user=student)

    assert student_client.delete(f"{URL}{entry.pk}").status_code == 204
    assert not SearchEntry.objects.exists()


def test_another_guests_entry_is_not_found_and_stays(guest_client, other_guest):
    theirs = SearchEntryFactory(guest=other_guest)

    assert_not_found(guest_client.delete(f"{URL}{theirs.pk}"))
    assert SearchEntry.objects.filter(pk=theirs.pk).exists()


def test_another_users_entry_is_not_found_and_stays(student_client, instructor):
    theirs = SearchEntryFactory(user=instructor)

    assert_not_found(student_client.delete(f"{URL}{theirs.pk}"))
    assert SearchEntry.objects.filter(pk=theirs.pk).exists()


def test_a_guest_cannot_delete_a_users_entry(guest_client, student):
    theirs = SearchEntryFactory(user=student)

    assert_not_found(guest_client.delete(f"{URL}{theirs.pk}"))
    assert SearchEntry.objects.filter(pk=theirs.pk).exists()


def test_a_user_cannot_delete_the_guest_cookies_entry(student_client, guest):
    # Once logged in, the user is the owner: the guest cookie the browser still sends is not.
    theirs = SearchEntryFactory(guest=guest)
    student_client.cookies["guest_id"] = guest.pk

    assert_not_found(student_client.delete(f"{URL}{theirs.pk}"))
    assert SearchEntry.objects.filter(pk=theirs.pk).exists()


def test_without_an_owner_nothing_is_found(guest):
    entry = SearchEntryFactory(guest=guest)

    assert_not_found(APIClient().delete(f"{URL}{entry.pk}"))
    assert SearchEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("entry_id", ["999999", "abc", "1.5", "99999999999999999999999", "-1"])
def test_an_id_that_names_no_entry_is_not_found(guest_client, guest, entry_id):
    SearchEntryFactory(guest=guest)

    assert_not_found(guest_client.delete(f"{URL}{entry_id}"))
    assert SearchEntry.objects.count() == 1


def test_deleting_twice_is_not_found_the_second_time(guest_client, guest):
    entry = SearchEntryFactory(guest=guest)
    guest_client.delete(f"{URL}{entry.pk}")

    assert_not_found(guest_client.delete(f"{URL}{entry.pk}"))


def test_delete_all_removes_only_the_owners_entries(guest_client, guest, other_guest, student):
    SearchEntryFactory.create_batch(3, guest=guest)
    others = [SearchEntryFactory(guest=other_guest), SearchEntryFactory(user=student)]

    response = guest_client.delete(URL)

    assert response.status_code == 204
    assert set(SearchEntry.objects.values_list("pk", flat=True)) == {e.pk for e in others}


def test_a_user_deletes_all_of_theirs(student_client, student, guest):
    SearchEntryFactory.create_batch(2, user=student)
    kept = SearchEntryFactory(guest=guest)
    student_client.cookies["guest_id"] = guest.pk

    assert student_client.delete(URL).status_code == 204
    assert list(SearchEntry.objects.values_list("pk", flat=True)) == [kept.pk]


def test_delete_all_without_an_owner_deletes_nothing(guest):
    SearchEntryFactory(guest=guest)

    assert APIClient().delete(URL).status_code == 204
    assert SearchEntry.objects.count() == 1


def test_a_logged_in_user_needs_the_csrf_token_to_delete(student):
    entry = SearchEntryFactory(user=student)
    client = APIClient(enforce_csrf_checks=True)
    login(client, student)

    one = client.delete(f"{URL}{entry.pk}")
    everything = client.delete(URL)

    assert one.json()["code"] == everything.json()["code"] == "csrf_failed"
    assert SearchEntry.objects.filter(pk=entry.pk).exists()

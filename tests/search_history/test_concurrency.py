"""Real concurrency on PostgreSQL: threads with their own connections, committed data, a barrier.

Every thread sends its request at the same moment; a read-then-write implementation loses this
race (two rows, or a unique-index error answered as a 500).
"""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import GuestSession
from search_history.models import SearchEntry
from tests.conftest import PASSWORD, login
from tests.factories import UserFactory
from tests.search_history.conftest import SearchEntryFactory, guest_client_for, record

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def run_at_once(calls):
    """Runs each call in its own thread, all released together; returns their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # surfaced by the assertions below, not lost in the thread
            results[i] = exc
        finally:
            connection.close()  # each thread opened its own; the test database must be droppable

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def logged_in_clone(client):
    """Another client on the same logged-in session (another tab), with its own cookie jar."""
    clone = APIClient(enforce_csrf_checks=True)
    for name, morsel in client.cookies.items():
        clone.cookies[name] = morsel.value
    clone.credentials(HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    return clone


def test_identical_guest_posts_at_once_leave_one_entry_with_every_search_counted():
    guest = GuestSession.objects.create()
    clients = [guest_client_for(guest) for _ in range(THREADS)]

    responses = run_at_once([lambda c=c: record(c, "Piano  lessons") for c in clients])

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * (THREADS - 1) + [201]
    entry = SearchEntry.objects.get()
    assert entry.search_count == THREADS
    assert {r.json()["id"] for r in responses} == {str(entry.pk)}


def test_identical_user_posts_at_once_leave_one_entry_with_every_search_counted():
    user = UserFactory()
    first = APIClient(enforce_csrf_checks=True)
    login(first, user)
    clients = [logged_in_clone(first) for _ in range(THREADS)]

    responses = run_at_once(
        [
            lambda c=c, i=i: record(c, "piano LESSONS" if i % 2 else "Piano lessons")
            for i, c in enumerate(clients)
        ]
    )

    assert sorted(r.status_code for r in responses) == [200] * (THREADS - 1) + [201]
    assert SearchEntry.objects.get(user=user).search_count == THREADS


def test_a_login_racing_the_users_own_searches_loses_no_search():
    user = UserFactory()
    other_tab = APIClient(enforce_csrf_checks=True)
    login(other_tab, user)
    tabs = [logged_in_clone(other_tab) for _ in range(THREADS - 1)]
    guest = GuestSession.objects.create()
    SearchEntryFactory(guest=guest, query="piano", search_count=3)
    guest_browser = guest_client_for(guest)

    def log_in_with_guest_cookie():
        return guest_browser.post(
            "/auth/login", {"email": user.email, "password": PASSWORD}, format="json"
        )

    responses = run_at_once(
        [log_in_with_guest_cookie, *[lambda t=t: record(t, "Piano") for t in tabs]]
    )

    assert all(not isinstance(r, Exception) for r in responses), responses
    assert [r.status_code for r in responses[1:]].count(201) <= 1
    assert responses[0].status_code == 200
    assert SearchEntry.objects.get(user=user).search_count == 3 + len(tabs)
    assert not SearchEntry.objects.filter(guest=guest).exists()


def test_two_logins_racing_on_one_guest_move_each_entry_once():
    user = UserFactory()
    guest = GuestSession.objects.create()
    SearchEntryFactory(guest=guest, query="piano", search_count=2)
    SearchEntryFactory(user=user, query="piano", search_count=1)
    browsers = [guest_client_for(guest) for _ in range(2)]

    responses = run_at_once(
        [
            lambda b=b: b.post(
                "/auth/login", {"email": user.email, "password": PASSWORD}, format="json"
            )
            for b in browsers
        ]
    )

    assert [r.status_code for r in responses] == [200, 200]
    assert SearchEntry.objects.get().search_count == 3

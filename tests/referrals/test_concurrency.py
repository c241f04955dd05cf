"""Real races on PostgreSQL: threads with their own connections on committed data, released
together by a barrier. A check-then-insert reward would pay twice here."""

import threading

import pytest
from django.db import connection

from instainstru.api import ApplicationError
from referrals.models import Referral, Reward
from tests.factories import UserFactory
from tests.referrals.conftest import book, complete, refer

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 5


def run_at_once(calls):
    """Runs each call in its own thread, all released together; returns results (or the
    exception each raised) in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # surfaced by the assertions, not lost in the thread
            results[i] = exc
        finally:
            connection.close()  # each thread opened its own; the test database must be droppable

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.fixture
def setup(reward_settings):
    def make():
        referrer, referee = UserFactory(role="student"), UserFactory(role="student")
        return referrer, referee, refer(referrer, referee)

    return make


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_booking_completed_twice_at_once_pays_one_pair(setup, teacher, round_):
    referrer, referee, referral = setup()
    booking = book(referee, teacher)

    results = run_at_once([lambda: complete(booking), lambda: complete(booking)])

    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError), results
    assert errors[0].code == "invalid_state"
    assert sorted(Reward.objects.filter(referral=referral).values_list("user_id", flat=True)) == (
        sorted([referrer.pk, referee.pk])
    )


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_first_lessons_completed_at_once_pay_one_pair(setup, teacher, round_):
    referrer, referee, referral = setup()
    lessons = [book(referee, teacher), book(referee, UserFactory(role="instructor"))]

    results = run_at_once([lambda b=b: complete(b) for b in lessons])

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Reward.objects.filter(referral=referral).count() == 2
    assert {r.user_id for r in Reward.objects.all()} == {referrer.pk, referee.pk}
    referral.refresh_from_db()
    assert referral.status == "rewarded"


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_referees_at_the_cap_at_once_pay_only_one(reward_settings, teacher, round_):
    reward_settings.monthly_cap = 1
    reward_settings.save()
    referrer = UserFactory(role="student")
    referees = [UserFactory(role="student"), UserFactory(role="student")]
    for referee in referees:
        refer(referrer, referee)
    lessons = [book(referee, teacher) for referee in referees]

    results = run_at_once([lambda b=b: complete(b) for b in lessons])

    assert not [r for r in results if isinstance(r, Exception)], results
    outcomes = sorted(Referral.objects.values_list("status", "reason"))
    assert outcomes == [("held", "monthly_cap"), ("rewarded", "")]
    assert Reward.objects.filter(user=referrer).count() == 1

import pytest
from django.db import IntegrityError, transaction

from bookings.models import Booking
from bookings.services import booking_complete
from instainstru.api import ApplicationError
from referrals.models import Reward
from tests.conftest import login
from tests.factories import UserFactory
from tests.referrals.conftest import OTHER_IP, book, client_from, complete, refer, register

pytestmark = pytest.mark.django_db


def credits(referral):
    return {(r.user_id, r.amount_cents) for r in Reward.objects.filter(referral=referral)}


def test_the_first_completed_lesson_credits_both_students(referrer, teacher, reward_settings):
    referee = UserFactory(role="student")
    referral = refer(referrer, referee)

    complete(book(referee, teacher))

    referral.refresh_from_db()
    assert (referral.status, referral.reason) == ("rewarded", "")
    assert referral.decided_at is not None and referral.decided_by is None
    assert credits(referral) == {(referrer.pk, 1500), (referee.pk, 1000)}


def test_later_lessons_credit_nothing_more(referrer, teacher, reward_settings):
    referee = UserFactory(role="student")
    referral = refer(referrer, referee)
    first, second = book(referee, teacher), book(referee, teacher)

    complete(first)
    referral.refresh_from_db()
    decided_at = referral.decided_at
    reward_settings.referrer_reward_cents = 9999  # a later lesson must not pay at the new rate
    reward_settings.save()
    complete(second)

    assert Reward.objects.count() == 2
    assert credits(referral) == {(referrer.pk, 1500), (referee.pk, 1000)}
    referral.refresh_from_db()
    assert referral.decided_at == decided_at


def test_a_held_referral_is_not_judged_again_by_a_later_lesson(referrer, teacher, reward_settings):
    reward_settings.monthly_cap = 0
    reward_settings.save()
    referee = UserFactory(role="student")
    referral = refer(referrer, referee)
    complete(book(referee, teacher))
    referral.refresh_from_db()
    assert (referral.status, referral.reason) == ("held", "monthly_cap")

    reward_settings.monthly_cap = 10  # room again: still only staff may release it
    reward_settings.save()
    complete(book(referee, teacher))

    referral.refresh_from_db()
    assert referral.status == "held"
    assert not Reward.objects.exists()


def test_a_student_who_was_not_referred_earns_nothing(teacher, student):
    complete(book(student, teacher))

    assert not Reward.objects.exists()


def test_the_referrers_own_lessons_earn_nothing(referrer, teacher, reward_settings):
    refer(referrer, UserFactory(role="student"))

    complete(book(referrer, teacher))

    assert not Reward.objects.exists()


def test_a_completion_that_fails_credits_nothing(referrer, teacher, reward_settings):
    referee = UserFactory(role="student")
    referral = refer(referrer, referee)
    booking = book(referee, teacher)

    with pytest.raises(ApplicationError, match="lesson's instructor"):
        booking_complete(booking_id=booking.pk, instructor=UserFactory(role="instructor"))

    referral.refresh_from_db()
    assert referral.status == "pending"
    assert not Reward.objects.exists()


def test_the_database_refuses_a_second_credit_for_one_side(referrer, teacher, reward_settings):
    referee = UserFactory(role="student")
    referral = refer(referrer, referee)
    complete(book(referee, teacher))

    with pytest.raises(IntegrityError), transaction.atomic():
        Reward.objects.create(referral=referral, user=referrer, amount_cents=1)


@pytest.mark.usefixtures("open_signup")
def test_from_share_link_to_credits_over_http(referrer, code, teacher, reward_settings):
    """The whole flow through the public endpoints: link, sign-up, booking, completion, /me."""
    friend = client_from(OTHER_IP)
    friend.get(f"/r/{code}")
    assert register(friend, "friend@example.com").status_code == 201
    token = friend.cookies["csrftoken"].value
    booked = friend.post(
        "/api/bookings/",
        {"instructor_id": teacher.pk, "starts_at": "2999-01-01T10:00:00Z", "duration_minutes": 60},
        format="json",
        headers={"X-CSRFToken": token},
    )
    assert booked.status_code == 201, booked.content
    teacher_client = client_from("192.0.2.1")
    teacher_token = login(teacher_client, teacher)

    done = teacher_client.post(
        f"/api/bookings/{booked.json()['id']}/complete", headers={"X-CSRFToken": teacher_token}
    )

    assert done.status_code == 200
    assert Booking.objects.get().status == "completed"
    referrer_client = client_from("192.0.2.2")
    login(referrer_client, referrer)
    mine = referrer_client.get("/api/referrals/me").json()
    assert (mine["signups"], mine["rewarded"]) == (1, 1)
    assert [r["amount_cents"] for r in mine["rewards"]] == [1500]
    assert [r["amount_cents"] for r in friend.get("/api/referrals/me").json()["rewards"]] == [1000]

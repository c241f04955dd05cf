from datetime import timedelta

import pytest
from django.utils import timezone

from referrals.codes import ALPHABET
from referrals.models import ReferralCode, Reward
from referrals.services import referral_approve, referral_code_ensure
from tests.conftest import login
from tests.factories import UserFactory
from tests.referrals.conftest import first_lesson, refer

pytestmark = pytest.mark.django_db

URL = "/api/referrals/me"


def iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def open_phase(set_beta):
    set_beta(phase="open")


@pytest.mark.usefixtures("open_phase")
def test_a_student_gets_a_code_on_first_use_and_the_same_one_after(client, student):
    login(client, student)

    first = client.get(URL)
    second = client.get(URL)

    assert first.status_code == 200
    body = first.json()
    assert len(body["code"]) == 8 and set(body["code"]) <= set(ALPHABET)
    assert body["share_url"] == f"http://testserver/r/{body['code']}"
    assert (body["signups"], body["rewarded"], body["rewards"]) == (0, 0, [])
    assert second.json()["code"] == body["code"]
    assert ReferralCode.objects.get(user=student).code == body["code"]


def test_codes_differ_between_students(db):
    codes = {referral_code_ensure(user=UserFactory(role="student")).code for _ in range(50)}

    assert len(codes) == 50


@pytest.mark.usefixtures("open_phase")
def test_it_counts_signups_of_any_status_and_lists_credits_newest_first(
    client, referrer, staff, reward_settings
):
    rewarded, released, pending = (UserFactory(role="student") for _ in range(3))
    for referee in (rewarded, released, pending):
        refer(referrer, referee)
    first_lesson(rewarded)
    older = Reward.objects.get(user=referrer)
    older.created_at = timezone.now() - timedelta(days=3)
    older.save()
    reward_settings.monthly_cap = 1
    reward_settings.referrer_reward_cents = 700
    reward_settings.save()
    assert first_lesson(released).status == "held"
    referral_approve(referral_id=released.referral.pk, approved_by=staff)
    newest = Reward.objects.get(user=referrer, amount_cents=700)
    login(client, referrer)

    body = client.get(URL).json()

    assert (body["signups"], body["rewarded"]) == (3, 2)
    assert body["rewards"] == [  # the referees' own credits are theirs, not listed here
        {"amount_cents": 700, "created_at": iso(newest.created_at)},
        {"amount_cents": 1500, "created_at": iso(older.created_at)},
    ]


@pytest.mark.usefixtures("open_phase")
def test_instructors_are_refused_with_role_forbidden(client, instructor):
    login(client, instructor)

    response = client.get(URL)

    assert response.status_code == 403
    assert response.json()["code"] == "role_forbidden"
    assert not ReferralCode.objects.exists()


@pytest.mark.usefixtures("open_phase")
def test_anonymous_callers_get_401(client):
    response = client.get(URL)

    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_the_phase_gate_still_applies(client, student):
    # Default phase, instructor_only: students may not use gated endpoints yet.
    login(client, student)

    response = client.get(URL)

    assert (response.status_code, response.json()["code"]) == (403, "beta_phase_restricted")


@pytest.mark.usefixtures("open_phase")
def test_it_costs_the_same_queries_however_many_referrals(
    client, referrer, reward_settings, django_assert_num_queries
):
    login(client, referrer)
    client.get(URL)  # the first call creates the code

    with django_assert_num_queries(4):
        empty = client.get(URL)
    assert empty.json()["signups"] == 0

    for _ in range(8):
        referee = UserFactory(role="student")
        refer(referrer, referee)
        first_lesson(referee)

    with django_assert_num_queries(4):
        busy = client.get(URL)
    assert (busy.json()["signups"], len(busy.json()["rewards"])) == (8, 8)

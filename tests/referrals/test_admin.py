import pytest
from django.test import Client

from referrals.models import Referral, ReferralSettings, Reward, UserIp
from tests.factories import UserFactory
from tests.referrals.conftest import REFERRER_IP, first_lesson, refer

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/referrals/referral/"


@pytest.fixture
def admin_client(staff):
    staff.is_superuser = True
    staff.save()
    c = Client()
    c.force_login(staff)
    return c


@pytest.fixture
def held(referrer, reward_settings):
    """A referral held because the friend signed up from the referrer's address."""
    UserIp.objects.create(user=referrer, ip=REFERRER_IP)
    referee = UserFactory(role="student")
    refer(referrer, referee, ip=REFERRER_IP)
    referral = first_lesson(referee)
    assert (referral.status, referral.reason) == ("held", "same_ip")
    return referral


def act(admin_client, action, *referrals):
    return admin_client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [r.pk for r in referrals]},
        follow=True,
    )


def test_approving_a_held_referral_issues_both_credits(admin_client, held, staff):
    response = act(admin_client, "approve", held)

    assert b"Approved 1 held referral(s)." in response.content
    held.refresh_from_db()
    assert (held.status, held.decided_by) == ("rewarded", staff)
    assert held.reason == "same_ip"  # why it was held stays on record
    credits = {(r.user_id, r.amount_cents) for r in Reward.objects.filter(referral=held)}
    assert credits == {(held.referrer_id, 1500), (held.referee_id, 1000)}


def test_approving_again_issues_nothing_more(admin_client, held):
    act(admin_client, "approve", held)

    response = act(admin_client, "approve", held)

    assert b"Skipped 1 that were not held." in response.content
    assert Reward.objects.count() == 2


def test_refusing_a_held_referral_keeps_its_reason_and_pays_nothing(admin_client, held, staff):
    act(admin_client, "refuse", held)

    held.refresh_from_db()
    assert (held.status, held.reason, held.decided_by) == ("refused", "same_ip", staff)
    assert not Reward.objects.exists()
    act(admin_client, "approve", held)
    assert not Reward.objects.exists()  # a refusal is final


def test_actions_leave_pending_and_rewarded_referrals_alone(admin_client, referrer, held):
    pending = refer(referrer, UserFactory(role="student"))

    act(admin_client, "approve", pending)

    pending.refresh_from_db()
    assert pending.status == "pending"
    assert Reward.objects.count() == 0


def test_the_review_queue_lists_held_referrals_with_their_reason(admin_client, held):
    response = admin_client.get(CHANGELIST, {"status__exact": "held"})

    assert response.status_code == 200
    assert held.referee.email.encode() in response.content
    assert b"Signed up from the referrer" in response.content


def test_staff_set_the_amounts_and_rules_in_the_admin(admin_client, referrer):
    assert admin_client.get("/admin/referrals/referralsettings/").status_code == 302

    response = admin_client.post(
        "/admin/referrals/referralsettings/1/change/",
        {
            "referrer_reward_cents": 2500,
            "referee_reward_cents": 1200,
            "monthly_cap": 3,
            "same_ip_window_days": 7,
        },
    )

    assert response.status_code == 302
    row = ReferralSettings.objects.get()
    assert (row.referrer_reward_cents, row.referee_reward_cents) == (2500, 1200)
    assert (row.monthly_cap, row.same_ip_window_days) == (3, 7)
    referee = UserFactory(role="student")
    refer(referrer, referee)
    first_lesson(referee)
    assert {r.amount_cents for r in Reward.objects.all()} == {2500, 1200}


def test_a_zero_reward_is_refused_by_the_form(admin_client):
    admin_client.get("/admin/referrals/referralsettings/")  # staff arrive through the list
    response = admin_client.post(
        "/admin/referrals/referralsettings/1/change/",
        {
            "referrer_reward_cents": 0,
            "referee_reward_cents": 1200,
            "monthly_cap": 3,
            "same_ip_window_days": 7,
        },
    )

    assert response.status_code == 200  # the form again, with the error
    assert ReferralSettings.objects.get().referrer_reward_cents == 2000


def test_the_admin_pages_open(admin_client, held):
    for url in [
        CHANGELIST,
        f"{CHANGELIST}{held.pk}/change/",
        "/admin/referrals/referralcode/",
        "/admin/referrals/reward/",
        "/admin/referrals/userip/",
    ]:
        assert admin_client.get(url).status_code == 200, url
    assert Referral.objects.count() == 1

"""Each fraud rule of API.md stops a referral at its first completed lesson, reason kept."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from referrals.models import Referral, ReferralCode, Reward, UserIp
from referrals.rules import canonical_email
from referrals.services import referral_code_ensure, referral_signup
from tests.conftest import login
from tests.factories import UserFactory
from tests.referrals.conftest import (
    OTHER_IP,
    REFERRER_IP,
    client_from,
    first_lesson,
    refer,
    register,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "a, b",
    [
        ("Jane.Doe@Gmail.com", "janedoe@gmail.com"),  # case, dots at Gmail
        ("jane.doe@gmail.com", "j.a.n.e.d.o.e+referral@googlemail.com"),  # Gmail's other domain
        ("sam+friends@outlook.com", "SAM@outlook.com"),  # +tags at Outlook
        ("sam+x@fastmail.com", "sam@FastMail.com"),
    ],
)
def test_spellings_of_one_mailbox_are_the_same_address(a, b):
    assert canonical_email(a) == canonical_email(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("jane.doe@example.com", "janedoe@example.com"),  # dots may matter elsewhere
        ("sam+x@example.com", "sam@example.com"),  # and so may a plus
        ("jane.doe@outlook.com", "janedoe@outlook.com"),  # Outlook keeps dots
        ("sam@gmail.com", "sam@gmail.co"),
    ],
)
def test_other_addresses_stay_different(a, b):
    assert canonical_email(a) != canonical_email(b)


def test_a_self_referral_is_refused(reward_settings):
    student = UserFactory(role="student")
    code = referral_code_ensure(user=student)
    # Sign-up always creates a new account; the rule guards any other way such a row appears.
    with transaction.atomic():
        Referral.objects.create(referrer=student, referee=student, code=code, attributed_via="body")

    referral = first_lesson(student)

    assert (referral.status, referral.reason) == ("refused", "self_referral")
    assert referral.decided_by is None
    assert not Reward.objects.exists()


@pytest.mark.usefixtures("open_signup")
@pytest.mark.parametrize(
    "referrer_email, referee_email",
    [
        ("jane.doe@gmail.com", "JaneDoe+second@googlemail.com"),
        ("sam@outlook.com", "Sam+alt@Outlook.com"),
    ],
)
def test_the_same_email_under_another_spelling_is_refused(referrer_email, referee_email):
    referrer = UserFactory(email=referrer_email, role="student")
    code = referral_code_ensure(user=referrer).code
    assert register(client_from(OTHER_IP), referee_email, referral_code=code).status_code == 201

    referral = first_lesson(Referral.objects.get().referee)

    assert (referral.status, referral.reason) == ("refused", "email_alias")
    assert not Reward.objects.exists()


@pytest.mark.usefixtures("open_signup")
def test_a_similar_address_at_a_provider_that_keeps_dots_is_rewarded():
    referrer = UserFactory(email="jane.doe@example.com", role="student")
    code = referral_code_ensure(user=referrer).code
    register(client_from(OTHER_IP), "janedoe@example.com", referral_code=code)

    assert first_lesson(Referral.objects.get().referee).status == "rewarded"


def test_rewards_past_the_monthly_cap_are_held(referrer, reward_settings):
    reward_settings.monthly_cap = 2
    reward_settings.save()
    referees = [UserFactory(role="student") for _ in range(3)]
    for referee in referees:
        refer(referrer, referee)

    outcomes = [(r.status, r.reason) for r in map(first_lesson, referees)]

    assert outcomes == [("rewarded", ""), ("rewarded", ""), ("held", "monthly_cap")]
    assert Reward.objects.filter(user=referrer).count() == 2


def test_rewards_older_than_thirty_days_leave_room_under_the_cap(referrer, reward_settings):
    reward_settings.monthly_cap = 1
    reward_settings.save()
    old, new = UserFactory(role="student"), UserFactory(role="student")
    refer(referrer, old)
    refer(referrer, new)
    first_lesson(old)
    Referral.objects.filter(referee=old).update(decided_at=timezone.now() - timedelta(days=31))

    assert first_lesson(new).status == "rewarded"


@pytest.mark.usefixtures("open_signup")
def test_a_signup_from_the_referrers_recent_address_is_held(referrer, code, reward_settings):
    login(client_from(REFERRER_IP), referrer)  # the referrer's login records the address
    # The same household, or the same person with a second address, on the same connection.
    register(client_from(REFERRER_IP), "friend@example.com", referral_code=code)

    referral = first_lesson(Referral.objects.get().referee)

    assert (referral.status, referral.reason) == ("held", "same_ip")
    assert referral.signup_ip == REFERRER_IP
    assert not Reward.objects.exists()


@pytest.mark.usefixtures("open_signup")
def test_a_signup_from_another_address_is_rewarded(referrer, code, reward_settings):
    login(client_from(REFERRER_IP), referrer)
    register(client_from(OTHER_IP), "friend@example.com", referral_code=code)

    assert first_lesson(Referral.objects.get().referee).status == "rewarded"


def test_an_address_the_referrer_used_long_ago_does_not_hold(referrer, reward_settings):
    reward_settings.same_ip_window_days = 30
    reward_settings.save()
    UserIp.objects.create(
        user=referrer, ip=REFERRER_IP, last_seen_at=timezone.now() - timedelta(days=45)
    )
    referee = UserFactory(role="student")
    refer(referrer, referee, ip=REFERRER_IP)

    assert first_lesson(referee).status == "rewarded"


def test_the_same_ip_rule_can_be_turned_off(referrer, reward_settings):
    reward_settings.same_ip_window_days = 0
    reward_settings.save()
    UserIp.objects.create(user=referrer, ip=REFERRER_IP)
    referee = UserFactory(role="student")
    refer(referrer, referee, ip=REFERRER_IP)

    assert first_lesson(referee).status == "rewarded"


def test_a_refusal_outranks_a_hold(reward_settings):
    referrer = UserFactory(email="jane.doe@gmail.com", role="student")
    UserIp.objects.create(user=referrer, ip=REFERRER_IP)
    referee = UserFactory(email="janedoe@gmail.com", role="student")
    with transaction.atomic():
        referral_signup(
            user=referee,
            code=ReferralCode.objects.create(user=referrer, code="ACDEFGHJ").code,
            via="cookie",
            ip=REFERRER_IP,
        )

    referral = first_lesson(referee)

    assert (referral.status, referral.reason) == ("refused", "email_alias")

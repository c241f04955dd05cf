"""A referrer with a code, referees arriving through it, and their first lessons."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import Booking
from bookings.services import booking_complete
from referrals.models import ReferralSettings
from referrals.services import referral_code_ensure, referral_signup
from tests.conftest import PASSWORD
from tests.factories import UserFactory

REFERRER_IP = "198.51.100.7"
OTHER_IP = "203.0.113.20"


def client_from(ip):
    """A browser-like client whose requests come from this address (REMOTE_ADDR)."""
    return APIClient(enforce_csrf_checks=True, REMOTE_ADDR=ip)


def register(client, email, *, headers=None, **fields):
    body = {"email": email, "password": PASSWORD, "full_name": "New Student", "role": "student"}
    return client.post("/auth/register", {**body, **fields}, format="json", headers=headers)


def refer(referrer, referee, *, ip=OTHER_IP, via="body"):
    """What registration does for a referee who arrives with the referrer's code."""
    with transaction.atomic():
        return referral_signup(
            user=referee, code=referral_code_ensure(user=referrer).code, via=via, ip=ip
        )


def book(student, instructor):
    return Booking.objects.create(
        student=student,
        instructor=instructor,
        starts_at=timezone.now() + timedelta(days=1),
        duration_minutes=60,
    )


def complete(booking):
    return booking_complete(booking_id=booking.pk, instructor=booking.instructor)


def first_lesson(referee, instructor=None):
    """Books and completes the referee's first lesson; returns the referral as it now stands."""
    complete(book(referee, instructor or UserFactory(role="instructor")))
    referral = referee.referral
    referral.refresh_from_db()
    return referral


@pytest.fixture
def referrer(db):
    return UserFactory(email="rae.referrer@example.com", role="student")


@pytest.fixture
def code(referrer):
    return referral_code_ensure(user=referrer).code


@pytest.fixture
def teacher(db):
    return UserFactory(role="instructor")


@pytest.fixture
def reward_settings(db):
    """The settings row with distinct amounts, so a test can tell the two credits apart."""
    row, _ = ReferralSettings.objects.get_or_create(id=1)
    row.referrer_reward_cents = 1500
    row.referee_reward_cents = 1000
    row.save()
    return row

"""manage.py seed_demo: realistic mock data for preview, idempotent, refused in prod."""

import os
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from beta.models import BetaAccess, BetaSettingsChange
from bookings.models import Booking
from invites.models import Invite
from referrals.models import Referral, Reward
from search_history.models import SearchEntry

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
MODELS = [User, BetaAccess, Invite, Booking, SearchEntry, Referral, Reward]


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@override_settings(SITE_MODE="preview")
def test_running_it_again_adds_nothing():
    seed()
    first = counts()
    output = seed()

    assert all(first.values()), first
    assert counts() == first
    assert "students: 10 (0 new)" in output
    assert "bookings: 30 (0 new)" in output


@override_settings(SITE_MODE="preview")
def test_it_fills_preview_with_people_lessons_invites_searches_and_referrals():
    seed()
    now = timezone.now()

    instructors = User.objects.filter(role="instructor")
    students = User.objects.filter(role="student")
    assert instructors.count() == 6 and students.count() == 10
    assert all(u.email.endswith("@demo.instainstru.example") for u in User.objects.all())
    # Every instructor and most students are in the beta; some students are still waiting.
    assert BetaAccess.objects.filter(user__in=instructors).count() == 6
    assert 0 < BetaAccess.objects.filter(user__in=students).count() < 10
    statuses = {invite.status() for invite in Invite.objects.all()}
    assert statuses == {"used", "pending", "expired", "revoked"}
    assert Booking.objects.filter(status="completed", starts_at__lt=now).count() == 20
    assert Booking.objects.filter(status="booked", starts_at__gt=now).count() == 10
    assert SearchEntry.objects.filter(user__in=students).count() > 20
    # The referred students' completed lessons paid both sides, through the real service.
    assert set(Referral.objects.values_list("status", flat=True)) == {"rewarded"}
    assert Reward.objects.count() == 2 * Referral.objects.count()
    # It changes no beta setting.
    assert not BetaSettingsChange.objects.exists()


@override_settings(SITE_MODE="preview")
def test_demo_accounts_log_in_only_with_a_given_password(client):
    seed()
    amelia = User.objects.get(email="amelia.brooks@demo.instainstru.example")
    assert not amelia.has_usable_password()

    seed("--password", "demo-lessons-for-staff")
    amelia.refresh_from_db()

    assert amelia.check_password("demo-lessons-for-staff")


@override_settings(SITE_MODE="prod")
def test_it_refuses_to_run_in_prod():
    with pytest.raises(CommandError, match="refuses to run with prod settings"):
        seed()

    assert not User.objects.exists()


def test_it_refuses_under_the_prod_settings_module_before_touching_any_database():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
    }
    out = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    assert out.returncode == 1
    assert out.stderr.strip() == (
        "CommandError: seed_demo fills preview with mock data; "
        "it refuses to run with prod settings."
    )

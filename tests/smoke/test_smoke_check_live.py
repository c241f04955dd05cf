"""manage.py smoke_check against a real gunicorn under prod and preview settings."""

import pytest
from django.contrib.sessions.models import Session

from accounts.models import GuestSession, User
from beta.models import BetaSettings, BetaSettingsChange
from beta.services import beta_settings_update
from bookings.models import Booking
from search_history.models import SearchEntry
from tests.smoke.conftest import (
    PREVIEW_ORIGIN,
    PROD_ORIGIN,
    account_env,
    account_options,
    json_report,
    smoke_check,
    statuses,
)

pytestmark = pytest.mark.django_db(transaction=True)

ACCOUNT_CHECKS = [
    "auth/me: staff",
    "auth/me: student",
    "auth/me: instructor",
    "cookies: session",
    "gate: student refused in instructor_only",
    "bookings history: staff",
    "bookings history: student",
    "bookings history: instructor",
    "bookings: instructor may not book",
    "bookings: student passes the role gate",
]


def test_every_check_passes_on_a_healthy_prod_server(prod_server, accounts):
    out = smoke_check(
        "--base-url",
        prod_server,
        "--origin",
        PROD_ORIGIN,
        "--assume-https",
        "--json",
        *account_options(accounts),
    )

    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stderr == ""
    report = json_report(out)
    assert report["ok"] is True
    assert (report["base_url"], report["site_mode"], report["phase"]) == (
        prod_server,
        "prod",
        "instructor_only",
    )
    seen = statuses(report)
    skipped = {name for name, status in seen.items() if status == "skip"}
    # Preview's gate does not exist in prod, and in instructor_only the gate stops the student
    # before the role gate could be reached.
    assert skipped == {
        "preview: locked without a pass",
        "preview: open with staff's pass",
        "bookings: student passes the role gate",
    }
    assert "fail" not in seen.values()
    for name in [
        "health",
        "site headers",
        "cors: front-end origin allowed",
        "cors: foreign origin refused",
        "cookies: csrf and guest",
        "cookies: session",
        "search history round trip",
        "register: invite required",
        "gate: student refused in instructor_only",
        "bookings: instructor may not book",
        "exempt endpoints x100",
        "cleanup",
    ]:
        assert seen[name] == "pass", name
    details = {c["name"]: c["detail"] for c in report["checks"]}
    assert "sid_prod (HttpOnly, Secure, SameSite=None)" in details["cookies: session"]
    assert details["bookings history: student"] == "403 beta_phase_restricted"


def test_it_changes_nothing_and_leaves_only_its_guest_behind(prod_server, accounts):
    out = smoke_check(
        "--base-url",
        prod_server,
        "--origin",
        PROD_ORIGIN,
        "--assume-https",
        env=account_env(accounts),
    )

    assert out.returncode == 0, out.stdout + out.stderr
    assert User.objects.count() == 3  # the register attempt created nobody
    assert not Booking.objects.exists()
    assert not SearchEntry.objects.exists()  # "smoke-check <id>" was deleted again
    assert BetaSettings.objects.get().phase == "instructor_only"
    assert not BetaSettingsChange.objects.exists()
    assert not Session.objects.exists()  # every login was logged out
    assert GuestSession.objects.count() == 1


def test_the_table_names_each_check_and_skips_what_needs_an_account(prod_server, accounts):
    out = smoke_check("--base-url", prod_server, "--origin", PROD_ORIGIN, "--assume-https")

    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == f"smoke_check {prod_server}: site mode prod, phase instructor_only"
    rows = {line.split(None, 1)[1].split("  ")[0]: line.split()[0] for line in lines[1:-2]}
    for name in ACCOUNT_CHECKS:
        assert rows[name] == "SKIP", name
    assert rows["register: invite required"] == "PASS"
    assert rows["exempt endpoints x100"] == "PASS"
    assert lines[-1].endswith("0 failed, 13 skipped: OK")


def test_a_wrong_origin_fails_the_run(prod_server, accounts):
    out = smoke_check(
        "--base-url",
        prod_server,
        "--origin",
        "https://beta.instainstru.co",
        "--assume-https",
        "--json",
        *account_options(accounts),
    )

    assert out.returncode == 1
    report = json_report(out)
    assert report["ok"] is False
    seen = statuses(report)
    assert seen["cors: front-end origin allowed"] == "fail"
    # The browser's Origin is not trusted for CSRF either, so logged-in writes are refused.
    assert seen["bookings: instructor may not book"] == "fail"
    assert "csrf_failed" in {c["name"]: c["detail"] for c in report["checks"]}["cleanup"]
    assert out.stderr.strip().count("\n") == 0
    assert "failed" in out.stderr


def test_without_assume_https_the_https_redirect_is_reported(prod_server, accounts):
    out = smoke_check("--base-url", prod_server, "--origin", PROD_ORIGIN, "--json")

    assert out.returncode == 1
    details = {c["name"]: c["detail"] for c in json_report(out)["checks"]}
    assert "301 to https://" in details["beta settings"]
    assert "--assume-https" in details["beta settings"]


def test_the_phase_decides_what_is_expected(prod_server, accounts):
    beta_settings_update(changed_by=None, via="test", phase="open")  # autocommit: bumps at once

    out = smoke_check(
        "--base-url",
        prod_server,
        "--origin",
        PROD_ORIGIN,
        "--assume-https",
        "--json",
        *account_options(accounts),
    )

    assert out.returncode == 0, out.stdout + out.stderr
    report = json_report(out)
    assert report["phase"] == "open"
    seen = statuses(report)
    assert seen["register: invite required"] == "skip"
    assert seen["gate: student refused in instructor_only"] == "skip"
    assert seen["bookings history: student"] == "pass"
    assert seen["bookings: student passes the role gate"] == "pass"
    assert not Booking.objects.exists()


def test_every_check_passes_on_a_healthy_preview_server(preview_server, accounts):
    out = smoke_check(
        "--base-url",
        preview_server,
        "--origin",
        PREVIEW_ORIGIN,
        "--assume-https",
        "--json",
        *account_options(accounts),
    )

    assert out.returncode == 0, out.stdout + out.stderr
    report = json_report(out)
    assert (report["ok"], report["site_mode"]) == (True, "preview")
    seen = statuses(report)
    assert {n for n, s in seen.items() if s == "skip"} == {
        "register: invite required",  # preview never needs an invite
        "gate: student refused in instructor_only",  # preview has no beta restrictions
    }
    assert seen["preview: locked without a pass"] == "pass"
    assert seen["preview: open with staff's pass"] == "pass"
    # Behind the pass every phase gate passes, for every account.
    assert seen["bookings history: student"] == "pass"
    assert seen["bookings: student passes the role gate"] == "pass"
    details = {c["name"]: c["detail"] for c in report["checks"]}
    assert (
        "preview_pass (HttpOnly, Secure, SameSite=None)"
        in details["preview: open with staff's pass"]
    )
    assert "sid_preview" in details["cookies: session"]
    assert not Booking.objects.exists()
    assert not SearchEntry.objects.exists()


def test_locked_preview_without_staff_passes_the_lock_check_and_skips_the_rest(
    preview_server, accounts
):
    out = smoke_check("--base-url", preview_server, "--assume-https", "--json")

    assert out.returncode == 0, out.stdout + out.stderr
    report = json_report(out)
    seen = statuses(report)
    assert seen["preview: locked without a pass"] == "pass"
    assert seen["preview: open with staff's pass"] == "skip"
    assert seen["cors: front-end origin allowed"] == "skip"  # no --origin
    assert seen["guest session"] == "skip"
    assert (
        "preview is locked" in {c["name"]: c["detail"] for c in report["checks"]}["guest session"]
    )

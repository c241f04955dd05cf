"""`manage.py ratelimit_policy` and the start-up check of RATELIMIT_POLICY."""

import copy
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from ratelimits.checks import check_policy


def _policy_output():
    out = StringIO()
    call_command("ratelimit_policy", stdout=out)
    return out.getvalue()


def test_it_prints_every_bucket_with_its_limit_window_and_key():
    lines = _policy_output().splitlines()

    def row(name):
        return next(line.split() for line in lines if line.startswith(name + " "))

    assert row("general")[-4:] == ["120", "1", "min", "identity"]
    assert row("login_ip")[1:] == ["POST", "/auth/login", "10", "1", "min", "ip"]
    assert row("login_email")[1:] == ["POST", "/auth/login", "5", "1", "min", "email"]
    assert row("register_ip")[-4:] == ["10", "1", "h", "ip"]
    assert row("search_history_write")[1:3] == ["POST", "/api/search-history/"]


def test_it_lists_what_is_never_counted():
    output = _policy_output()
    exempt = output.split("Never counted:")[1]

    for route in (
        "GET /auth/me",
        "POST /api/public/session/guest",
        "GET /api/search-history/",
        "OPTIONS *",
        "* /api/schema/*",
        "/health",
        "/r/<code>",
        "the admin",
    ):
        assert route in exempt


def test_it_shows_the_numbers_in_force(settings):
    policy = copy.deepcopy(django_settings.RATELIMIT_POLICY)
    policy["general"]["rate"] = "7/2s"
    settings.RATELIMIT_POLICY = policy
    settings.TRUSTED_PROXY_COUNT = 1

    output = _policy_output()

    general = next(line for line in output.splitlines() if line.startswith("general "))
    assert general.split()[-4:] == ["7", "2", "s", "identity"]
    assert "1 trusted proxy" in output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p["general"].update(rate="lots"), "count/period"),
        (lambda p: p["general"].update(key="cookie"), "key"),
        (lambda p: p["buckets"]["login_ip"].update(routes=[]), "no routes"),
        (lambda p: p["buckets"]["login_ip"].update(routes=["/auth/login"]), "METHOD /path"),
        (lambda p: p.pop("general"), "general"),
    ],
)
def test_a_broken_policy_fails_the_system_check(settings, change, message):
    policy = copy.deepcopy(django_settings.RATELIMIT_POLICY)
    change(policy)
    settings.RATELIMIT_POLICY = policy

    errors = check_policy(None)

    assert [e.id for e in errors] == ["ratelimits.E001"]
    assert message in errors[0].msg


def test_the_shipped_policy_passes_the_check():
    assert check_policy(None) == []


def test_a_deployed_site_may_not_count_in_a_per_process_cache(settings):
    settings.SITE_MODE = "prod"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    assert [e.id for e in check_policy(None)] == ["ratelimits.E002"]

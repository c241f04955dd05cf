"""Short windows for the rate-limit tests, and a way to start a burst inside one window."""

import copy
import time

import pytest
from django.conf import settings as django_settings

from ratelimits.limiter import bucket_usage
from ratelimits.policy import get_policy


@pytest.fixture
def rates(settings):
    """rates(login_ip="3/2s", general="1000/m"): the policy in settings with these rates.

    Goes through pytest-django's `settings`, i.e. override_settings, so it is undone after the
    test and the middleware re-reads the policy at once.
    """

    def apply(**by_bucket):
        policy = copy.deepcopy(django_settings.RATELIMIT_POLICY)
        for name, rate in by_bucket.items():
            spec = policy["general"] if name == "general" else policy["buckets"][name]
            spec["rate"] = rate
        settings.RATELIMIT_POLICY = policy
        return get_policy()

    return apply


def bucket(name):
    policy = get_policy()
    return (
        policy.general if name == "general" else next(b for b in policy.buckets if b.name == name)
    )


def start_in_fresh_window(name, value, need=1.0):
    """Waits, if needed, until the bucket's window for `value` has `need` seconds left.

    Windows are fixed, so a burst that straddles a window's end would see its count reset
    halfway; the burst has to start early enough in one window. Peeking does not count.
    """
    before = time.time()  # read first: a second ticking over during the peek errs early
    usage = bucket_usage(None, bucket(name), value, increment=False)
    frees_at = int(before) + usage["time_left"] + 1
    left = frees_at - time.time()
    if left < need:
        time.sleep(max(left, 0) + 0.02)


def retry_after_of(response):
    assert response.status_code == 429, response.content
    header = int(response["Retry-After"])
    assert response.json()["retry_after"] == header
    return header

"""Applies RATELIMIT_POLICY to every request, before DRF.

A middleware rather than DRF throttles: throttles run after authentication and permissions, so a
request the phase gate refuses, or a failed login that raises early, would never be counted
(encode/django-rest-framework#5234, #6136). Here every attempt counts, whatever its answer.
Placed after AuthenticationMiddleware (the user is an identity) and the preview gate.
"""

import logging
import time

from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

from instainstru.api import json_error
from ratelimits.limiter import request_count
from ratelimits.policy import get_policy

logger = logging.getLogger(__name__)

# django-redis re-raises the underlying redis error (or a socket timeout) when the cache is not
# set to ignore exceptions; django-ratelimit's RATELIMIT_FAIL_OPEN does not cover that path
# (jsocol/django-ratelimit#333), so the middleware catches them itself.
CACHE_ERRORS = (RedisError, ConnectionInterrupted, OSError)

# During an outage every request fails to count: one log line per minute says so, not thousands.
OUTAGE_LOG_EVERY = 60.0


def rate_limited(retry_after):
    unit = "second" if retry_after == 1 else "seconds"
    response = json_error(
        f"Too many requests. Try again in {retry_after} {unit}.",
        "rate_limited",
        429,
        retry_after=retry_after,
    )
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._outage_logged_at = None
        self._uncounted = 0

    def __call__(self, request):
        buckets = get_policy().decide(request.method, request.path_info).buckets
        if buckets:
            try:
                wait = request_count(request, buckets)
            except CACHE_ERRORS as exc:
                # Fail open: an unreachable Redis must not take the API down with it. /health
                # reports the cache as down meanwhile.
                self._log_outage(exc)
                wait = None
            if wait is not None:
                return rate_limited(wait)
        return self.get_response(request)

    def _log_outage(self, exc):
        self._uncounted += 1
        now = time.monotonic()
        if self._outage_logged_at is None or now - self._outage_logged_at >= OUTAGE_LOG_EVERY:
            logger.error(
                "rate limits: cache unreachable, letting requests through uncounted "
                "(%d since the last report): %s",
                self._uncounted,
                exc,
            )
            self._outage_logged_at = now
            self._uncounted = 0

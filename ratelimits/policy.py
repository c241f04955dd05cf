"""The rate-limit policy: settings.RATELIMIT_POLICY, parsed once and matched per request.

The table lives in settings so each environment (and a test, with override_settings) can change
the numbers without touching code. Its shape:

    RATELIMIT_POLICY = {
        "scope": ["/api/", "/auth/"],            # nothing outside these prefixes is counted
        "exempt": ["GET /auth/me", "* /api/schema/*", "OPTIONS *", ...],
        "general": {"rate": "120/m", "key": "identity"},
        "buckets": {"login_ip": {"routes": ["POST /auth/login"], "rate": "10/m", "key": "ip"}},
    }

A route is "METHOD PATH": METHOD is one HTTP method or "*"; PATH is exact (a trailing slash does
not matter) or ends in "*" for a prefix. Rates use django-ratelimit's "count/period" notation:
"120/m", "10/h", "3/2s". Keys: "identity" (the user, else a guest that exists, else the client
IP), "ip" (the client IP), "email" (the e-mail in a JSON body; without one the bucket is skipped).
The general bucket counts every request in scope that is not exempt; the named buckets count in
addition to it.
"""

import re
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

KEYS = ("identity", "ip", "email")
_RATE = re.compile(r"(\d+)/(\d*)([smhd])")
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Route:
    method: str  # "GET", ..., or "*"
    path: str  # exact path, or the prefix when `prefix` is set; "" with prefix means any path
    prefix: bool
    text: str  # as written in settings, for people

    @classmethod
    def parse(cls, text):
        method, _, path = str(text).strip().partition(" ")
        path = path.strip()
        if not method or not (path == "*" or path.startswith("/")):
            raise ImproperlyConfigured(
                f'RATELIMIT_POLICY: route "{text}" is not "METHOD /path" (METHOD may be "*", '
                'a path may end in "*")'
            )
        prefix = path.endswith("*")
        text = f"{method.upper()} {path}"
        return cls(method.upper(), path[:-1] if prefix else _strip_slash(path), prefix, text)

    def matches(self, method, path, bare_path):
        if self.method != "*" and self.method != method:
            return False
        if self.prefix:
            # "/api/schema/*" covers "/api/schema" too: the slash is not what makes it the schema.
            return path.startswith(self.path) or bare_path == _strip_slash(self.path)
        return bare_path == self.path

    def __str__(self):
        return self.text


@dataclass(frozen=True)
class Bucket:
    name: str
    routes: tuple[Route, ...]  # empty for the general bucket: it covers everything counted
    limit: int
    period: int  # seconds; windows are fixed, of this length
    key: str
    rate: str  # as written in settings, for people

    @property
    def group(self):
        # django-ratelimit folds the group and the rate into the counter's key, so changing a
        # limit starts fresh counters instead of reinterpreting old ones.
        return f"ratelimits.{self.name}"


@dataclass(frozen=True)
class Decision:
    buckets: tuple[Bucket, ...]  # empty: not counted at all
    reason: str  # why, for the policy command and for tests

    @property
    def counted(self):
        return bool(self.buckets)


class Policy:
    def __init__(self, config):
        if not isinstance(config, dict):
            raise ImproperlyConfigured("RATELIMIT_POLICY must be a dict.")
        self.scope = tuple(config.get("scope", ("/api/", "/auth/")))
        self.exempt = tuple(Route.parse(r) for r in config.get("exempt", ()))
        general = config.get("general")
        if not isinstance(general, dict):
            raise ImproperlyConfigured('RATELIMIT_POLICY needs a "general" bucket.')
        self.general = _bucket("general", general, routes=())
        buckets = config.get("buckets", {})
        if not isinstance(buckets, dict):
            raise ImproperlyConfigured('RATELIMIT_POLICY["buckets"] must be a dict of buckets.')
        self.buckets = tuple(_bucket(name, spec) for name, spec in buckets.items())

    def decide(self, method, path):
        """Which buckets a request counts in, or none and why not."""
        if not path.startswith(self.scope):
            return Decision((), "outside " + ", ".join(self.scope))
        bare = _strip_slash(path)
        for route in self.exempt:
            if route.matches(method, path, bare):
                return Decision((), f"exempt: {route}")
        strict = tuple(
            bucket
            for bucket in self.buckets
            if any(route.matches(method, path, bare) for route in bucket.routes)
        )
        names = ", ".join(b.name for b in (self.general, *strict))
        return Decision((self.general, *strict), f"counted: {names}")


def _strip_slash(path):
    return path.rstrip("/") or "/"


def parse_rate(rate):
    """'10/m' -> (10, 60), '3/2s' -> (3, 2); strict, unlike django-ratelimit's own parser."""
    match = _RATE.fullmatch(str(rate).strip())
    if not match:
        raise ImproperlyConfigured(
            f'RATELIMIT_POLICY: rate "{rate}" is not "count/period", e.g. "120/m" or "3/2s".'
        )
    count, multiplier, unit = match.groups()
    period = _PERIODS[unit] * int(multiplier or 1)
    if period <= 0:
        raise ImproperlyConfigured(f'RATELIMIT_POLICY: rate "{rate}" has an empty window.')
    return int(count), period


def _bucket(name, spec, routes=None):
    if not isinstance(spec, dict):
        raise ImproperlyConfigured(f'RATELIMIT_POLICY: bucket "{name}" must be a dict.')
    key = spec.get("key")
    if key not in KEYS:
        raise ImproperlyConfigured(
            f'RATELIMIT_POLICY: bucket "{name}" has key {key!r}; use one of {", ".join(KEYS)}.'
        )
    if routes is None:
        routes = tuple(Route.parse(r) for r in spec.get("routes", ()))
        if not routes:
            raise ImproperlyConfigured(f'RATELIMIT_POLICY: bucket "{name}" has no routes.')
    limit, period = parse_rate(spec.get("rate"))
    return Bucket(name, routes, limit, period, key, str(spec["rate"]))


@cache
def get_policy():
    return Policy(settings.RATELIMIT_POLICY)


@receiver(setting_changed)
def _forget_policy(*, setting, **kwargs):
    if setting == "RATELIMIT_POLICY":
        get_policy.cache_clear()

"""Counting a request in its buckets, with django-ratelimit's core on the "default" cache."""

import ipaddress
import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import UnreadablePostError
from django_ratelimit.core import get_usage

from instainstru.http import client_ip
from ratelimits.selectors import guest_is_known

# One subscriber usually holds a whole IPv6 /64: counting single addresses would hand a client
# 2**64 buckets to rotate through.
IPV6_PREFIX = 64


def ip_value(request):
    ip = client_ip(request)
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return f"ip:{ip}"
    if address.version == 6:
        address = ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False).network_address
    return f"ip:{address}"


def identity_value(request):
    """The user, else a guest that exists, else the client IP (API.md, "Rate limits")."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    guest_id = request.COOKIES.get(settings.GUEST_COOKIE_NAME)
    if guest_id and guest_is_known(guest_id):
        return f"guest:{guest_id}"
    return ip_value(request)


def email_value(request):
    """The e-mail of a JSON body, as the login compares it, or None.

    Whatever the body holds, the answer is an e-mail or None, never an exception: a malformed
    body is the view's to refuse (400), and meanwhile the request still counts per IP.
    BodySizeLimitMiddleware has already refused bodies over 1 MiB, so reading it here is bounded;
    DRF later parses the same cached bytes.
    """
    if request.content_type != "application/json":
        return None
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError, RequestDataTooBig, UnreadablePostError, OSError):
        return None
    email = data.get("email") if isinstance(data, dict) else None
    if not isinstance(email, str) or not email.strip():
        return None
    return "email:" + email.strip().lower()


_KEY_VALUES = {"identity": identity_value, "ip": ip_value, "email": email_value}


def request_count(request, buckets):
    """Counts the request in every bucket; answers the Retry-After seconds if any is over.

    Every attempt counts in all of its buckets, refused or not: a login refused for its e-mail
    still spends its address's allowance, so spraying e-mails from one address stays bounded.
    Raises the cache's errors: the caller decides to fail open.
    """
    values = {}
    refused = []
    for bucket in buckets:
        if bucket.key not in values:
            values[bucket.key] = _KEY_VALUES[bucket.key](request)
        value = values[bucket.key]
        if value is None:
            continue
        usage = bucket_usage(request, bucket, value, increment=True)
        if usage is not None and usage["count"] > usage["limit"]:
            refused.append(retry_after(usage))
    return max(refused) if refused else None


def bucket_usage(request, bucket, value, *, increment):
    """django-ratelimit's view of one counter: count, limit, time_left; None when disabled.

    The rate goes in as a (limit, period) tuple: a string rate containing a dot would be taken
    for an import path. When the cache answers nothing (a counter that vanished between its add
    and its incr) django-ratelimit reports count 0 of limit 0, which request_count's own
    `count > limit` lets through rather than refusing a request nobody counted.
    """
    return get_usage(
        request,
        group=bucket.group,
        key=lambda group, request: value,
        rate=(bucket.limit, bucket.period),
        increment=increment,
    )


def retry_after(usage):
    """Whole seconds until the window frees, rounded up, at least 1.

    django-ratelimit's window is named by the last whole second it covers, and time_left is that
    second minus the current whole second; the window frees when the next second begins.
    """
    return max(1, usage["time_left"] + 1)

"""Facts about the caller that several apps need, derived the same way everywhere."""

from django.conf import settings


def client_ip(request):
    """The client's address, trusting X-Forwarded-For only through our own proxies.

    Each of our TRUSTED_PROXY_COUNT proxies appends the address it saw, so the client is the
    entry that many places from the right. Entries further left were written by the client and
    could be anything: trusting the left-most one would let a caller choose its own rate-limit
    bucket. With too few entries the request did not come through our proxies; fall back to the
    socket's address.
    """
    count = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR", "")
    if count <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if len(hops) < count:
        return remote
    return hops[-count]

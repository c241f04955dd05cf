"""Reads the limiter needs: is a guest_id one we issued?"""

import hashlib

from django.core.cache import cache

from accounts.selectors import guest_get_active

# A guest id found in the database stays an identity for this long without another query; an
# unknown one is remembered for less, since a browser with an expired cookie gets a new id soon.
KNOWN_GUEST_SECONDS = 300
UNKNOWN_GUEST_SECONDS = 60


def guest_is_known(guest_id: str | None) -> bool:
    """Whether the guest_id cookie names a live guest session.

    Only a guest we created may be a rate-limit identity: otherwise a client would send a fresh
    made-up id with every request and get a fresh bucket each time. The answer sits in the cache
    so a real guest costs one query per few minutes, not one per request.
    """
    if not guest_id or len(guest_id) > 64:
        return False
    # Hashed: the raw id is a bearer credential for the guest's search history.
    key = "ratelimits:guest:" + hashlib.sha256(guest_id.encode(errors="surrogatepass")).hexdigest()
    known = cache.get(key)
    if known is None:
        known = int(guest_get_active(guest_id) is not None)
        cache.set(key, known, KNOWN_GUEST_SECONDS if known else UNKNOWN_GUEST_SECONDS)
    return bool(known)

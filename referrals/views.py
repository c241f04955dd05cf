"""The share link, /r/{code}: a plain Django view outside /api/, so neither the phase gate nor the
rate limits apply (API.md: "/r/{code} ... never limited")."""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from referrals.codes import normalize_code
from referrals.services import referral_click_record

COOKIE_NAME = "ref_code"
COOKIE_AGE = 60 * 60 * 24 * 30


def set_referral_cookie(response, code):
    """With the session cookie's flags: HttpOnly always, Secure and SameSite per environment.
    Scripts never need to read it; only registration does, server-side."""
    response.set_cookie(
        COOKIE_NAME,
        code,
        max_age=COOKIE_AGE,
        domain=settings.SESSION_COOKIE_DOMAIN,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite=settings.SESSION_COOKIE_SAMESITE,
    )


def referral_from_request(request, body_code: str | None) -> tuple[str | None, str | None]:
    """(code, how it was attributed) for registration: the body's code wins over the cookie."""
    if body_code:
        return body_code, "body"
    cookie_code = request.COOKIES.get(COOKIE_NAME)
    if cookie_code:
        return cookie_code, "cookie"
    return None, None


# never_cache: a browser or proxy replaying a cached redirect would neither count the click nor
# set the cookie.
@never_cache
@require_safe
def referral_click(request, code):
    response = HttpResponseRedirect(settings.FRONTEND_URL)
    # HEAD comes from link unfurlers and uptime checks, not people: no click, no cookie.
    if request.method == "GET" and referral_click_record(code=code):
        set_referral_cookie(response, normalize_code(code))
    return response

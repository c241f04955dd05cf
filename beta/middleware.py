"""Site headers on every response, and preview's staff gate."""

from django.conf import settings
from django.core import signing

from accounts.models import User
from beta.selectors import beta_phase_label
from instainstru.api import is_api_path, json_error

PREVIEW_PASS_COOKIE = "preview_pass"
PREVIEW_PASS_SALT = "beta.preview_pass"
PREVIEW_PASS_AGE = 12 * 60 * 60

# Reachable in preview without a pass: what a browser needs in order to unlock.
PREVIEW_OPEN = {
    ("GET", "/health"),
    ("HEAD", "/health"),
    ("POST", "/api/preview/unlock"),
    ("GET", "/auth/csrf"),
}


class SiteHeadersMiddleware:
    """X-Site-Mode and X-Beta-Phase on every response, errors included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["X-Site-Mode"] = settings.SITE_MODE
        response["X-Beta-Phase"] = beta_phase_label()
        return response


def preview_pass_user_id(request):
    try:
        return request.get_signed_cookie(
            PREVIEW_PASS_COOKIE, salt=PREVIEW_PASS_SALT, max_age=PREVIEW_PASS_AGE
        )
    except (KeyError, signing.BadSignature):
        return None


def preview_pass_valid(request):
    """A pass works only while its staff user is active and still staff: checked every request."""
    user_id = preview_pass_user_id(request)
    if not user_id:
        return False
    return User.objects.filter(pk=user_id, is_active=True, is_staff=True).exists()


def set_preview_pass(response, user):
    response.set_signed_cookie(
        PREVIEW_PASS_COOKIE,
        str(user.pk),
        salt=PREVIEW_PASS_SALT,
        max_age=PREVIEW_PASS_AGE,
        domain=settings.SESSION_COOKIE_DOMAIN,
        secure=True,
        httponly=True,
        samesite="None",
    )


class PreviewGateMiddleware:
    """In preview, /api/ and /auth/ need a staff member's preview_pass. Nothing but SITE_MODE,
    set by the settings module, turns this on or off."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SITE_MODE == "preview" and self.is_locked(request):
            if not preview_pass_valid(request):
                return json_error(
                    "Preview is for staff: unlock it with POST /api/preview/unlock.",
                    "preview_locked",
                    403,
                )
        return self.get_response(request)

    @staticmethod
    def is_locked(request):
        path = request.path
        if not is_api_path(path) or request.method == "OPTIONS":
            return False
        if path.startswith("/api/schema/"):
            return False
        return (request.method, path) not in PREVIEW_OPEN

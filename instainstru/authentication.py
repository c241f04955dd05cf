"""DRF session authentication (apart from instainstru.api: DRF imports it early)."""

from drf_spectacular.authentication import SessionScheme as _SpectacularSessionScheme
from rest_framework import authentication, exceptions


class CsrfFailed(exceptions.PermissionDenied):
    default_detail = "CSRF check failed: send the X-CSRFToken header from GET /auth/csrf."
    default_code = "csrf_failed"


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, with its CSRF refusal given the contract's code.

    As in DRF, CSRF is enforced for every unsafe request made with a logged-in session; anonymous
    calls to public endpoints (guest session, login, register) carry no session to ride on.
    """

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            raise CsrfFailed() from exc


class SessionScheme(_SpectacularSessionScheme):
    """Documents our session authentication in the OpenAPI schema as the session cookie."""

    target_class = SessionAuthentication

"""The phase gate: DRF's default permission for every API view (settings.REST_FRAMEWORK).

A view escapes it only by being named in PUBLIC_VIEWS with the reason, and by setting its own
permission_classes; `manage.py audit_beta_gates` fails when an API route does neither.
"""

from django.conf import settings
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from beta.models import Phase
from beta.selectors import beta_access_role, beta_state

# The public list of API.md, by view: dotted path → why it must stay reachable in every phase.
PUBLIC_VIEWS = {
    "accounts.api.CsrfApi": "auth: hands out the CSRF token",
    "accounts.api.RegisterApi": "auth: sign-up applies the invite rules itself",
    "accounts.api.LoginApi": "auth",
    "accounts.api.LogoutApi": "auth",
    "accounts.api.MeApi": "auth: the front end asks who is logged in on every page",
    "accounts.api.GuestSessionApi": "guest session",
    "search_history.api.SearchHistoryApi": "search history",
    "search_history.api.SearchEntryApi": "search history",
    "beta.api.BetaSettingsApi": "beta settings: GET is public, PUT is staff-only",
    "beta.api.PreviewUnlockApi": "preview unlock",
    "invites.api.InviteValidateApi": "invite validate",
    "invites.api.InviteRedeemApi": "invite redeem: needs a login of its own",
    "drf_spectacular.views.SpectacularAPIView": "schema",
    "instainstru.health.health": "health",
}


def view_name(view_class):
    return f"{view_class.__module__}.{view_class.__qualname__}"


def deny(detail, code):
    raise exceptions.PermissionDenied(detail, code=code)


class PhaseGate(BasePermission):
    """API.md's decision table. SITE_MODE comes from the settings module only: no header, cookie
    or parameter of the request is read here."""

    def has_permission(self, request, view):
        if settings.SITE_MODE == "preview":
            return True  # the preview staff gate (middleware) already let this request in
        state = beta_state()
        if not state.restricts:
            return True
        user = request.user
        if not user.is_authenticated:
            raise exceptions.NotAuthenticated()
        if user.is_staff or state.phase == Phase.OPEN_BETA:
            return True
        has_access = beta_access_role(user) is not None
        if state.phase == Phase.INSTRUCTOR_ONLY and not user.is_instructor:
            deny(
                "During this phase of the beta only instructors may use this.",
                "beta_phase_restricted",
            )
        if not has_access:
            deny("This needs beta access: redeem an invite first.", "beta_access_required")
        return True

"""Reads of the beta state. The phase lives in the shared cache so every process agrees at once."""

import logging
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache

from beta.models import BetaAccess, BetaSettings, Phase

logger = logging.getLogger(__name__)

# The settings are cached under a version that every change bumps (beta.services). Readers fetch
# the current version, then the settings stored under it: a change is seen by every process on
# its next request, with no per-process copy to go stale (django-waffle #264, #350).
VERSION_KEY = "beta:settings:version"
SETTINGS_KEY = "beta:settings"
SETTINGS_TTL = 60 * 60


@dataclass(frozen=True)
class BetaState:
    phase: str
    beta_disabled: bool
    allow_signup_without_invite: bool

    @property
    def label(self):
        """What X-Beta-Phase says: the phase, or "disabled"."""
        return "disabled" if self.beta_disabled else self.phase

    @property
    def restricts(self):
        """Whether the phase gate restricts anyone at all (preview aside)."""
        return not self.beta_disabled and self.phase != Phase.OPEN

    def invite_required_at_signup(self):
        if settings.SITE_MODE == "preview":
            return False
        return (
            not self.beta_disabled
            and self.phase in (Phase.INSTRUCTOR_ONLY, Phase.ALPHA)
            and not self.allow_signup_without_invite
        )


def _from_row(row):
    return BetaState(
        # str(): a freshly created row holds the Phase member, which WSGI refuses in a header.
        phase=str(row.phase),
        beta_disabled=row.beta_disabled,
        allow_signup_without_invite=row.allow_signup_without_invite,
    )


def beta_phase_label() -> str:
    """The phase label for headers and /health, or "unknown" when neither the cache nor the
    database can say (the answer, e.g. /health's 503, must still go out)."""
    try:
        return beta_state().label
    except Exception:
        logger.warning("beta: phase unknown", exc_info=True)
        return "unknown"


def beta_settings_row():
    row, _ = BetaSettings.objects.get_or_create(id=BetaSettings.SINGLETON_ID)
    return row


def beta_state() -> BetaState:
    """The current beta state: two cache reads when warm, the database when the cache is cold.

    A Redis outage degrades to one query per call rather than failing the request.
    """
    try:
        version = cache.get(VERSION_KEY)
        if version is not None:
            cached = cache.get(SETTINGS_KEY, version=version)
            if cached is not None:
                return BetaState(**cached)
    except Exception:
        logger.warning("beta: cache unreachable, reading the phase from the database")
        return _from_row(beta_settings_row())

    state = _from_row(beta_settings_row())
    try:
        if version is None:
            # add(), not set(): a concurrent bump must not be overwritten. A clock-based start
            # never reuses a number whose settings may still sit in the cache from before.
            cache.add(VERSION_KEY, time.time_ns(), timeout=None)
            version = cache.get(VERSION_KEY)
        cache.set(SETTINGS_KEY, asdict(state), timeout=SETTINGS_TTL, version=version)
    except Exception:
        logger.warning("beta: could not cache the phase", exc_info=True)
    return state


def beta_access_role(user):
    """The role of the user's active beta grant, or None. Anonymous users have none.

    accounts.backends annotates session users with their grant's role, so the common case costs no
    query; a user object from elsewhere costs one.
    """
    if not user.is_authenticated:
        return None
    if hasattr(user, "active_beta_role"):
        return user.active_beta_role  # a role string, or None
    grant = (
        BetaAccess.objects.filter(user=user, revoked_at__isnull=True).values_list("role").first()
    )
    user.active_beta_role = grant[0] if grant else None
    return user.active_beta_role


def beta_summary_for(user):
    """The "beta" object of GET /auth/me."""
    role = beta_access_role(user)
    return {"phase": beta_state().label, "has_access": role is not None, "access_role": role}

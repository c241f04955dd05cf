"""`manage.py check` (and every start-up) refuses a RATELIMIT_POLICY the middleware cannot apply."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from ratelimits.policy import Policy

# A per-process counter lets every worker grant the full limit again: fine on a laptop only.
_NOT_SHARED = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@checks.register(checks.Tags.security)
def check_policy(app_configs, **kwargs):
    errors = []
    try:
        Policy(getattr(settings, "RATELIMIT_POLICY", None))
    except ImproperlyConfigured as exc:
        errors.append(checks.Error(str(exc), id="ratelimits.E001"))
    cache_alias = getattr(settings, "RATELIMIT_USE_CACHE", "default")
    backend = settings.CACHES.get(cache_alias, {}).get("BACKEND")
    if settings.SITE_MODE != "local" and backend in _NOT_SHARED:
        errors.append(
            checks.Error(
                f'Rate limits count in the "{cache_alias}" cache, {backend}, which is not shared '
                "between processes: every worker would allow the full limit.",
                hint="Set REDIS_URL.",
                id="ratelimits.E002",
            )
        )
    return errors

"""GET /health: is this process able to serve? Probes the database and the cache for real."""

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from beta.selectors import beta_phase_label

logger = logging.getLogger(__name__)


def database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("health: database probe failed")
        return False


def cache_ok():
    # A write and a read back: a cache that accepts connections but cannot store is down too.
    key = f"health:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=5)
        ok = cache.get(key) == "1"
        cache.delete(key)
        return ok
    except Exception:
        logger.warning("health: cache probe failed", exc_info=True)
        return False


@never_cache
@require_GET
def health(request):
    db = database_ok()
    cached = cache_ok()
    body = {
        "status": "ok" if db and cached else ("degraded" if db else "down"),
        "db": "ok" if db else "down",
        "cache": "ok" if cached else "down",
        "site_mode": settings.SITE_MODE,
        "phase": beta_phase_label(),
    }
    if not db:
        body.update(detail="The database is unreachable.", code="unavailable")
        return JsonResponse(body, status=503)
    return JsonResponse(body)

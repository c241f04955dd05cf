"""Hardening shared by the two deployed environments, preview and prod.

Not an environment of its own: settings.preview and settings.prod import it and set what differs
(SITE_MODE, cookie names, default origins). Secrets have no default: a missing SECRET_KEY or
DATABASE_URL stops start-up with django-environ's ImproperlyConfigured, which names the variable.
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[".instainstru.com"])

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": redis_cache(REDIS_URL, ignore_exceptions=False),  # noqa: F405
    "sessions": redis_cache(REDIS_URL, ignore_exceptions=True),  # noqa: F405
}

# --- HTTPS behind the hosting proxy ---------------------------------------------------------
# The proxy terminates TLS and says so in X-Forwarded-Proto; without this header Django would
# think every request is plain HTTP and refuse Secure cookies' CSRF checks.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# The load balancer's health probe talks plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)

# --- Cookies --------------------------------------------------------------------------------
# The front end lives on another origin, so cookies must travel cross-site: SameSite=None, which
# browsers only accept together with Secure.
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_SAMESITE = "None"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_SAMESITE = "None"

# --- Logging --------------------------------------------------------------------------------
# One JSON object per line on stdout, for the platform's log collector to index. Each line
# carries the id of the request that wrote it, the same id the client got as X-Request-ID and
# gunicorn wrote in its access log (gunicorn.conf.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "instainstru.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # 4xx answers are the clients' business (and /auth/me's 401 comes with every page load).
    "loggers": {"django.request": {"level": "ERROR"}},
}

MAILERS = mailers_from_url(env("EMAIL_URL", default="smtp://localhost:25"))  # noqa: F405

# --- Background tasks -----------------------------------------------------------------------
# Queued in PostgreSQL and run by `manage.py db_worker` processes (as many as the load needs).
# Every task uses the "default" queue, the one db_worker reads unless told otherwise.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

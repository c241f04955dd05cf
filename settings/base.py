"""Settings shared by every environment.

Each environment module (local, test, preview, prod) imports this one and then sets what differs.
The environment is read here, through django-environ, and nowhere else.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# Which room this process serves. Set by the settings module only, never by a request.
SITE_MODE = "local"

SECRET_KEY = env("SECRET_KEY", default="local-only-insecure-key-do-not-deploy")
DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "corsheaders",
    "drf_spectacular",
    "django_tasks_db",  # the database task queue of preview and prod (settings._deployed)
    "accounts",
    "beta",
    "invites",
    "bookings",
    "ratelimits",
    "search_history",
    "referrals",
]

MIDDLEWARE = [
    "instainstru.middleware.RequestIdMiddleware",  # first: every answer carries X-Request-ID
    "django.middleware.security.SecurityMiddleware",
    "beta.middleware.SiteHeadersMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "instainstru.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "beta.middleware.PreviewGateMiddleware",
    "ratelimits.middleware.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "instainstru.urls"
WSGI_APPLICATION = "instainstru.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# The embedded default lets `make run` work on a bare laptop; every other environment sets
# DATABASE_URL to PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Cache ----------------------------------------------------------------------------------
# "default" holds counters and the beta phase and raises when Redis is down, so callers decide
# how to degrade. "sessions" sits in front of the session table and swallows Redis errors
# (logged), so a Redis outage falls back to the database and logs nobody out.
REDIS_URL = env("REDIS_URL", default="")


def redis_cache(url, *, ignore_exceptions):
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "ii",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            # A dead Redis must cost milliseconds, not the default multi-second hang.
            "SOCKET_CONNECT_TIMEOUT": 0.25,
            "SOCKET_TIMEOUT": 0.25,
            "IGNORE_EXCEPTIONS": ignore_exceptions,
        },
    }


if REDIS_URL:
    CACHES = {
        "default": redis_cache(REDIS_URL, ignore_exceptions=False),
        "sessions": redis_cache(REDIS_URL, ignore_exceptions=True),
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "sessions": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "sessions",
        },
    }
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# --- Sessions and cookies -------------------------------------------------------------------
# Sessions live in the database with the cache in front: web processes stay stateless and a
# Redis outage only costs a query. The cookie name differs per environment so a preview session
# is never sent to, or accepted by, prod.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "sessions"
SESSION_COOKIE_NAME = "sid_local"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = False
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_DOMAIN = env("SESSION_COOKIE_DOMAIN", default=None)

# The CSRF cookie follows the session cookie's flags. HttpOnly is safe because clients read the
# token from GET /auth/csrf, not from the cookie.
CSRF_COOKIE_NAME = "csrftoken"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = False
CSRF_COOKIE_DOMAIN = SESSION_COOKIE_DOMAIN
CSRF_HEADER_NAME = "HTTP_X_CSRFTOKEN"
CSRF_FAILURE_VIEW = "instainstru.api.csrf_failure"

GUEST_COOKIE_NAME = "guest_id"
GUEST_COOKIE_AGE = 60 * 60 * 24 * 30

# --- CORS and trusted origins ---------------------------------------------------------------
DEFAULT_ORIGINS = ["http://localhost:3000"]
CORS_ALLOW_CREDENTIALS = True
CORS_EXPOSE_HEADERS = ["X-Site-Mode", "X-Beta-Phase", "Retry-After", "X-Request-ID"]

# --- Proxy ----------------------------------------------------------------------------------
# How many proxies we run in front of gunicorn; X-Forwarded-For entries beyond that many are
# client-chosen and never trusted (see instainstru.http.client_ip).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Rate limits ----------------------------------------------------------------------------
# API.md "Rate limits", applied by ratelimits.middleware before DRF and counted in the "default"
# cache (Redis), so the numbers hold across workers and hosts. Rates are "count/period" ("120/m",
# "10/h", "3/2s"); an environment overrides the numbers by replacing this dict. Routes are
# "METHOD /path" ("*" for any method, a trailing "*" for a prefix). `manage.py ratelimit_policy`
# prints what is in force.
RATELIMIT_POLICY = {
    "scope": ["/api/", "/auth/"],
    # The front end calls these on every page load (twice in React's strict mode).
    "exempt": [
        "OPTIONS *",
        "GET /auth/me",
        "POST /api/public/session/guest",
        "GET /api/search-history/",
        "* /api/schema/*",
    ],
    "general": {"rate": "120/m", "key": "identity"},
    "buckets": {
        "login_ip": {"routes": ["POST /auth/login"], "rate": "10/m", "key": "ip"},
        "login_email": {"routes": ["POST /auth/login"], "rate": "5/m", "key": "email"},
        "register_ip": {"routes": ["POST /auth/register"], "rate": "10/h", "key": "ip"},
        # One bucket for both: each tries a code, so together they bound guessing per address.
        "invites_ip": {
            "routes": ["GET /api/beta/invites/validate", "POST /api/beta/invites/redeem"],
            "rate": "20/m",
            "key": "ip",
        },
        "search_history_write": {
            "routes": ["POST /api/search-history/"],
            "rate": "60/m",
            "key": "identity",
        },
        "preview_unlock_ip": {"routes": ["POST /api/preview/unlock"], "rate": "10/m", "key": "ip"},
    },
}
RATELIMIT_USE_CACHE = "default"

# --- Request size ---------------------------------------------------------------------------
API_MAX_BODY_BYTES = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES

# --- Front end, e-mail ----------------------------------------------------------------------
FRONTEND_URL = env("FRONTEND_URL", default="http://localhost:3000")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="InstaInstru <beta@instainstru.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL


def mailers_from_url(url):
    """Django 6.1's MAILERS, built from django-environ's EMAIL_URL schemes (smtp+tls://, ...)."""
    config = environ.Env.email_url_config(url)
    options = {
        "host": config.get("EMAIL_HOST"),
        "port": config.get("EMAIL_PORT"),
        "username": config.get("EMAIL_HOST_USER"),
        "password": config.get("EMAIL_HOST_PASSWORD"),
        "use_tls": config.get("EMAIL_USE_TLS"),
        "use_ssl": config.get("EMAIL_USE_SSL"),
        "file_path": config.get("EMAIL_FILE_PATH"),
        "timeout": 10,
    }
    backend = config["EMAIL_BACKEND"]
    if not backend.endswith("smtp.EmailBackend"):
        options = {"file_path": options["file_path"]} if options["file_path"] else {}
    options = {k: v for k, v in options.items() if v not in (None, "")}
    return {"default": {"BACKEND": backend, "OPTIONS": options}}


MAILERS = mailers_from_url(env("EMAIL_URL", default="consolemail://"))

# --- Background tasks -----------------------------------------------------------------------
# django.tasks: the code only enqueues, so the backend is a setting. Locally and in tests a task
# runs at once in the process that enqueues it; preview and prod queue in the database for
# `manage.py db_worker` (settings._deployed).
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# --- I18N, static ---------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- Django REST framework ------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["instainstru.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["beta.permissions.PhaseGate"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["instainstru.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "instainstru.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "InstaInstru beta API",
    "DESCRIPTION": "Accounts, guest sessions, search history, beta phases and invites.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "INFO"},
    },
}

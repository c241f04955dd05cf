"""The real beta: a phase decides who may use the platform."""

from ._deployed import *  # noqa: F403
from ._deployed import env

SITE_MODE = "prod"
SESSION_COOKIE_NAME = "sid_prod"

CORS_ALLOWED_ORIGINS = env.list(
    "CORS_ALLOWED_ORIGINS",
    default=["https://beta.instainstru.com", "https://instainstru.com"],
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=CORS_ALLOWED_ORIGINS)
FRONTEND_URL = env("FRONTEND_URL", default="https://beta.instainstru.com")

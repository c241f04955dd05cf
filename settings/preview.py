"""Preview: a staff-only training room on mock data where nothing is restricted."""

from ._deployed import *  # noqa: F403
from ._deployed import env

SITE_MODE = "preview"
SESSION_COOKIE_NAME = "sid_preview"

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=["https://preview.instainstru.com"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=CORS_ALLOWED_ORIGINS)
FRONTEND_URL = env("FRONTEND_URL", default="https://preview.instainstru.com")

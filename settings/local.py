"""A developer's laptop: SQLite and local memory unless DATABASE_URL/REDIS_URL say else."""

from .base import *  # noqa: F403
from .base import env

SITE_MODE = "local"
DEBUG = env.bool("DEBUG", default=True)

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=["http://localhost:3000"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=CORS_ALLOWED_ORIGINS)

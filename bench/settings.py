"""Settings for bench/load.py: production as deployed, plus the bare-Django baseline routes.

settings.prod unchanged (DEBUG off, persistent database connections, Secure cookies behind
X-Forwarded-Proto, the rate limiter with its deployed numbers, prod logging); only the URLconf
differs. The baseline routes live under /bench/, outside the limiter's /api/ and /auth/ scope, so
they pay for the same middleware as every request and for no counting. The project's endpoints
keep the deployed policy: the load runner measures only exempt ones with wrk, and the locust run
paces each simulated user well inside its 60 searches a minute.

Needs SECRET_KEY, DATABASE_URL, REDIS_URL and ALLOWED_HOSTS in the environment, as prod does.
"""

from settings.prod import *  # noqa: F403

ROOT_URLCONF = "bench.baseline_urls"

"""Settings for bench/ratelimit_overhead.py: settings.test plus twin endpoints, one exempt.

Both twins run the same trivial view, so the difference between them is the limiter alone. The
general limit is high enough never to trip: what is measured is the cost of counting.
"""

from settings.test import *  # noqa: F403
from settings.test import RATELIMIT_POLICY as _POLICY

ROOT_URLCONF = "bench.ratelimit_urls"

RATELIMIT_POLICY = {
    **_POLICY,
    "exempt": [*_POLICY["exempt"], "GET /api/bench/exempt"],
    "general": {"rate": "1000000000/m", "key": "identity"},
}

"""Prints the rate-limit policy in force, what is counted and what never is."""

from django.conf import settings
from django.core.management.base import BaseCommand

from ratelimits.policy import get_policy

KEY_HELP = {
    "identity": "the user, else a guest that exists (guest_id cookie), else the client IP",
    "ip": "the client IP",
    "email": "the e-mail in the JSON body (bucket skipped without one)",
}


def window(seconds):
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


class Command(BaseCommand):
    help = (
        "Prints the effective rate-limit policy (settings.RATELIMIT_POLICY): each bucket with its "
        "routes, limit, window and key, then everything that is never counted."
    )

    def handle(self, *args, **options):
        policy = get_policy()
        enabled = getattr(settings, "RATELIMIT_ENABLE", True)
        cache_alias = getattr(settings, "RATELIMIT_USE_CACHE", "default")
        backend = settings.CACHES[cache_alias]["BACKEND"].rsplit(".", 1)[-1]
        write = self.stdout.write

        write(
            f"Rate limits: {'on' if enabled else 'OFF (RATELIMIT_ENABLE=False)'}; "
            f'counted in the "{cache_alias}" cache ({backend}), fixed windows, before DRF; '
            "fail open when the cache is unreachable."
        )
        proxies = settings.TRUSTED_PROXY_COUNT
        write(
            f"Client IP: {proxies} trusted prox{'y' if proxies == 1 else 'ies'} "
            + (
                "(X-Forwarded-For ignored)."
                if proxies <= 0
                else f"(entry {proxies} from the right of X-Forwarded-For)."
            )
        )
        write("")
        rows = [("bucket", "routes", "limit", "window", "key")]
        scope = ", ".join(policy.scope)
        for bucket in (policy.general, *policy.buckets):
            routes = (
                ", ".join(str(r) for r in bucket.routes) or f"every counted request under {scope}"
            )
            rows.append((bucket.name, routes, str(bucket.limit), window(bucket.period), bucket.key))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            write("  ".join(cells).rstrip())
        write("Named buckets count in addition to general; a request over any one gets 429.")
        write("")
        write("Keys:")
        for key, text in KEY_HELP.items():
            write(f"  {key}: {text}")
        write("")
        write("Never counted:")
        for route in policy.exempt:
            note = "  (CORS preflights)" if route.method == "OPTIONS" else ""
            write(f"  {route}{note}")
        write(f"  anything outside {scope} (/health, /r/<code>, the admin)")

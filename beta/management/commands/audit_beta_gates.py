"""Lists every route with its phase gate, and fails when an API route has none."""

from django.core.management.base import BaseCommand, CommandError
from django.urls import URLPattern, URLResolver, get_resolver

from beta.permissions import PUBLIC_VIEWS, PhaseGate, view_name

API_PREFIXES = ("api/", "auth/")


def walk(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def gate_of(route, callback):
    """(view name, verdict, ok) for one route."""
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    name = view_name(view_class) if view_class else f"{callback.__module__}.{callback.__name__}"
    if name in PUBLIC_VIEWS:
        return name, f"public: {PUBLIC_VIEWS[name]}", True
    if not route.startswith(API_PREFIXES):
        return name, "not an API route", True
    permissions = getattr(view_class, "permission_classes", None) or []
    if any(isinstance(p, type) and issubclass(p, PhaseGate) for p in permissions):
        return name, "gated", True
    return name, "NO GATE and not public", False


class Command(BaseCommand):
    help = (
        "Print every URL route, its view and whether the beta phase gate applies (or why the "
        "route is public). Exits non-zero when a non-public API route has no gate."
    )

    def handle(self, *args, **options):
        rows = [(route, *gate_of(route, cb)) for route, cb in walk(get_resolver().url_patterns)]
        width = max(len(r[0]) for r in rows)
        for route, name, verdict, _ in rows:
            self.stdout.write(f"/{route:<{width}}  {verdict:<55}  {name}")
        missing = [r for r in rows if not r[3]]
        api = [r for r in rows if r[0].startswith(API_PREFIXES)]
        self.stdout.write(
            f"\n{len(rows)} routes, {len(api)} API routes, {len(missing)} without a gate."
        )
        if missing:
            raise CommandError(
                "API routes with no phase gate: " + ", ".join("/" + r[0] for r in missing)
            )

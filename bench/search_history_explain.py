"""Search history on a million rows: the plan and the time of GET /api/search-history/?limit=3.

Run by hand, against a PostgreSQL server you may create a database on:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ii_search REDIS_URL=redis://127.0.0.1:6379/3 \
        .venv/bin/python bench/search_history_explain.py [--rows 1000000] [--keep]

It creates a scratch database named after DATABASE_URL's with a "_bench" suffix (dropped at the
end unless --keep), migrates it, fills the entries with one INSERT ... SELECT over
generate_series, runs EXPLAIN (ANALYZE, BUFFERS) on the exact SQL the endpoint sends for a guest
and for a user, times the endpoint through the whole Django stack (test client, no network), times
the record upsert, and times the purge batch by batch. It prints Markdown for bench/RESULTS.md.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GUEST_SHARE = 0.5  # half the rows belong to guests, half to users
ENTRIES_PER_GUEST = 10
ENTRIES_PER_USER = 20
MEASURED_OWNER_ENTRIES = 50  # the measured guest and user are heavy searchers
REQUESTS = 500


def scratch_url(url):
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_bench"
    return name, urlunsplit(parts._replace(path="/" + name))


def recreate_database(url, name):
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url, name):
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def timed(fn, n):
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "median": statistics.median(samples),
        "p95": samples[int(0.95 * len(samples)) - 1],
        "max": samples[-1],
    }


def fmt(t):
    return f"median {t['median']:.2f} ms, p95 {t['p95']:.2f} ms, max {t['max']:.2f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL")
    if not base_url or not base_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (the scratch database goes beside it).")
    name, url = scratch_url(base_url)
    recreate_database(base_url, name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.test")

    import django

    django.setup()
    try:
        run(args, name)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(base_url, name)


def run(args, name):
    from datetime import timedelta

    from django.core.cache import caches
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import GuestSession, User
    from search_history.services import search_entry_record, search_history_purge

    out = []
    call_command("migrate", verbosity=0)
    for alias in ("default", "sessions"):
        caches[alias].clear()

    guest_rows = int(args.rows * GUEST_SHARE)
    guests = guest_rows // ENTRIES_PER_GUEST
    users = (args.rows - guest_rows) // ENTRIES_PER_USER
    started = time.perf_counter()
    # Guests last seen up to 45 days ago (a third of them expired), users made without a usable
    # password: enough for rows to exist, cheap to create.
    now = timezone.now()
    GuestSession.objects.bulk_create(
        (GuestSession(last_seen_at=now - timedelta(days=45 * i / guests)) for i in range(guests)),
        batch_size=10_000,
    )
    User.objects.bulk_create(
        (
            User(email=f"bench{i}@example.com", full_name=f"Bench {i}", password="!")
            for i in range(users)
        ),
        batch_size=10_000,
    )
    measured_guest = GuestSession.objects.create()
    measured_user = User.objects.create_user("measured@example.com", "x" * 20, full_name="M")

    fill = """
        INSERT INTO search_history_searchentry
            (user_id, guest_id, query, normalized_query, search_type, results_count,
             search_count, first_searched_at, last_searched_at)
        SELECT user_id, guest_id, 'Query ' || n, 'query ' || n, 'natural_language', n %% 40,
               1 + n %% 5, t - interval '2 days', t
        FROM (
            SELECT NULL::bigint AS user_id, g.id AS guest_id, n,
                   now() - random() * interval '60 days' AS t
            FROM accounts_guestsession g CROSS JOIN generate_series(1, %(per_guest)s) n
            WHERE g.id <> %(measured_guest)s
            UNION ALL
            SELECT u.id, NULL, n, now() - random() * interval '60 days'
            FROM accounts_user u CROSS JOIN generate_series(1, %(per_user)s) n
            WHERE u.id <> %(measured_user)s
            UNION ALL
            SELECT NULL, %(measured_guest)s, n, now() - n * interval '1 hour'
            FROM generate_series(1, %(heavy)s) n
            UNION ALL
            SELECT %(measured_user)s, NULL, n, now() - n * interval '1 hour'
            FROM generate_series(1, %(heavy)s) n
        ) rows
    """
    with connection.cursor() as cursor:
        cursor.execute(
            fill,
            {
                "per_guest": ENTRIES_PER_GUEST,
                "per_user": ENTRIES_PER_USER,
                "measured_guest": measured_guest.pk,
                "measured_user": measured_user.pk,
                "heavy": MEASURED_OWNER_ENTRIES,
            },
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE search_history_searchentry")
        cursor.execute("VACUUM ANALYZE accounts_guestsession")
        cursor.execute("VACUUM ANALYZE accounts_user")
        cursor.execute("SELECT count(*), count(guest_id) FROM search_history_searchentry")
        total, guest_total = cursor.fetchone()
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('search_history_searchentry'))"
        )
        (size,) = cursor.fetchone()
    fill_seconds = time.perf_counter() - started

    out.append(
        f"Table: {total:,} entries ({guest_total:,} of {guests:,} guests, "
        f"{total - guest_total:,} of {users:,} users), {size} with indexes; filled and analyzed "
        f"in {fill_seconds:.0f} s. PostgreSQL {connection.pg_version // 10000}, scratch database "
        f"`{name}`."
    )

    guest_client = Client()
    guest_client.cookies["guest_id"] = measured_guest.pk
    user_client = Client()
    user_client.force_login(measured_user)

    for label, client in (("guest", guest_client), ("user", user_client)):
        client.get("/api/search-history/")  # warms the session and beta phase caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/search-history/", {"limit": 3})
        assert response.status_code == 200 and len(response.json()) == 3, response.content
        # Read now: the next request's request_started signal empties the query log.
        count = len(queries)
        sql = [q["sql"] for q in queries if "search_history_searchentry" in q["sql"]][0]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        endpoint = timed(lambda c=client: c.get("/api/search-history/", {"limit": 3}), REQUESTS)
        out.append(f"\n### GET /api/search-history/?limit=3 as a {label}\n")
        out.append(f"{count} quer{'y' if count == 1 else 'ies'} per request. SQL:\n")
        out.append("```sql\n" + sql + "\n```\n")
        out.append("```\n" + plan + "\n```\n")
        out.append(f"Endpoint, {REQUESTS} requests through the Django stack: {fmt(endpoint)}.")

    counter = iter(range(10**9))
    upsert_repeat = timed(
        lambda: search_entry_record(
            user=measured_user, guest_id=None, query="Query 7", search_type="natural_language"
        ),
        REQUESTS,
    )
    upsert_new = timed(
        lambda: search_entry_record(
            user=measured_user,
            guest_id=None,
            query=f"new search {next(counter)}",
            search_type="natural_language",
        ),
        REQUESTS,
    )
    out.append("\n### Recording a search (the upsert, service call)\n")
    out.append(f"- repeated query (conflict, update): {fmt(upsert_repeat)}")
    out.append(f"- new query (insert): {fmt(upsert_new)}")

    batches = []
    last = [time.perf_counter()]

    def on_batch(kind, count):
        now_ = time.perf_counter()
        batches.append((kind, count, (now_ - last[0]) * 1000))
        last[0] = now_

    out.append("\n### Purge (`purge_search_history`, default 30 days, batches of 1000)\n")
    started = time.perf_counter()
    result = search_history_purge(retention_days=30, batch_size=1000, on_batch=on_batch)
    purge_seconds = time.perf_counter() - started
    for kind in ("entries", "guests"):
        durations = sorted(b[2] for b in batches if b[0] == kind)
        if durations:
            out.append(
                f"- purge {kind}: {len([b for b in batches if b[0] == kind])} batches of up to "
                f"1000, each a transaction of median {statistics.median(durations):.0f} ms, "
                f"max {durations[-1]:.0f} ms"
            )
    out.append(
        f"- purge total: {result.old_entries:,} old guest entries, {result.expired_guests:,} "
        f"expired guests with {result.expired_guest_entries:,} more entries, "
        f"in {purge_seconds:.1f} s"
    )
    print("\n".join(out))


if __name__ == "__main__":
    main()

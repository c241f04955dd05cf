"""Bulk invites: writing and queueing a 10,000-address batch, and sending it with the database
worker, against doing the same one invite at a time.

Run by hand, against a PostgreSQL server you may create a database on:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ii_invites REDIS_URL=redis://127.0.0.1:6379/5 \
        .venv/bin/python bench/invites_bulk.py [--size 10000] [--one-by-one 500] [--keep]

It creates a scratch database named after DATABASE_URL's with a "_bench" suffix (dropped at the
end unless --keep) and migrates it. Settings are settings.test with the task backend of preview
and prod (django-tasks-db) and the locmem mail backend, so the numbers are the application's and
the database's, not an SMTP server's. Measured:

1. invite_batch_create for --size new addresses: parse-free (rows given), judging every address
   (two queries), one transaction writing the batch and its invites, the send tasks queued on
   commit. Three runs, fresh addresses each time.
2. `manage.py db_worker --batch` (in this process, so the locmem outbox can be counted) sending
   the first of those batches: claims of 100 with SKIP LOCKED, one connection per chunk, one
   UPDATE per invite.
3. The same, one invite at a time, for --one-by-one addresses: a batch of one per address
   (one transaction and one queued task each), then the worker running one task per invite
   (one mail connection each). Extrapolated linearly to --size.

It prints Markdown for bench/RESULTS.md.
"""

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_CREATE_S = 3.0
TARGET_SEND_S = 60.0


def scratch_url(url):
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_bench"
    return name, urlunsplit(parts._replace(path="/" + name))


def admin_url(url):
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def recreate_database(url, name):
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url, name):
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--one-by-one", type=int, default=500)
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
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(base_url, name)


def run(args):
    from django.core import mail
    from django.core.cache import caches
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings
    from django_tasks_db.models import DBTaskResult

    from invites import services
    from invites.models import Invite, SendStatus
    from invites.parsing import Row

    for logger in ("invites", "django.tasks", "django_tasks_db"):
        logging.getLogger(logger).setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    for alias in ("default", "sessions"):
        caches[alias].clear()

    def rows(prefix, n):
        return [Row(email=f"{prefix}{i}@example.com") for i in range(n)]

    def worker():
        mail.outbox = []
        started = time.perf_counter()
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
        return time.perf_counter() - started

    out = []
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
        MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}},
    ):
        # 1. Create and queue.
        create_times = []
        batches = []
        for run_no in range(3):
            started = time.perf_counter()
            result = services.invite_batch_create(
                rows=rows(f"bulk{run_no}-", args.size), role="student", source="bench"
            )
            create_times.append(time.perf_counter() - started)
            assert len(result.plan.accepted) == args.size
            batches.append(result.batch)
        queued = DBTaskResult.objects.count()
        # Only the first batch is sent below: the others go back to "not e-mailed".
        Invite.objects.exclude(batch=batches[0]).update(send_status=SendStatus.NONE)

        # 2. Send with the database worker.
        send_s = worker()
        sent = Invite.objects.filter(batch=batches[0], send_status=SendStatus.SENT).count()
        assert sent == args.size == len(mail.outbox), (sent, len(mail.outbox))

        # 3. One at a time.
        DBTaskResult.objects.all().delete()
        n = args.one_by_one
        started = time.perf_counter()
        for i in range(n):
            services.invite_batch_create(
                rows=[Row(email=f"single{i}@example.com")], role="student", source="bench"
            )
        one_create_s = time.perf_counter() - started
        one_send_s = worker()
        assert len(mail.outbox) == n

    scale = args.size / n
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg = cursor.fetchone()[0].split(" on ")[0]

    out.append(f"Measured on {time.strftime('%Y-%m-%d')}, {pg}, {os.cpu_count()} CPUs, with:\n")
    out.append("```sh")
    out.append(
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/ii_invites "
        "REDIS_URL=redis://127.0.0.1:6379/5 \\"
    )
    out.append(f"    .venv/bin/python bench/invites_bulk.py --size {args.size} --one-by-one {n}")
    out.append("```\n")
    out.append("| what | time | target |")
    out.append("| --- | --- | --- |")
    out.append(
        f"| write and queue a batch of {args.size:,} (3 runs) | "
        + ", ".join(f"{t:.2f} s" for t in create_times)
        + f" (median {statistics.median(create_times):.2f} s, {queued} task rows queued) "
        f"| < {TARGET_CREATE_S:.0f} s |"
    )
    out.append(
        f"| send {args.size:,} with one `db_worker` (locmem mail) | {send_s:.1f} s "
        f"({args.size / send_s:,.0f} e-mails/s) | < {TARGET_SEND_S:.0f} s |"
    )
    out.append(
        f"| one at a time: write and queue {n:,} batches of one | {one_create_s:.2f} s "
        f"(≈ {one_create_s * scale:.1f} s for {args.size:,}) | |"
    )
    out.append(
        f"| one at a time: send {n:,} tasks of one invite | {one_send_s:.2f} s "
        f"(≈ {one_send_s * scale:.1f} s for {args.size:,}) | |"
    )
    print("\n".join(out))


if __name__ == "__main__":
    main()

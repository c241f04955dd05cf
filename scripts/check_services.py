"""Stops `make test` early, with instructions, when PostgreSQL or Redis does not answer."""

import os
import sys

import psycopg
import redis

DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

problems = []
try:
    # Connect to the server's maintenance database: the test database does not exist yet.
    info = psycopg.conninfo.conninfo_to_dict(DATABASE_URL)
    info["dbname"] = "postgres"
    psycopg.connect(**info, connect_timeout=3).close()
except Exception as exc:
    problems.append(
        f"PostgreSQL does not answer at {DATABASE_URL} ({exc.__class__.__name__}: {exc}).\n"
        "  Start it:  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
        "  or point DATABASE_URL at a running server."
    )
try:
    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
except Exception as exc:
    problems.append(
        f"Redis does not answer at {REDIS_URL} ({exc.__class__.__name__}: {exc}).\n"
        '  Start it:  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" '
        "--appendonly no\n"
        "  or point REDIS_URL at a running server."
    )
if problems:
    print("make test needs PostgreSQL and Redis:\n" + "\n".join(problems), file=sys.stderr)
    sys.exit(1)

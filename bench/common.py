"""Pieces the load benchmarks share: a scratch database, a gunicorn on loopback, the big table.

Not a benchmark itself. bench/load.py uses it; the older per-issue scripts keep their own copies.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parents[1]
GUNICORN_CONF = ROOT / "gunicorn.conf.py"

# How bench/search_history_explain.py shapes a million rows, kept the same here so the two
# benchmarks measure the same table: half the rows belong to guests, half to users.
GUEST_SHARE = 0.5
ENTRIES_PER_GUEST = 10
ENTRIES_PER_USER = 20


def require_env(*names):
    for name in names:
        if not os.environ.get(name):
            raise SystemExit(f"Set {name}: the benchmarks use your own database and Redis.")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load_average():
    return os.getloadavg()


def cpu_model():
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


# --- CPU accounting -----------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid):
    """(utime + stime, cutime + cstime) of a process in clock ticks, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            # The command name may hold spaces: the fields start after its closing parenthesis.
            fields = file.read().rpartition(")")[2].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as file:
            return [int(child) for child in file.read().split()]
    except OSError:
        return []


def _postgres_backends(db_name):
    """The PostgreSQL backends serving one database (their title names it)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as file:
                title = file.read().decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {db_name} " in title:
            pids.append(int(entry))
    return pids


def _redis_pids():
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as file:
                    if file.read().strip() == "redis-server":
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


class CpuMeter:
    """CPU seconds spent by the server, PostgreSQL and Redis while a load runs.

    The server is the gunicorn master with its workers, counting workers that exited meanwhile
    (max_requests) through the master's reaped-children times. PostgreSQL is the backends of the
    bench database, polled every `interval` so a backend that exits with its worker still counts
    (all but its last moments). Redis is the whole server: other users of the machine's Redis
    count too, so read it as an upper bound.
    """

    def __init__(self, *, server_pid, db_name, interval=0.25):
        self.server_pid = server_pid
        self.db_name = db_name
        self.interval = interval

    def _server_ticks(self):
        own, reaped = _proc_stat(self.server_pid) or (0, 0)
        live = sum((_proc_stat(pid) or (0, 0))[0] for pid in _children(self.server_pid))
        return own + reaped + live

    def _sample(self, seen):
        for kind, pids in (
            ("postgres", _postgres_backends(self.db_name)),
            ("redis", _redis_pids()),
        ):
            for pid in pids:
                stat = _proc_stat(pid)
                if stat is not None:
                    seen[kind][pid] = stat[0]

    def run(self, action):
        """Runs action() (a blocking load) while metering; returns its result and CPU seconds."""
        import threading

        start = {"postgres": {}, "redis": {}}
        self._sample(start)
        seen = {"postgres": dict(start["postgres"]), "redis": dict(start["redis"])}
        server_start = self._server_ticks()
        done = threading.Event()

        def poll():
            while not done.wait(self.interval):
                self._sample(seen)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        try:
            result = action()
        finally:
            done.set()
            poller.join()
        self._sample(seen)
        cpu = {"server": (self._server_ticks() - server_start) / CLOCK_TICKS}
        for kind in ("postgres", "redis"):
            ticks = sum(t - start[kind].get(pid, 0) for pid, t in seen[kind].items())
            cpu[kind] = ticks / CLOCK_TICKS
        return result, cpu


# --- Scratch database -------------------------------------------------------------------------


def scratch_url(url, suffix):
    """A database beside DATABASE_URL's, named with a suffix: the original stays untouched."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + suffix
    return name, urlunsplit(parts._replace(path="/" + name))


def _admin_url(url):
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def database_exists(url, name):
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


def recreate_database(url, name):
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


# --- The search history table -----------------------------------------------------------------

FILL_SQL = """
    INSERT INTO search_history_searchentry
        (user_id, guest_id, query, normalized_query, search_type, results_count,
         search_count, first_searched_at, last_searched_at)
    SELECT user_id, guest_id, 'Query ' || n, 'query ' || n, 'natural_language', n %% 40,
           1 + n %% 5, t - interval '2 days', t
    FROM (
        SELECT NULL::bigint AS user_id, g.id AS guest_id, n,
               now() - random() * interval '60 days' AS t
        FROM accounts_guestsession g CROSS JOIN generate_series(1, %(per_guest)s) n
        UNION ALL
        SELECT u.id, NULL, n, now() - random() * interval '60 days'
        FROM accounts_user u CROSS JOIN generate_series(1, %(per_user)s) n
    ) rows
"""


def fill_search_history(rows):
    """Guests, users and `rows` search entries, written by PostgreSQL itself (generate_series).

    Guests were last seen up to 45 days ago (a third of them expired), users have no usable
    password: enough for the rows to exist, cheap to create. Runs inside django.setup().
    """
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from accounts.models import GuestSession, User

    guests = int(rows * GUEST_SHARE) // ENTRIES_PER_GUEST
    users = (rows - guests * ENTRIES_PER_GUEST) // ENTRIES_PER_USER
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
    with connection.cursor() as cursor:
        cursor.execute(FILL_SQL, {"per_guest": ENTRIES_PER_GUEST, "per_user": ENTRIES_PER_USER})
        for table in ("search_history_searchentry", "accounts_guestsession", "accounts_user"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def search_entry_count():
    from django.db import connection

    with connection.cursor() as cursor:
        # The planner's estimate: exact enough to tell a filled table, without a full count.
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = 'search_history_searchentry'"
        )
        row = cursor.fetchone()
    return row[0] if row else 0


# --- gunicorn on loopback ---------------------------------------------------------------------


class Gunicorn:
    """gunicorn serving the project on a free loopback port, as deployed.

    With the repository's gunicorn.conf.py when there is one (workers, timeouts, logging as in
    production); otherwise 2 * cores + 1 sync workers, gunicorn's own advice.
    """

    def __init__(self, *, settings_module, env, log_path, workers=None, extra=()):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", "gunicorn"]
        if GUNICORN_CONF.exists():
            self.command += ["--config", str(GUNICORN_CONF)]
        if workers or not GUNICORN_CONF.exists():
            self.command += [f"--workers={workers or 2 * os.cpu_count() + 1}"]
        self.command += [*extra, f"--bind=127.0.0.1:{self.port}", "instainstru.wsgi:application"]
        self.env = {**os.environ, **env, "DJANGO_SETTINGS_MODULE": settings_module}
        self.log_path = log_path
        self.process = None

    def __enter__(self):
        log = open(self.log_path, "wb")  # noqa: SIM115 - gunicorn writes to it for its whole life
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise SystemExit(f"gunicorn did not start, see {self.log_path}")
            time.sleep(0.2)

    def worker_pids(self):
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        return [int(pid) for pid in out.split()]

    def __exit__(self, *exc):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

"""Load benchmark (issue 8): the project's hot endpoints against a bare-Django baseline.

One run serves the project with gunicorn on loopback under bench.settings (settings.prod as
deployed, plus two baseline routes), on a scratch PostgreSQL database holding a million search
entries and on your Redis db, then:

1. drives every endpoint in turn with the same wrk command (closed loop, --connections
   connections), for --rounds rounds, and prints requests/second, p50 and p99 latency per
   endpoint, each as a ratio to the two baseline views measured in the same round, with the CPU
   each request cost gunicorn, PostgreSQL and Redis (read from /proc);
2. drives the exempt endpoints again with the same connections, each waiting --pace-ms between
   requests: their latency at a load the machine carries, not at saturation;
3. plays --users simulated visitors with locust (bench/locustfile.py: me, guest session, recent
   searches, one recorded search per page load) and prints page loads per second, the page-load
   p50/p99 and the errors.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ii_bench REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python bench/load.py            # --rounds 3 --seconds 10 --users 150 ...

Needs `wrk` (Debian: apt-get install wrk) and bench/requirements.txt in the venv (locust). The
scratch database is DATABASE_URL's name + "_load", created and filled on the first run (about a
minute) and reused after; --refill rebuilds it. Your Redis db is flushed at the start.

--profile KEY samples the gunicorn workers with py-spy (bench/requirements.txt) while wrk drives
one endpoint and prints where their CPU time goes (--profile-idle: wall time, waits included).
--gunicorn-arg passes options to gunicorn over gunicorn.conf.py's, e.g. --max-requests=0.
"""

import argparse
import csv
import json
import os
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# The repository, not bench/, first on the path: bench/settings.py must not shadow settings/.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.common import (  # noqa: E402
    ROOT,
    CpuMeter,
    Gunicorn,
    cpu_model,
    database_exists,
    fill_search_history,
    load_average,
    recreate_database,
    require_env,
    scratch_url,
    search_entry_count,
)

SETTINGS_MODULE = "bench.settings"
WRK_SCRIPT = ROOT / "bench" / "wrk.lua"
LOCUSTFILE = ROOT / "bench" / "locustfile.py"
POOL = 200  # sessions and guests the wrk runs cycle through


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    method: str
    path: str
    cookies: str | None  # "users", "guests" or None
    exempt: bool = False  # never rate limited (API.md): the p99 target applies


ENDPOINTS = [
    Endpoint("plain", "baseline: plain JsonResponse view", "GET", "/bench/plain", None),
    Endpoint(
        "session_user", "baseline: DRF view, session user", "GET", "/bench/session-user", "users"
    ),
    Endpoint("me", "GET /auth/me (logged in)", "GET", "/auth/me", "users", exempt=True),
    Endpoint(
        "guest",
        "POST /api/public/session/guest (guest cookie)",
        "POST",
        "/api/public/session/guest",
        "guests",
        exempt=True,
    ),
    Endpoint(
        "history_user",
        "GET /api/search-history/?limit=3, user",
        "GET",
        "/api/search-history/?limit=3",
        "users",
        exempt=True,
    ),
    Endpoint(
        "history_guest",
        "GET /api/search-history/?limit=3, guest",
        "GET",
        "/api/search-history/?limit=3",
        "guests",
        exempt=True,
    ),
    Endpoint("health", "GET /health", "GET", "/health", None, exempt=True),
]
BY_KEY = {e.key: e for e in ENDPOINTS}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="search entries in the table")
    parser.add_argument("--refill", action="store_true", help="rebuild the scratch database")
    parser.add_argument("--rounds", type=int, default=3, help="wrk passes over every endpoint")
    parser.add_argument("--seconds", type=int, default=10, help="length of one wrk run")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--pace-ms",
        type=int,
        default=80,
        help="for the paced pass over the exempt endpoints: each connection's wait between a "
        "response and its next request (0 skips the pass)",
    )
    parser.add_argument("--workers", type=int, help="override gunicorn's worker count")
    parser.add_argument(
        "--gunicorn-arg",
        action="append",
        default=[],
        help="extra gunicorn option, e.g. --gunicorn-arg=--max-requests=0 (repeatable)",
    )
    parser.add_argument("--users", type=int, default=150, help="locust simulated visitors")
    parser.add_argument("--spawn-rate", type=float, default=50)
    parser.add_argument("--locust-seconds", type=int, default=60)
    parser.add_argument("--think", default="1,4", help="seconds between a visitor's page loads")
    parser.add_argument(
        "--client-nice",
        type=int,
        default=0,
        help="niceness of wrk and locust (negative, as root: the load generator answers "
        "promptly, so its own CPU queueing does not count as server latency)",
    )
    parser.add_argument("--no-wrk", action="store_true")
    parser.add_argument("--no-locust", action="store_true")
    parser.add_argument("--only", help="comma-separated endpoint keys: " + ", ".join(BY_KEY))
    parser.add_argument("--profile", metavar="KEY", help="py-spy one endpoint instead")
    parser.add_argument(
        "--profile-idle",
        action="store_true",
        help="profile wall time (waits on PostgreSQL and Redis included), not CPU time",
    )
    parser.add_argument(
        "--keep-server", action="store_true", help="leave gunicorn up at the end (Ctrl-C stops)"
    )
    return parser.parse_args()


# --- Setup: database, identities --------------------------------------------------------------


def prepare(args, workdir):
    """Scratch database filled, Redis flushed, sessions made; the server's environment."""
    require_env("DATABASE_URL", "REDIS_URL")
    base_url = os.environ["DATABASE_URL"]
    if not base_url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must be PostgreSQL: the bench runs as deployed.")
    name, url = scratch_url(base_url, "_load")
    fresh = args.refill or not database_exists(base_url, name)
    if fresh:
        recreate_database(base_url, name)
    server_env = {
        "DATABASE_URL": url,
        "REDIS_URL": os.environ["REDIS_URL"],
        # A fresh key each run: the sessions below are made again every run anyway.
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    os.environ.update(server_env)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE

    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import caches
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if fresh or search_entry_count() < args.rows * 0.99:
        if not fresh:
            from django.db import connections

            connections.close_all()  # DROP DATABASE ... WITH (FORCE) would end it under us
            recreate_database(base_url, name)
            call_command("migrate", verbosity=0)
        started = time.perf_counter()
        print(f"filling {name} with {args.rows:,} search entries ...", flush=True)
        fill_search_history(args.rows)
        print(f"  filled in {time.perf_counter() - started:.0f} s", flush=True)
    caches["default"].clear()  # FLUSHDB of your Redis db: both aliases live there

    pools = make_identities(args, workdir)
    from django.db import connections

    connections.close_all()
    return server_env, pools, name, settings.SESSION_COOKIE_NAME


def session_for(user):
    """A logged-in session, as /auth/login would leave it, without a login per visitor.

    Logging in over HTTP would trip the login limit (10 a minute per address) long before 350
    visitors had a session; this writes the same session a login writes.
    """
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.EmailBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def make_identities(args, workdir):
    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.middleware.csrf import _get_new_csrf_string

    from accounts.models import GuestSession, User
    from accounts.selectors import guest_active_since

    Session.objects.all().delete()  # the last run's, signed with another key
    locust_users = args.users  # at most every visitor logged in
    bench_users = User.objects.filter(email__startswith="bench").order_by("pk")
    users = list(bench_users[: POOL + locust_users])
    if len(users) < POOL + locust_users:
        raise SystemExit("Too few users in the scratch database: run with --refill.")
    cookie = settings.SESSION_COOKIE_NAME
    user_lines = [f"{cookie}={session_for(u)}" for u in users[:POOL]]
    # Live guests with at least three searches, newest first: the fill's, not the guests that
    # earlier locust runs created.
    guests = [
        g.pk
        for g in GuestSession.objects.raw(
            """
            SELECT g.id FROM accounts_guestsession g
            WHERE g.last_seen_at >= %s AND g.converted_user_id IS NULL
              AND (SELECT count(*) FROM search_history_searchentry e WHERE e.guest_id = g.id) >= 3
            ORDER BY g.last_seen_at DESC LIMIT %s
            """,
            [guest_active_since(), POOL],
        )
    ]
    guest_lines = [f"{settings.GUEST_COOKIE_NAME}={g}" for g in guests]
    pools = {"users": workdir / "users.txt", "guests": workdir / "guests.txt"}
    pools["users"].write_text("\n".join(user_lines) + "\n")
    pools["guests"].write_text("\n".join(guest_lines) + "\n")
    identities = {
        "session_cookie": cookie,
        "origin": settings.CSRF_TRUSTED_ORIGINS[0],
        "users": [
            {"session": session_for(u), "csrf": _get_new_csrf_string()} for u in users[POOL:]
        ],
    }
    pools["identities"] = workdir / "identities.json"
    pools["identities"].write_text(json.dumps(identities))
    return pools


# --- Measuring --------------------------------------------------------------------------------


def first_line(path):
    with open(path) as file:
        return file.readline().strip()


def check_endpoint(base, endpoint, pools):
    """One request by hand: the cookies work and the answer is the real one, not an error."""
    headers = {"X-Forwarded-Proto": "https"}
    if endpoint.cookies:
        headers["Cookie"] = first_line(pools[endpoint.cookies])
    request = urllib.request.Request(
        base + endpoint.path,
        method=endpoint.method,
        headers=headers,
        data=b"" if endpoint.method == "POST" else None,
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            status, body = response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"{endpoint.label}: {exc.code} {exc.read()[:300]!r}") from exc
    expected = {
        "plain": lambda: body == {"ok": True},
        "session_user": lambda: "@" in body["email"],
        "me": lambda: "@" in body["email"] and "beta" in body,
        "guest": lambda: status == 200 and body["created"] is False,
        "history_user": lambda: len(body) == 3,
        "history_guest": lambda: len(body) == 3,
        "health": lambda: body["status"] == "ok",
    }[endpoint.key]
    if not expected():
        raise SystemExit(f"{endpoint.label}: unexpected answer {status} {body!r}")


def niced(args, command):
    return ["nice", f"-n{args.client_nice}", *command] if args.client_nice else command


def wrk_command(args, base, endpoint, pools, seconds, pace=0):
    cookie_file = str(pools[endpoint.cookies]) if endpoint.cookies else "-"
    return [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout=5s",
        f"--script={WRK_SCRIPT}",
        base + endpoint.path,
        "--",
        endpoint.method,
        cookie_file,
        str(pace),
    ]


def wrk(args, base, endpoint, pools, seconds, pace=0):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        niced(args, wrk_command(args, base, endpoint, pools, seconds, pace)),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
    result = json.loads(line.removeprefix("WRK_JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["error_count"] = sum(result["errors"].values())
    result["cpu"] = {"wrk": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime}
    return result


def measure(args, base, endpoints, pools, meter):
    for endpoint in endpoints:  # warm-up: connections, sessions in the cache, the plans
        wrk(args, base, endpoint, pools, 2)
    rounds = []
    for i in range(args.rounds):
        order = endpoints if i % 2 == 0 else endpoints[::-1]  # drift hits every endpoint alike
        # Saturated: every connection sends its next request as soon as it has an answer. Then,
        # paced: the same 16 connections, each waiting --pace-ms between requests, as clients
        # that are not all hammering at once.
        runs = [(e, 0) for e in order]
        if args.pace_ms:
            runs += [(e, args.pace_ms) for e in order if e.exempt]
        results = {}
        for endpoint, pace in runs:
            r, cpu = meter.run(
                lambda e=endpoint, p=pace: wrk(args, base, e, pools, args.seconds, pace=p)
            )
            r["cpu"].update(cpu)
            results[endpoint.key + ("@paced" if pace else "")] = r
            per_request = {k: v * 1000 / r["requests"] for k, v in r["cpu"].items()}
            r["cpu_ms"] = per_request
            label = endpoint.key + ("@paced" if pace else "")
            print(
                f"  round {i + 1} {label:20} {r['rps']:7.0f} req/s  "
                f"p50 {r['p50_us'] / 1000:6.2f} ms  p99 {r['p99_us'] / 1000:6.2f} ms  "
                f"errors {r['error_count']}  CPU ms/request "
                + " ".join(f"{k} {v:.2f}" for k, v in per_request.items()),
                flush=True,
            )
        rounds.append(results)
    return rounds


def run_locust(args, base, pools, workdir):
    prefix = workdir / "locust"
    command = [
        str(Path(sys.executable).with_name("locust")),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        f"--users={args.users}",
        f"--spawn-rate={args.spawn_rate:g}",
        f"--run-time={args.locust_seconds}s",
        "--reset-stats",
        "--only-summary",
        "--loglevel=WARNING",
        f"--csv={prefix}",
        f"--host={base}",
    ]
    env = {
        **os.environ,
        "BENCH_IDENTITIES": str(pools["identities"]),
        "BENCH_THINK": args.think,
        "BENCH_PAGE_LOG": str(workdir / "pages.txt"),
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(
        niced(args, command), env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats_path = Path(f"{prefix}_stats.csv")
    if not stats_path.exists():
        raise SystemExit(f"locust failed:\n{completed.stderr[-3000:]}")
    with open(stats_path) as file:
        rows = list(csv.DictReader(file))
    failures = Path(f"{prefix}_failures.csv").read_text()
    return {
        "command": command,
        "rows": rows,
        "failures": failures,
        "exit": completed.returncode,
        "seconds": elapsed,
        "locust_cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
    }


# --- Profiling --------------------------------------------------------------------------------


def profile(args, base, endpoint, pools, server, workdir):
    """py-spy on every worker while wrk drives the endpoint: where a request's time goes.

    By default the CPU time of the workers, which is what bounds throughput on a busy 2-core box.
    With --profile-idle, samples of a worker waiting on a socket count too, so PostgreSQL and Redis
    round trips show as the call that waits (inflated by the wait for a CPU when the box is
    saturated). Only stacks inside gunicorn's handle_request count, which drops the workers'
    samples idling in accept.
    """
    py_spy = Path(sys.executable).with_name("py-spy")
    out = workdir / f"profile-{endpoint.key}.txt"
    spy = subprocess.Popen(
        [
            str(py_spy),
            "record",
            "--pid",
            str(server.process.pid),
            "--subprocesses",
            *(["--idle"] if args.profile_idle else []),
            "--rate=250",
            f"--duration={args.seconds}",
            "--format=raw",
            f"--output={out}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1)
    result = wrk(args, base, endpoint, pools, args.seconds)
    spy.wait()
    print(f"{endpoint.label}: {result['rps']:.0f} req/s under py-spy (slowed by the sampling)")
    inclusive, leaf, total = Counter(), Counter(), 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not any(f.split(" (")[0].endswith("handle_request") for f in frames):
            continue
        count = int(count)
        total += count
        names = [f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0] + ")" for f in frames]
        for name in set(names):
            inclusive[name] += count
        leaf[names[-1]] += count
    print(f"{total} samples in handle_request; inclusive share, top 45:")
    for name, count in inclusive.most_common(45):
        print(f"  {count / total:6.1%}  {name}")
    print("self share, top 20:")
    for name, count in leaf.most_common(20):
        print(f"  {count / total:6.1%}  {name}")
    print(f"raw stacks: {out}")


# --- Report -----------------------------------------------------------------------------------


def ms(us):
    return f"{us / 1000:.1f} ms"


def report(args, rounds, endpoints, server, load_before, load_after):
    def med(key, field):
        return statistics.median(r[key][field] for r in rounds)

    def ratio(key, baseline):
        if baseline not in rounds[0]:
            return "–"
        return f"{statistics.median(r[key]['rps'] / r[baseline]['rps'] for r in rounds):.2f}"

    print()
    print(
        f"machine: {os.cpu_count()} CPUs ({cpu_model()}); load average before "
        f"{load_before[0]:.2f}, after {load_after[0]:.2f} (1 min)"
    )
    print(f"server: {' '.join(server.command[1:])}")
    example = endpoints[min(2, len(endpoints) - 1)]
    command = wrk_command(args, server.base, example, {"users": "users.txt"}, args.seconds)
    print(f"wrk: {' '.join(command)}")
    print(
        f"medians of {args.rounds} rounds of {args.seconds} s per endpoint, "
        f"{args.connections} connections\n"
    )
    print(
        "| endpoint | req/s | p50 | p99 | vs JsonResponse | vs DRF session user "
        "| CPU ms/request: gunicorn, PostgreSQL, Redis, wrk |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for e in endpoints:
        cpu = ", ".join(
            f"{statistics.median(r[e.key]['cpu_ms'][k] for r in rounds):.2f}"
            for k in ("server", "postgres", "redis", "wrk")
        )
        print(
            f"| {e.label} | {med(e.key, 'rps'):.0f} | {ms(med(e.key, 'p50_us'))} | "
            f"{ms(med(e.key, 'p99_us'))} | {ratio(e.key, 'plain')} | "
            f"{ratio(e.key, 'session_user')} | {cpu} |"
        )
    paced = [e for e in endpoints if e.key + "@paced" in rounds[0]]
    if paced:
        print(
            f"\nexempt endpoints at {args.connections} connections, each waiting "
            f"{args.pace_ms} ms between requests:\n"
        )
        print("| endpoint | req/s | p50 | p99 | max |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for e in paced:
            k = e.key + "@paced"
            print(
                f"| {e.label} | {med(k, 'rps'):.0f} | {ms(med(k, 'p50_us'))} | "
                f"{ms(med(k, 'p99_us'))} | {ms(med(k, 'max_us'))} |"
            )
    errors = sum(r[key]["error_count"] for r in rounds for key in r)
    print(f"\nerrors (connect, read, write, timeout, status >= 400) over all runs: {errors}")
    print("\nper round (req/s / p99 ms):")
    for key in rounds[0]:
        cells = ", ".join(f"{r[key]['rps']:.0f} / {r[key]['p99_us'] / 1000:.1f}" for r in rounds)
        print(f"  {key:20} {cells}")


def report_locust(args, result):
    rows = {row["Name"]: row for row in result["rows"]}
    page = rows.get("page load")
    command = [Path(c).name if c.endswith(".py") else c for c in result["command"][1:]]
    print(f"\nlocust: {' '.join(command)}")
    print(
        f"({args.users} visitors, {args.think.replace(',', '-')} s between page loads, "
        f"statistics reset once all were spawned)\n"
    )
    print("| name | count | failures | per s | p50 | p95 | p99 | max |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, row in rows.items():
        print(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | "
            f"{float(row['Requests/s']):.1f} | {row['50%']} ms | {row['95%']} ms | "
            f"{row['99%']} ms | {float(row['Max Response Time']):.0f} ms |"
        )
    http_failures = sum(
        int(r["Failure Count"]) for r in result["rows"] if r["Type"] not in ("PAGE", "")
    )
    seconds = result["seconds"]
    print(
        "\nCPU used during the whole locust run (spawning included), in cores: "
        + ", ".join(f"{k} {v / seconds:.2f}" for k, v in result["cpu"].items())
        + f"; load average after {result['load_after'][0]:.2f}"
    )
    if page:
        print(
            f"\npage loads/s {float(page['Requests/s']):.1f}, page-load p99 {page['99%']} ms, "
            f"HTTP failures {http_failures}"
        )
    if result["failures"].count("\n") > 1:
        print("failures:\n" + result["failures"])


def main():
    args = parse_args()
    # A SIGTERM stops the run like Ctrl-C, so gunicorn is stopped on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    endpoints = [BY_KEY[k] for k in args.only.split(",")] if args.only else ENDPOINTS
    workdir = Path(tempfile.mkdtemp(prefix="ii-load-"))
    server_env, pools, db_name, _ = prepare(args, workdir)
    print(f"scratch database {db_name}; work files in {workdir}", flush=True)
    with Gunicorn(
        settings_module=SETTINGS_MODULE,
        env=server_env,
        log_path=workdir / "gunicorn.log",
        workers=args.workers,
        extra=args.gunicorn_arg,
    ) as server:
        print(f"gunicorn: {' '.join(server.command[1:])}, {len(server.worker_pids())} workers")
        for endpoint in endpoints:
            check_endpoint(server.base, endpoint, pools)
        if args.profile:
            profile(args, server.base, BY_KEY[args.profile], pools, server, workdir)
            return
        load_before = load_average()
        rounds = None
        if not args.no_wrk:
            meter = CpuMeter(server_pid=server.process.pid, db_name=db_name)
            rounds = measure(args, server.base, endpoints, pools, meter)
        load_after = load_average()
        locust = None
        if not args.no_locust:
            print(f"locust: {args.users} visitors for {args.locust_seconds} s ...", flush=True)
            for key in ("me", "guest", "history_user", "history_guest"):
                # Every worker past its first requests (lazy imports, new connections).
                wrk(args, server.base, BY_KEY[key], pools, 2)
            meter = CpuMeter(server_pid=server.process.pid, db_name=db_name)
            locust, cpu = meter.run(lambda: run_locust(args, server.base, pools, workdir))
            locust["cpu"] = {**cpu, "locust": locust["locust_cpu"]}
            locust["load_after"] = load_average()
        if rounds:
            report(args, rounds, endpoints, server, load_before, load_after)
        if locust:
            report_locust(args, locust)
        if args.keep_server:
            print(f"\nserving on {server.base}; identities in {pools['identities']}. Ctrl-C stops.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass


if __name__ == "__main__":
    main()

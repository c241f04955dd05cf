"""What the rate limiter adds to a request: a limited endpoint against its exempt twin, one run.

Starts gunicorn on loopback with bench.ratelimit_settings (settings.test, so PostgreSQL and Redis
from DATABASE_URL / REDIS_URL), where /api/bench/limited and /api/bench/exempt run the same
trivial view and only the first is counted (general bucket, limit too high to trip). Then:

1. latency: one client, requests alternating between the twins, median and p90 of each;
2. throughput: --clients processes hammering one twin for --seconds, the twins taking turns
   for --rounds rounds, requests per second of each.

Target (issue 6): the limiter adds less than 1 ms to the median request.

    DATABASE_URL=postgres://... REDIS_URL=redis://127.0.0.1:6379/4 \\
        .venv/bin/python bench/ratelimit_overhead.py
"""

import argparse
import http.client
import multiprocessing
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMITED = "/api/bench/limited"
EXEMPT = "/api/bench/exempt"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path):
    """One request on a fresh connection (gunicorn's sync workers close after each)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def timed_get(port, path):
    started = time.perf_counter()
    status = get(port, path)
    elapsed = time.perf_counter() - started
    if status != 200:
        raise SystemExit(f"{path} answered {status}: the bench limits must never trip")
    return elapsed


def hammer(args):
    port, path, seconds = args
    done = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if get(port, path) != 200:
            raise SystemExit(f"{path} did not answer 200")
        done += 1
    return done


def start_server(port, workers, log):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.ratelimit_settings"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "instainstru.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            if get(port, EXEMPT) == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise SystemExit(f"gunicorn did not start, see {log.name}")
        time.sleep(0.1)


def stop_server(server):
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def ms(seconds):
    return f"{seconds * 1000:.3f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="latency samples per twin")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--clients", type=int, default=4, help="throughput client processes")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of a throughput turn")
    parser.add_argument("--rounds", type=int, default=3, help="throughput turns per twin")
    args = parser.parse_args()
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(name):
            raise SystemExit(f"Set {name}: the bench uses your own database and Redis.")

    port = free_port()
    with tempfile.NamedTemporaryFile("wb", prefix="ratelimit-bench-", suffix=".log") as log:
        server = start_server(port, args.workers, log)
        try:
            for _ in range(200):  # warm-up: connections, caches, the counter's key
                timed_get(port, LIMITED)
                timed_get(port, EXEMPT)

            samples = {LIMITED: [], EXEMPT: []}
            for i in range(args.requests):
                # Alternate which twin goes first, so neither always follows the other.
                pair = (LIMITED, EXEMPT) if i % 2 else (EXEMPT, LIMITED)
                for path in pair:
                    samples[path].append(timed_get(port, path))

            totals = {LIMITED: [], EXEMPT: []}
            with multiprocessing.Pool(args.clients) as pool:
                for _ in range(args.rounds):
                    for path in (LIMITED, EXEMPT):
                        jobs = [(port, path, args.seconds)] * args.clients
                        totals[path].append(sum(pool.map(hammer, jobs)) / args.seconds)
        finally:
            stop_server(server)

    median = {p: statistics.median(s) for p, s in samples.items()}
    p90 = {p: statistics.quantiles(s, n=10)[-1] for p, s in samples.items()}
    rps = {p: statistics.mean(t) for p, t in totals.items()}
    added = median[LIMITED] - median[EXEMPT]

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; gunicorn {args.workers} sync workers on loopback"
    )
    print(f"latency: {args.requests} sequential requests per twin, alternating")
    print(f"  limited  median {ms(median[LIMITED])}  p90 {ms(p90[LIMITED])}")
    print(f"  exempt   median {ms(median[EXEMPT])}  p90 {ms(p90[EXEMPT])}")
    print(f"  added by the limiter to the median: {ms(added)} (target < 1 ms)")
    print(
        f"throughput: {args.clients} client processes, {args.rounds} x {args.seconds:g} s "
        "turns per twin"
    )
    print(f"  limited  {rps[LIMITED]:.0f} req/s")
    print(f"  exempt   {rps[EXEMPT]:.0f} req/s")
    print(f"  limited / exempt: {rps[LIMITED] / rps[EXEMPT]:.1%}")
    print("PASS" if added < 0.001 else "FAIL: the limiter adds 1 ms or more")


if __name__ == "__main__":
    main()

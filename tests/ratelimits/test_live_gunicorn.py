"""Four gunicorn worker processes share one count: N+10 requests get exactly N answers."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ratelimits.policy import get_policy
from tests.ratelimits.conftest import start_in_fresh_window

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def gunicorn(tmp_path):
    port = _free_port()
    access_log = tmp_path / "access.log"
    # A file, not a pipe: a pipe nobody reads fills up and blocks the workers' logging.
    error_log = (tmp_path / "error.log").open("wb")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.test",
        # The same database and Redis as this test process (each engineer's own numbers).
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
    }
    env = {k: v for k, v in env.items() if v}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "instainstru.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={WORKERS}",
            f"--access-logfile={access_log}",
            # Which worker answered what.
            "--access-logformat=%(p)s %(s)s %(U)s",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=error_log,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(base + "/health")  # any answer: the workers are up
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    error_log.flush()
                    tail = (tmp_path / "error.log").read_text()[-2000:]
                    pytest.fail("gunicorn did not start: " + tail)
                time.sleep(0.1)
        yield base, access_log
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # the group this fixture started, nothing else
            server.wait()
        error_log.close()


def test_the_count_is_shared_by_every_worker(gunicorn):
    base, access_log = gunicorn
    limit = get_policy().general.limit
    # The server's own settings.test policy: the same group and rate, so the same counter.
    start_in_fresh_window("general", "ip:127.0.0.1", need=3)

    with ThreadPoolExecutor(max_workers=2 * WORKERS) as pool:
        statuses = list(pool.map(lambda _: _get(base + "/auth/csrf"), range(limit + 10)))

    assert statuses.count(200) == limit
    assert statuses.count(429) == 10
    answered_by = {
        line.split()[0]
        for line in access_log.read_text().splitlines()
        if line.endswith(" 200 /auth/csrf")
    }
    assert len(answered_by) > 1, "all requests went to one worker: nothing was proven"

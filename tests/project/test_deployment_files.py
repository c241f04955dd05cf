"""gunicorn.conf.py, the Procfile and .env.example: what a deployment reads."""

import json
import os
import re
import runpy
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

from tests.live import free_port
from tests.live import test_database_url as live_database_url

ROOT = Path(__file__).resolve().parents[2]


def gunicorn_settings(monkeypatch, **env):
    for name in ("WEB_CONCURRENCY", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_runs_two_workers_per_cpu_plus_one(monkeypatch):
    conf = gunicorn_settings(monkeypatch)

    assert conf["workers"] == 2 * (os.process_cpu_count() or 1) + 1
    assert conf["bind"] == "0.0.0.0:8000"
    assert conf["timeout"] == 30
    assert conf["graceful_timeout"] == 30
    assert conf["accesslog"] == "-"  # stdout


def test_the_platform_sets_the_port_and_the_worker_count(monkeypatch):
    conf = gunicorn_settings(monkeypatch, PORT="5000", WEB_CONCURRENCY="3")

    assert (conf["bind"], conf["workers"]) == ("0.0.0.0:5000", 3)


@pytest.mark.django_db(transaction=True)
def test_gunicorn_writes_one_json_access_line_per_request_with_its_id(tmp_path):
    port = free_port()
    stdout = tmp_path / "stdout.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": live_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    with stdout.open("w") as out:
        server = subprocess.Popen(
            # The repository's config file, as the Procfile runs it; only the address differs.
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
            + [f"--bind=127.0.0.1:{port}", "--workers=1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            request = urllib.request.Request(  # noqa: S310
                f"http://127.0.0.1:{port}/health?probe=1",
                headers={"X-Request-ID": "deploy-check-1", "User-Agent": 'odd "agent" \\ 1'},
            )
            try:
                with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
                    returned = response.headers["X-Request-ID"]
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None and time.monotonic() < deadline, "no gunicorn"
                time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)

    lines = [json.loads(line) for line in stdout.read_text().splitlines()]
    access = [line for line in lines if line.get("path") == "/health"]
    assert returned == "deploy-check-1"
    assert access[-1]["request_id"] == "deploy-check-1"
    assert access[-1]["user_agent"] == 'odd "agent" \\ 1'
    assert (access[-1]["method"], access[-1]["status"], access[-1]["query"]) == (
        "GET",
        "200",
        "probe=1",
    )


def procfile():
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_the_procfile_runs_web_worker_and_release():
    processes = procfile()

    assert processes["web"] == "gunicorn -c gunicorn.conf.py"
    assert processes["release"] == "python manage.py migrate --noinput"
    assert processes["worker"] == "python manage.py db_worker"


def test_the_procfile_s_management_commands_exist():
    commands = get_commands()

    for command in procfile().values():
        if "manage.py" in command:
            assert command.split()[2] in commands, command


SETTINGS_VARIABLE = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")
EXAMPLE_VARIABLE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def test_env_example_lists_every_variable_the_settings_read():
    read = set()
    for module in (ROOT / "settings").glob("*.py"):
        read |= set(SETTINGS_VARIABLE.findall(module.read_text()))
    listed = set(EXAMPLE_VARIABLE.findall((ROOT / ".env.example").read_text()))

    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= read  # the pattern finds them
    assert read - listed == set(), "add these to .env.example, with a comment"


def test_each_variable_in_env_example_has_a_comment():
    lines = (ROOT / ".env.example").read_text().splitlines()

    for i, line in enumerate(lines):
        if EXAMPLE_VARIABLE.match(line):
            above = lines[i - 1]
            assert above.startswith("#"), f"{line!r} has no comment above it"

"""X-Request-ID on every answer, and the same id in the JSON log lines of that request."""

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from instainstru.logging import JsonFormatter, request_id_var
from settings.base import redis_cache

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
GENERATED = re.compile(r"[0-9a-f]{32}")


def test_every_answer_carries_a_fresh_request_id(client):
    first = client.get("/health")
    second = client.get("/auth/me")

    assert GENERATED.fullmatch(first["X-Request-ID"])
    assert GENERATED.fullmatch(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize(
    "incoming",
    [
        "abc-12345",
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "1-67891233-abcdef0123456789abcdef01",
        "req_01HZX.web:3",
    ],
)
def test_a_sane_incoming_id_is_kept(client, incoming):
    response = client.get("/health", headers={"X-Request-ID": incoming})

    assert response["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["", "a" * 65, "two words", 'quote"d', "new\\nline", "<script>", "-leading-dash", "é-accent"],
)
def test_anything_else_is_replaced_not_echoed(client, incoming):
    response = client.get("/health", headers={"X-Request-ID": incoming})

    assert GENERATED.fullmatch(response["X-Request-ID"])


@override_settings(SECURE_SSL_REDIRECT=True)
def test_an_https_redirect_carries_it_too(client):
    response = client.get("/auth/me")

    assert response.status_code == 301
    assert GENERATED.fullmatch(response["X-Request-ID"])


def test_an_answer_from_the_body_limit_carries_it_too(client):
    response = client.generic(
        "POST", "/auth/login", b"{}", content_type="application/json", CONTENT_LENGTH="2000000"
    )

    assert response.status_code == 413
    assert GENERATED.fullmatch(response["X-Request-ID"])


@override_settings(SITE_MODE="preview")
def test_preview_s_lock_carries_it_too(client):
    response = client.get("/auth/me", headers={"X-Request-ID": "support-ticket-42"})

    assert response.json()["code"] == "preview_locked"
    assert response["X-Request-ID"] == "support-ticket-42"


@pytest.fixture
def json_lines():
    """The JSON lines a logger writes during the test, through the formatter prod uses."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("instainstru.health")
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


def test_a_log_line_written_during_a_request_carries_its_id(client, json_lines):
    closed = "redis://127.0.0.1:1/0"
    caches = {
        "default": redis_cache(closed, ignore_exceptions=False),
        "sessions": redis_cache(closed, ignore_exceptions=True),
    }
    with override_settings(CACHES=caches):
        response = client.get("/health", headers={"X-Request-ID": "trace-7f3a9c"})

    (line,) = json_lines()
    assert response.json()["cache"] == "down"
    assert line["request_id"] == "trace-7f3a9c" == response["X-Request-ID"]
    assert line["level"] == "WARNING"
    assert line["logger"] == "instainstru.health"
    assert line["message"] == "health: cache probe failed"
    assert "Traceback" in line["exception"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])


def record(msg, *args, **extra):
    rec = logging.LogRecord("app", logging.INFO, __file__, 1, msg, args, None)
    rec.__dict__.update(extra)
    return rec


def test_a_log_line_is_one_json_object_with_its_extras():
    out = JsonFormatter().format(record("two\nlines %s", "here", booking_id=7, at=object()))

    assert "\n" not in out
    line = json.loads(out)
    assert line["message"] == "two\nlines here"
    assert line["booking_id"] == 7
    assert line["at"].startswith("<object object")  # not JSON: written as its str()
    assert "request_id" not in line  # outside a request there is none


def test_a_log_line_outside_the_middleware_uses_the_current_context():
    token = request_id_var.set("worker-batch-3")
    try:
        line = json.loads(JsonFormatter().format(record("sending")))
    finally:
        request_id_var.reset(token)

    assert line["request_id"] == "worker-batch-3"


def test_prod_writes_json_lines_on_stdout():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.prod",
        "SECRET_KEY": "s" * 25 + "-prod-logging-test-only-" + "t" * 25,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",  # never opened
    }
    script = (
        "import django, logging; django.setup();"
        "logging.getLogger('invites.sending').warning('batch %s stalled', 12, extra={'sent': 3})"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert out.returncode == 0, out.stderr
    line = json.loads(out.stdout)
    assert (line["level"], line["logger"], line["message"], line["sent"]) == (
        "WARNING",
        "invites.sending",
        "batch 12 stalled",
        3,
    )

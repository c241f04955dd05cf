import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from settings.base import redis_cache

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CLOSED_REDIS = "redis://127.0.0.1:1/0"


def test_health_probes_the_database_and_the_cache(client):
    response = client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["db"] == "ok"
    assert body["cache"] == "ok"
    assert body["site_mode"] == "local"
    assert "phase" in body


def test_health_is_degraded_when_redis_is_down(client):
    caches = {
        "default": redis_cache(CLOSED_REDIS, ignore_exceptions=False),
        "sessions": redis_cache(CLOSED_REDIS, ignore_exceptions=True),
    }
    with override_settings(CACHES=caches):
        response = client.get("/health")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["cache"] == "down"


def test_health_is_503_when_the_database_is_down():
    # A real unreachable server, in a separate process: nothing is mocked.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.test",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nothing",
    }
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/health');"
        "print(r.status_code, r.content.decode())"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    status, _, body = out.stdout.strip().partition(" ")

    assert status == "503", out.stderr
    assert '"db": "down"' in body
    assert '"code": "unavailable"' in body

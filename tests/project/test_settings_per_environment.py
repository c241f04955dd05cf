"""Each settings module, loaded for real in its own process with the documented variables."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_ENV = {
    "SECRET_KEY": "k" * 20 + "-a-long-random-secret-for-tests-only-" + "z" * 20,
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/instainstru",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}
NAMES = [
    "SITE_MODE",
    "DEBUG",
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_DOMAIN",
    "SESSION_ENGINE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "CORS_ALLOWED_ORIGINS",
    "CORS_ALLOW_CREDENTIALS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_PROXY_SSL_HEADER",
    "TRUSTED_PROXY_COUNT",
    "ALLOWED_HOSTS",
]


def load(module, **extra_env):
    env = {k: v for k, v in os.environ.items() if k not in DEPLOY_ENV}
    env.update(extra_env)
    env["DJANGO_SETTINGS_MODULE"] = module
    script = (
        "import json; from django.conf import settings;"
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {NAMES!r}}}))"
    )
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )


def values(module, **extra_env):
    out = load(module, **extra_env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize(
    "module, mode, cookie, secure, samesite, origins",
    [
        ("settings.local", "local", "sid_local", False, "Lax", ["http://localhost:3000"]),
        ("settings.test", "local", "sid_local", False, "Lax", ["http://localhost:3000"]),
        (
            "settings.preview",
            "preview",
            "sid_preview",
            True,
            "None",
            ["https://preview.instainstru.com"],
        ),
        (
            "settings.prod",
            "prod",
            "sid_prod",
            True,
            "None",
            ["https://beta.instainstru.com", "https://instainstru.com"],
        ),
    ],
)
def test_each_environment_has_its_cookies_and_origins(
    module, mode, cookie, secure, samesite, origins
):
    s = values(module, **DEPLOY_ENV)

    assert s["SITE_MODE"] == mode
    assert s["DEBUG"] is (module == "settings.local")
    assert s["SESSION_COOKIE_NAME"] == cookie
    assert s["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    assert s["SESSION_COOKIE_HTTPONLY"] is True
    assert s["SESSION_COOKIE_SECURE"] is secure
    assert s["SESSION_COOKIE_SAMESITE"] == samesite
    assert s["SESSION_COOKIE_DOMAIN"] is None
    # The CSRF cookie follows the session cookie's flags.
    assert s["CSRF_COOKIE_HTTPONLY"] is True
    assert s["CSRF_COOKIE_SECURE"] is secure
    assert s["CSRF_COOKIE_SAMESITE"] == samesite
    assert s["CORS_ALLOWED_ORIGINS"] == origins
    assert s["CORS_ALLOW_CREDENTIALS"] is True
    assert s["CSRF_TRUSTED_ORIGINS"] == origins


@pytest.mark.parametrize("module", ["settings.preview", "settings.prod"])
def test_deployed_environments_trust_one_proxy_for_https_and_the_client_ip(module):
    s = values(module, **DEPLOY_ENV)

    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["TRUSTED_PROXY_COUNT"] == 1


def test_origins_hosts_and_cookie_domain_come_from_the_environment():
    s = values(
        "settings.prod",
        **DEPLOY_ENV,
        CORS_ALLOWED_ORIGINS="https://a.example,https://b.example",
        CSRF_TRUSTED_ORIGINS="https://a.example",
        ALLOWED_HOSTS="api.example",
        SESSION_COOKIE_DOMAIN=".example",
        TRUSTED_PROXY_COUNT="2",
    )

    assert s["CORS_ALLOWED_ORIGINS"] == ["https://a.example", "https://b.example"]
    assert s["CSRF_TRUSTED_ORIGINS"] == ["https://a.example"]
    assert s["ALLOWED_HOSTS"] == ["api.example"]
    assert s["SESSION_COOKIE_DOMAIN"] == ".example"
    assert s["TRUSTED_PROXY_COUNT"] == 2


@pytest.mark.parametrize("module", ["settings.preview", "settings.prod"])
@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL"])
def test_deployed_environments_refuse_to_start_without_their_secrets(module, missing):
    env = {k: v for k, v in DEPLOY_ENV.items() if k != missing}

    out = load(module, **env)

    assert out.returncode != 0
    assert f"Set the {missing} environment variable" in out.stderr


@pytest.mark.parametrize("module", ["settings.preview", "settings.prod"])
def test_check_deploy_prints_no_warning(module):
    env = {**os.environ, **DEPLOY_ENV, "DJANGO_SETTINGS_MODULE": module}
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "System check identified no issues (0 silenced)."
    assert out.stderr.strip() == ""

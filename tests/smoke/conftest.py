"""A live gunicorn under deployed settings, accounts it accepts, and the command as run."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from accounts.models import User
from beta.services import beta_access_grant
from tests.factories import PASSWORD, UserFactory
from tests.live import gunicorn, test_database_url

ROOT = Path(__file__).resolve().parents[2]
PROD_ORIGIN = "https://beta.instainstru.com"
PREVIEW_ORIGIN = "https://preview.instainstru.com"
# Where the command must not look: were it to open a database, this one would refuse it.
NO_DATABASE = "postgres://nobody@127.0.0.1:1/none"


def deployed_env():
    return {
        "SECRET_KEY": secrets.token_urlsafe(48),  # 64 characters
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "ALLOWED_HOSTS": "127.0.0.1",
    }


@pytest.fixture(scope="module")
def prod_server(django_db_setup):
    with gunicorn(settings_module="settings.prod", env=deployed_env()) as base:
        yield base


@pytest.fixture(scope="module")
def preview_server(django_db_setup):
    with gunicorn(settings_module="settings.preview", env=deployed_env()) as base:
        yield base


@pytest.fixture(scope="session")
def deployed_password_hash():
    # The test settings hash with MD5, which prod's hashers do not read: store what a deployed
    # server would have written (computed once; it takes a good fraction of a second).
    hasher = PBKDF2PasswordHasher()
    return hasher.encode(PASSWORD, hasher.salt())


@pytest.fixture
def accounts(transactional_db, deployed_password_hash):
    staff = UserFactory(email="ops.smoke@example.com", full_name="Olu Ops", is_staff=True)
    student = UserFactory(email="sam.smoke@example.com", full_name="Sam Smoke", role="student")
    instructor = UserFactory(
        email="ivy.smoke@example.com", full_name="Ivy Smoke", role="instructor"
    )
    beta_access_grant(user=instructor, role="instructor")
    User.objects.update(password=deployed_password_hash)
    return {"staff": staff, "student": student, "instructor": instructor}


def account_options(accounts):
    options = []
    for role, user in accounts.items():
        options += [f"--{role}-email", user.email, f"--{role}-password", PASSWORD]
    return options


def account_env(accounts):
    env = {}
    for role, user in accounts.items():
        env[f"SMOKE_{role.upper()}_EMAIL"] = user.email
        env[f"SMOKE_{role.upper()}_PASSWORD"] = PASSWORD
    return env


def smoke_check(*args, env=None):
    """`manage.py smoke_check` in its own process, as an operator runs it: settings.local, none
    of the server's variables, and a database URL that nothing could connect to."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SMOKE_") and k not in ("REDIS_URL", "SECRET_KEY")
    }
    clean.update(DJANGO_SETTINGS_MODULE="settings.local", DATABASE_URL=NO_DATABASE, **(env or {}))
    return subprocess.run(
        [sys.executable, "manage.py", "smoke_check", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=180,
    )


def json_report(out):
    """The whole of stdout must be the one JSON document."""
    return json.loads(out.stdout)


def statuses(report):
    return {c["name"]: c["status"] for c in report["checks"]}

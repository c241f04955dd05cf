"""Shared fixtures: personas, clients that enforce CSRF like a browser, a clean Redis per test."""

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

from beta.services import beta_settings_update
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with an empty Redis database (one number per checkout: REDIS_URL)."""
    for alias in ("default", "sessions"):
        caches[alias].clear()
    yield


@pytest.fixture
def set_beta(db, django_capture_on_commit_callbacks):
    """Changes the beta settings through the service, running its on-commit broadcast."""

    def change(**changes):
        with django_capture_on_commit_callbacks(execute=True):
            beta_settings_update(changed_by=None, via="test", **changes)

    return change


@pytest.fixture
def open_signup(set_beta):
    """Registration without an invite (the default phase, instructor_only, needs one)."""
    set_beta(phase="open")


@pytest.fixture
def client():
    """A JSON client that enforces CSRF the way a browser-facing deployment does."""
    return APIClient(enforce_csrf_checks=True)


@pytest.fixture
def student(db):
    return UserFactory(email="sam.student@example.com", full_name="Sam Student", role="student")


@pytest.fixture
def instructor(db):
    return UserFactory(
        email="ivy.instructor@example.com", full_name="Ivy Instructor", role="instructor"
    )


@pytest.fixture
def staff(db):
    return UserFactory(
        email="sol.staff@example.com", full_name="Sol Staff", role="student", is_staff=True
    )


def login(client, user, password=PASSWORD):
    """Logs in over HTTP and returns the CSRF token for later unsafe calls."""
    response = client.post(
        "/auth/login", {"email": user.email, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return client.cookies["csrftoken"].value

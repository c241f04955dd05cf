"""A phase change made on one server process is seen by another on its very next request."""

import pytest

from tests.factories import UserFactory
from tests.live import Browser, gunicorn

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_phase_change_reaches_a_second_process_at_once():
    staff = UserFactory(email="ops@example.com", is_staff=True)
    with gunicorn() as server_a, gunicorn() as server_b:
        reader = Browser(server_b)
        # B reads (and caches) the phase first, so a per-process copy would now be stale.
        status, headers, body = reader.request("GET", "/api/beta/settings")
        assert (status, body["phase"], headers["X-Beta-Phase"]) == (
            200,
            "instructor_only",
            "instructor_only",
        )

        admin = Browser(server_a)
        status, _, _ = admin.request(
            "POST",
            "/auth/login",
            {"email": staff.email, "password": "correct-horse-battery-staple"},
        )
        assert status == 200
        status, _, body = admin.request("PUT", "/api/beta/settings", {"phase": "open_beta"})
        assert (status, body["phase"]) == (200, "open_beta")

        status, headers, body = reader.request("GET", "/api/beta/settings")
        assert body["phase"] == "open_beta"
        assert headers["X-Beta-Phase"] == "open_beta"

        status, _, body = admin.request("PUT", "/api/beta/settings", {"beta_disabled": True})
        _, headers, _ = reader.request("GET", "/health")
        assert headers["X-Beta-Phase"] == "disabled"

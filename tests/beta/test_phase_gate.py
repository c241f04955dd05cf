"""API.md's decision table, row by row, on a gated endpoint (GET /api/bookings/history)."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from beta.models import BetaAccess
from tests.conftest import login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GATED = "/api/bookings/history"
PROD = {"SITE_MODE": "prod"}

OK = (200, None)
ANON = (401, "not_authenticated")
RESTRICTED = (403, "beta_phase_restricted")
NEEDS_ACCESS = (403, "beta_access_required")

# persona → expected answer, per phase.
TABLE = {
    "instructor_only": {
        "anonymous": ANON,
        "student": RESTRICTED,
        "student_with_grant": RESTRICTED,
        "instructor": NEEDS_ACCESS,
        "instructor_with_grant": OK,
        "instructor_with_revoked_grant": NEEDS_ACCESS,
        "staff": OK,
    },
    "alpha": {
        "anonymous": ANON,
        "student": NEEDS_ACCESS,
        "student_with_grant": OK,
        "instructor": NEEDS_ACCESS,
        "instructor_with_grant": OK,
        "instructor_with_revoked_grant": NEEDS_ACCESS,
        "staff": OK,
    },
    "open_beta": {
        "anonymous": ANON,
        "student": OK,
        "student_with_grant": OK,
        "instructor": OK,
        "instructor_with_grant": OK,
        "instructor_with_revoked_grant": OK,
        "staff": OK,
    },
    # The gate passes everyone in open; the endpoint itself needs a login.
    "open": {
        "anonymous": ANON,
        "student": OK,
        "student_with_grant": OK,
        "instructor": OK,
        "instructor_with_grant": OK,
        "instructor_with_revoked_grant": OK,
        "staff": OK,
    },
}
PERSONAS = list(TABLE["alpha"])


def make_persona(name):
    if name == "anonymous":
        return None
    if name == "staff":
        return UserFactory(is_staff=True, role="student")
    role = "student" if name.startswith("student") else "instructor"
    user = UserFactory(role=role)
    if "grant" in name:
        BetaAccess.objects.create(
            user=user,
            role=role,
            phase_at_grant="alpha",
            revoked_at=timezone.now() if "revoked" in name else None,
        )
    return user


def call_as(client, persona, path=GATED, **extra):
    user = make_persona(persona)
    if user is not None:
        login(client, user)
    return client.get(path, **extra)


def assert_answer(response, expected):
    status, code = expected
    assert response.status_code == status, response.content
    if code:
        assert response.json()["code"] == code


@override_settings(**PROD)
@pytest.mark.parametrize("phase", list(TABLE))
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_gate_follows_the_decision_table(client, set_beta, phase, persona):
    set_beta(phase=phase)
    assert_answer(call_as(client, persona), TABLE[phase][persona])


@override_settings(**PROD)
@pytest.mark.parametrize("phase", list(TABLE))
@pytest.mark.parametrize("persona", PERSONAS)
def test_beta_disabled_lets_every_account_through(client, set_beta, phase, persona):
    set_beta(phase=phase, beta_disabled=True)
    assert_answer(call_as(client, persona), ANON if persona == "anonymous" else OK)


@override_settings(**PROD)
@pytest.mark.parametrize(
    "extra",
    [
        {"headers": {"X-Site-Mode": "preview"}},
        {"headers": {"X-Preview": "1"}},
        {"QUERY_STRING": "preview=1"},
        {"headers": {"Cookie": "sid_preview=anything; preview_pass=anything"}},
    ],
    ids=["x-site-mode", "x-preview", "query", "preview-cookies"],
)
def test_nothing_in_the_request_switches_the_gate_off(client, set_beta, extra):
    set_beta(phase="alpha")
    student = UserFactory(role="student")
    login(client, student)
    if "Cookie" in extra.get("headers", {}):
        client.cookies["sid_preview"] = "anything"
        client.cookies["preview_pass"] = "anything"
        extra = {}

    response = client.get(GATED, **extra)

    assert_answer(response, NEEDS_ACCESS)
    assert response["X-Site-Mode"] == "prod"


@override_settings(**PROD)
def test_the_gate_adds_at_most_one_query_for_a_user_with_a_grant(client, set_beta):
    user = make_persona("student_with_grant")
    login(client, user)

    set_beta(phase="open")
    client.get(GATED)  # warm the caches
    with CaptureQueriesContext(connection) as ungated:
        assert client.get(GATED).status_code == 200

    set_beta(phase="alpha")
    client.get(GATED)
    with CaptureQueriesContext(connection) as gated:
        assert client.get(GATED).status_code == 200

    assert len(gated) - len(ungated) <= 1
    assert len(gated) <= 2  # the user with its grant, then the bookings


@override_settings(**PROD)
def test_a_revoked_grant_takes_effect_on_the_next_request(client, set_beta):
    set_beta(phase="alpha")
    user = make_persona("student_with_grant")
    login(client, user)
    assert client.get(GATED).status_code == 200

    BetaAccess.objects.filter(user=user).update(revoked_at=timezone.now())

    assert_answer(client.get(GATED), NEEDS_ACCESS)


@override_settings(**PROD)
def test_public_endpoints_stay_reachable_in_the_strictest_phase(client, set_beta):
    set_beta(phase="instructor_only")
    student = make_persona("student")
    token = login(client, student)

    assert client.get("/auth/me").status_code == 200
    assert client.get("/api/beta/settings").status_code == 200
    assert client.get("/api/beta/invites/validate?code=X").status_code == 200
    assert client.post("/api/public/session/guest", headers={"X-CSRFToken": token}).status_code in (
        200,
        201,
    )
    assert client.get("/health").status_code == 200

import pytest
from django.test import override_settings

from beta.models import BetaSettingsChange
from beta.selectors import beta_state
from tests.conftest import login

pytestmark = pytest.mark.django_db

URL = "/api/beta/settings"


def test_anyone_can_read_the_settings(client):
    response = client.get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "site_mode": "local",
        "phase": "instructor_only",
        "beta_disabled": False,
        "allow_signup_without_invite": False,
    }


def test_staff_change_the_phase_and_the_change_is_recorded(
    client, staff, django_capture_on_commit_callbacks
):
    token = login(client, staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.put(
            URL,
            {"phase": "alpha", "beta_disabled": False},
            format="json",
            headers={"X-CSRFToken": token},
        )

    assert response.status_code == 200
    assert response.json()["phase"] == "alpha"
    change = BetaSettingsChange.objects.get()  # beta_disabled did not change: not recorded
    assert (change.changed_by, change.field, change.old_value, change.new_value, change.via) == (
        staff,
        "phase",
        "instructor_only",
        "alpha",
        "api",
    )
    assert client.get(URL)["X-Beta-Phase"] == "alpha"


def test_disabling_the_beta_shows_in_the_phase_header(
    client, staff, django_capture_on_commit_callbacks
):
    token = login(client, staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.put(URL, {"beta_disabled": True}, format="json", headers={"X-CSRFToken": token})

    response = client.get("/health")

    assert response["X-Beta-Phase"] == "disabled"
    assert response.json()["phase"] == "disabled"


def test_an_anonymous_put_is_401(client):
    response = client.put(URL, {"phase": "open"}, format="json")
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


@pytest.mark.parametrize("persona", ["student", "instructor"])
def test_a_non_staff_put_is_403_staff_only(client, request, persona):
    token = login(client, request.getfixturevalue(persona))

    response = client.put(URL, {"phase": "open"}, format="json", headers={"X-CSRFToken": token})

    assert (response.status_code, response.json()["code"]) == (403, "staff_only")
    assert client.get(URL).json()["phase"] == "instructor_only"


@pytest.mark.parametrize(
    "body", [{"phase": "closed"}, {"beta_disabled": "maybe"}, {}, {"phase": None}, ["open"]]
)
def test_a_bad_put_is_400_invalid(client, staff, body):
    token = login(client, staff)

    response = client.put(URL, body, format="json", headers={"X-CSRFToken": token})

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert not BetaSettingsChange.objects.exists()


def test_a_put_without_csrf_is_refused(client, staff):
    login(client, staff)
    response = client.put(URL, {"phase": "open"}, format="json")
    assert response.json()["code"] == "csrf_failed"


@override_settings(SITE_MODE="prod")
def test_every_response_carries_the_phase(client):
    for response in (client.get("/health"), client.get("/api/nope"), client.get("/admin/login/")):
        assert response["X-Beta-Phase"] == "instructor_only"
        assert response["X-Site-Mode"] == "prod"


def test_the_phase_survives_a_redis_outage(client, set_beta):
    from settings.base import redis_cache

    set_beta(phase="open_beta")
    closed = "redis://127.0.0.1:1/0"
    caches = {
        "default": redis_cache(closed, ignore_exceptions=False),
        "sessions": redis_cache(closed, ignore_exceptions=True),
    }
    with override_settings(CACHES=caches):
        response = client.get(URL)

    assert response.json()["phase"] == "open_beta"
    assert response["X-Beta-Phase"] == "open_beta"


def test_the_phase_header_is_a_plain_string_on_a_fresh_database(client):
    # wsgiref (runserver) refuses header values that are str subclasses such as a Phase member.
    response = client.get("/health")
    assert type(response.headers["X-Beta-Phase"]) is str
    assert type(beta_state().phase) is str

import pytest
from django.test import Client

from beta.models import BetaAccess, BetaSettings, BetaSettingsChange
from beta.selectors import beta_state
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(staff):
    staff.is_superuser = True
    staff.save()
    c = Client()
    c.force_login(staff)
    return c


def test_staff_change_the_phase_in_the_admin_and_it_is_recorded(
    admin_client, staff, django_capture_on_commit_callbacks
):
    beta_state()  # creates the row and caches it, as any request would
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/beta/betasettings/1/change/",
            {"phase": "open_beta", "allow_signup_without_invite": "on"},
        )

    assert response.status_code == 302
    assert BetaSettings.objects.get().phase == "open_beta"
    changes = {c.field: c for c in BetaSettingsChange.objects.all()}
    assert set(changes) == {"phase", "allow_signup_without_invite"}
    assert (changes["phase"].old_value, changes["phase"].new_value) == (
        "instructor_only",
        "open_beta",
    )
    assert changes["phase"].changed_by == staff and changes["phase"].via == "admin"
    assert beta_state().phase == "open_beta"  # broadcast: the cached state moved too

    history = admin_client.get("/admin/beta/betasettingschange/")
    assert b"open_beta" in history.content


def test_the_admin_grants_and_revokes_access(admin_client):
    user = UserFactory(role="instructor")

    admin_client.post(
        "/admin/accounts/user/",
        {"action": "grant_beta_access", "_selected_action": [user.pk]},
    )
    grant = BetaAccess.objects.get(user=user)
    assert (grant.role, grant.revoked_at) == ("instructor", None)

    admin_client.post(
        "/admin/beta/betaaccess/", {"action": "revoke", "_selected_action": [grant.pk]}
    )
    grant.refresh_from_db()
    assert grant.revoked_at is not None


def test_granting_twice_keeps_one_active_grant(admin_client):
    user = UserFactory()
    for _ in range(2):
        admin_client.post(
            "/admin/accounts/user/",
            {"action": "grant_beta_access", "_selected_action": [user.pk]},
        )
    assert BetaAccess.objects.filter(user=user, revoked_at__isnull=True).count() == 1

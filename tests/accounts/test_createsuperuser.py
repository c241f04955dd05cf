import pytest
from django.core.management import call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_the_deploy_script_can_create_the_first_staff_account(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Ops@InstaInstru.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-deploy-password-42")
    monkeypatch.setenv("DJANGO_SUPERUSER_FULL_NAME", "Ops Team")

    call_command("createsuperuser", interactive=False, verbosity=0)

    user = User.objects.get()
    assert user.email == "ops@instainstru.com"
    assert user.full_name == "Ops Team"
    assert user.is_staff and user.is_superuser
    assert user.check_password("a-long-deploy-password-42")

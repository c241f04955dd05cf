import pytest

from accounts.models import User
from invites.services import invite_create
from referrals.models import Referral, UserIp
from referrals.services import referral_code_ensure
from tests.factories import UserFactory
from tests.referrals.conftest import OTHER_IP, client_from, register

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("open_signup")
def test_a_code_in_the_body_attributes_the_new_student(code, referrer):
    response = register(client_from(OTHER_IP), "new@example.com", referral_code=code)

    assert response.status_code == 201
    referral = Referral.objects.get()
    assert referral.referrer == referrer
    assert referral.referee.email == "new@example.com"
    assert referral.code.code == code
    assert (referral.attributed_via, referral.status, referral.reason) == ("body", "pending", "")
    assert referral.signup_ip == OTHER_IP
    assert referral.created_at is not None


@pytest.mark.usefixtures("open_signup")
def test_the_cookie_from_a_share_link_attributes_the_new_student(code, referrer):
    browser = client_from(OTHER_IP)
    browser.get(f"/r/{code}")  # the share link sets ref_code

    response = register(browser, "new@example.com")

    assert response.status_code == 201
    referral = Referral.objects.get()
    assert (referral.referrer, referral.attributed_via) == (referrer, "cookie")


@pytest.mark.usefixtures("open_signup")
def test_a_code_in_the_body_wins_over_the_cookie(code, referrer):
    other_code = referral_code_ensure(user=UserFactory(role="student")).code
    browser = client_from(OTHER_IP)
    browser.cookies["ref_code"] = other_code

    register(browser, "new@example.com", referral_code=code)

    referral = Referral.objects.get()
    assert (referral.referrer, referral.attributed_via) == (referrer, "body")


@pytest.mark.usefixtures("open_signup")
@pytest.mark.parametrize("where", ["body", "cookie"])
def test_an_unknown_code_is_ignored_and_the_account_still_created(code, where):
    browser = client_from(OTHER_IP)
    extra = {}
    if where == "body":
        extra["referral_code"] = "ZZZZZZZZ"
    else:
        browser.cookies["ref_code"] = "not-a-code"

    response = register(browser, "new@example.com", **extra)

    assert response.status_code == 201
    assert User.objects.filter(email="new@example.com").exists()
    assert not Referral.objects.exists()


@pytest.mark.usefixtures("open_signup")
def test_a_code_is_read_case_insensitively(code):
    register(client_from(OTHER_IP), "new@example.com", referral_code=code.lower())

    assert Referral.objects.get().code.code == code


@pytest.mark.usefixtures("open_signup")
def test_only_students_are_referred(code):
    response = register(
        client_from(OTHER_IP), "teacher@example.com", role="instructor", referral_code=code
    )

    assert response.status_code == 201
    assert not Referral.objects.exists()


def test_an_invite_for_an_instructor_outranks_the_body_role_and_stops_the_referral(code, staff):
    # Default phase (instructor_only): sign-up needs an invite, and the invite's role wins.
    invite = invite_create(email="teacher@example.com", role="instructor", created_by=staff)

    response = register(
        client_from(OTHER_IP), "teacher@example.com", invite_code=invite.code, referral_code=code
    )

    assert response.status_code == 201
    assert response.json()["role"] == "instructor"
    assert not Referral.objects.exists()


@pytest.mark.usefixtures("open_signup")
def test_a_failed_registration_leaves_no_referral(code, student):
    response = register(client_from(OTHER_IP), student.email, referral_code=code)

    assert response.status_code == 409
    assert not Referral.objects.exists()


@pytest.mark.usefixtures("open_signup")
def test_registration_remembers_the_students_address_for_the_same_ip_rule():
    register(client_from(OTHER_IP), "new@example.com")

    assert UserIp.objects.get().ip == OTHER_IP
    assert UserIp.objects.get().user.email == "new@example.com"


@pytest.mark.usefixtures("open_signup")
def test_a_spoofed_forwarded_for_header_is_not_the_signup_address(code):
    # No trusted proxies in settings.test: X-Forwarded-For is the client's own claim.
    register(
        client_from(OTHER_IP),
        "new@example.com",
        referral_code=code,
        headers={"X-Forwarded-For": "192.0.2.99"},
    )

    assert Referral.objects.get().signup_ip == OTHER_IP

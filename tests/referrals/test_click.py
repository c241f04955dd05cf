import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from referrals.models import ReferralCode
from tests.referrals.conftest import client_from

pytestmark = pytest.mark.django_db


def clicks(code):
    return ReferralCode.objects.get(code=code).clicks


def test_a_click_counts_sets_the_cookie_and_redirects_to_the_front_end(client, code, settings):
    settings.FRONTEND_URL = "https://beta.instainstru.com"

    response = client.get(f"/r/{code}")

    assert response.status_code == 302
    assert response["Location"] == "https://beta.instainstru.com"
    assert "no-cache" in response["Cache-Control"]
    cookie = response.cookies["ref_code"]
    assert cookie.value == code
    assert cookie["max-age"] == 60 * 60 * 24 * 30
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # settings.test is local: plain http
    assert clicks(code) == 1


def test_the_cookie_takes_the_deployed_session_flags(client, code, settings):
    # What settings.preview and settings.prod set: a cross-site front end on HTTPS.
    settings.SESSION_COOKIE_SECURE = True
    settings.SESSION_COOKIE_SAMESITE = "None"
    settings.SESSION_COOKIE_DOMAIN = ".instainstru.com"

    cookie = client.get(f"/r/{code}").cookies["ref_code"]

    assert (cookie["secure"], cookie["httponly"], cookie["samesite"]) == (True, True, "None")
    assert cookie["domain"] == ".instainstru.com"


def test_repeated_clicks_add_to_one_counter_without_a_row_each(client, code):
    for _ in range(5):
        client.get(f"/r/{code}")

    assert clicks(code) == 5
    assert ReferralCode.objects.count() == 1


def test_a_click_is_one_update_query(client, code):
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/r/{code}")

    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    assert '"clicks" + 1' in updates[0]  # F(): the database adds, no read-modify-write race


def test_a_code_typed_in_lower_case_or_with_a_dash_still_counts(client, code):
    response = client.get(f"/r/{code[:4].lower()}-{code[4:].lower()}")

    assert response.cookies["ref_code"].value == code
    assert clicks(code) == 1


@pytest.mark.parametrize("unknown", ["ZZZZZZZZ", "short", "O0O0O0O0", "x" * 300])
def test_an_unknown_code_redirects_without_a_cookie(client, code, unknown):
    response = client.get(f"/r/{unknown}")

    assert response.status_code == 302
    assert "ref_code" not in response.cookies
    assert clicks(code) == 0


def test_a_code_of_a_deactivated_student_sets_no_cookie(client, code, referrer):
    referrer.is_active = False
    referrer.save()

    response = client.get(f"/r/{code}")

    assert response.status_code == 302
    assert "ref_code" not in response.cookies


def test_head_requests_from_link_previews_count_nothing(client, code):
    response = client.head(f"/r/{code}")

    assert response.status_code == 302
    assert "ref_code" not in response.cookies
    assert clicks(code) == 0


def test_the_link_is_never_rate_limited(code, settings):
    policy = {**settings.RATELIMIT_POLICY, "general": {"rate": "2/m", "key": "ip"}}
    settings.RATELIMIT_POLICY = policy
    browser = client_from("192.0.2.50")

    statuses = {browser.get(f"/r/{code}").status_code for _ in range(10)}

    assert statuses == {302}
    assert clicks(code) == 10
    assert browser.get("/api/beta/settings").status_code == 200
    assert browser.get("/api/beta/settings").status_code == 200
    assert browser.get("/api/beta/settings").status_code == 429  # the policy itself is live

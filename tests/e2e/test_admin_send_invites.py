"""Staff send invites from the Django admin in a real browser: headless Chromium (Debian's
package, driven by Playwright for Python) against a live server on this test database.

Paste addresses → the preview counts every kind → confirm → the batch page reaches "sent".
The preview is saved to docs/screenshots/ when the test passes.
"""

import os
from pathlib import Path

import pytest
from django.core import mail

from beta.services import beta_access_grant
from invites import services
from invites.models import InviteBatch, SendStatus
from tests.factories import PASSWORD, UserFactory

CHROMIUM = "/usr/bin/chromium"
SCREENSHOT = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "admin-send-invites-preview.png"
)

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.django_db(transaction=True),  # the live server sees only committed data
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"needs Debian's chromium at {CHROMIUM}"
    ),
]


def test_staff_paste_addresses_preview_confirm_and_see_the_batch_sent(live_server, tmp_path):
    staff = UserFactory(
        email="sol.staff@example.com", full_name="Sol Staff", is_staff=True, is_superuser=True
    )
    services.invite_create(email="pending@example.com", role="instructor")
    beta_access_grant(user=UserFactory(email="member@example.com"), role="instructor")
    preview_png = tmp_path / "preview.png"

    # No ORM calls while the browser runs: Playwright's sync API keeps an event loop in this
    # thread, and Django refuses database calls from a thread with a running loop.
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 760})
            page.set_default_timeout(15_000)
            expect = sync_api.expect

            page.goto(f"{live_server.url}/admin/login/?next=/admin/invites/invite/")
            page.fill("#id_username", staff.email)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            expect(page.locator("#invite-summary")).to_be_visible()

            page.click("#send-invites-link")
            page.fill(
                "#id_emails",
                "Ada Lovelace <ada@example.com>, bob@example.com; bad-address\n"
                "BOB@example.com\npending@example.com\nmember@example.com",
            )
            page.select_option("#id_role", "instructor")
            page.fill("#id_expires_in_days", "21")
            page.fill("#id_source", "e2e")
            page.click("#preview-button")

            expect(page.locator("#count-valid")).to_have_text("2")
            expect(page.locator("#count-invalid_email")).to_have_text("1")
            expect(page.locator("#count-duplicate_in_batch")).to_have_text("1")
            expect(page.locator("#count-already_invited")).to_have_text("1")
            expect(page.locator("#count-already_member")).to_have_text("1")
            expect(page.locator("#group-valid")).to_contain_text("ada@example.com (Ada Lovelace)")
            expect(page.locator("#group-invalid_email")).to_contain_text("bad-address")
            page.screenshot(path=str(preview_png))

            page.click("#confirm-button")

            expect(page.locator("#batch-status")).to_have_text("sent", timeout=30_000)
            expect(page.locator("#count-total")).to_have_text("2")
            expect(page.locator("#count-sent")).to_have_text("2")
            expect(page.locator("#count-failed")).to_have_text("0")
        finally:
            browser.close()

    batch = InviteBatch.objects.get()
    assert (batch.source, batch.via, batch.created_by) == ("e2e", "admin", staff)
    assert set(batch.invites.values_list("email", "send_status")) == {
        ("ada@example.com", SendStatus.SENT),
        ("bob@example.com", SendStatus.SENT),
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.com", "bob@example.com"]
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.write_bytes(preview_png.read_bytes())

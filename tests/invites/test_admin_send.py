"""The invites admin: "Send invites" (paste or CSV → preview → confirm → batch page), the
invite actions and filters, the add form through the service, the batch list's conversion."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from beta.services import beta_access_grant
from invites import services
from invites.models import Invite, InviteBatch, SendStatus
from invites.parsing import Row
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SEND = reverse("admin:invites_invite_send")
INVITES = reverse("admin:invites_invite_changelist")
BATCHES = reverse("admin:invites_invitebatch_changelist")


def batch_page(batch):
    return reverse("admin:invites_invitebatch_change", args=[batch.pk])


@pytest.fixture
def admin(db):
    user = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def preview(admin, **fields):
    data = {"role": "instructor", "expires_in_days": 14, "source": "", "step": "preview", **fields}
    return admin.post(SEND, data)


def confirm(admin, response, capture):
    with capture(execute=True):
        return admin.post(SEND, {"step": "confirm", "token": response.context["token"]})


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- Send invites -----------------------------------------------------------------------------


def test_the_invite_list_links_to_send_invites_and_shows_the_conversion_summary(admin):
    services.invite_create(role="student", email="x@example.com")

    response = admin.get(INVITES)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{SEND}"' in html and "Send invites" in html
    assert 'id="invite-summary"' in html
    assert response.context["conversion"]["total"] == 1


def test_the_send_page_shows_the_form(admin):
    response = admin.get(SEND)
    assert response.status_code == 200
    assert set(response.context["form"].fields) == {
        "emails",
        "csv_file",
        "role",
        "expires_in_days",
        "source",
    }


def test_the_preview_counts_and_lists_every_kind_of_address_and_writes_nothing(admin):
    services.invite_create(email="pending@example.com", role="instructor")
    member = UserFactory(email="member@example.com")
    beta_access_grant(user=member, role="instructor")

    response = preview(
        admin,
        emails="new@example.com, NEW@example.com; bad-address\n"
        "pending@example.com\nmember@example.com;Zoë <zoe@example.com>",
    )

    assert response.status_code == 200
    assert response.templates[0].name == "admin/invites/invite/send_preview.html"
    assert response.context["counts"] == {
        "submitted": 6,
        "valid": 2,
        "invalid_email": 1,
        "duplicate_in_batch": 1,
        "already_invited": 1,
        "already_member": 1,
    }
    html = response.content.decode()
    for email in ["new@example.com", "zoe@example.com", "bad-address", "pending@example.com"]:
        assert email in html
    assert 'id="group-already_member"' in html and "member@example.com" in html
    assert "Send 2 invites" in html
    assert InviteBatch.objects.count() == 0
    assert Invite.objects.count() == 1  # only the one made above


def test_confirming_writes_the_batch_and_shows_its_page_reaching_sent(
    admin, django_capture_on_commit_callbacks
):
    shown = preview(admin, emails="a@example.com\nb@example.com\nbad", source="meetup")

    response = confirm(admin, shown, django_capture_on_commit_callbacks)

    batch = InviteBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == batch_page(batch)
    assert (batch.via, batch.source, batch.created_by) == ("admin", "meetup", admin.user)
    assert batch.rejected == [{"email": "bad", "reason": "invalid_email"}]
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.com", "b@example.com"]

    page = admin.get(response["Location"])

    assert page.status_code == 200
    assert page.context["progress"]["status"] == "sent"
    html = page.content.decode()
    assert 'data-status="sent"' in html
    assert 'http-equiv="refresh"' not in html  # done: no more refreshing
    assert any("2 invite(s) queued" in m for m in messages_of(page))


def test_confirming_twice_does_not_make_a_second_batch(admin, django_capture_on_commit_callbacks):
    shown = preview(admin, emails="once@example.com")
    confirm(admin, shown, django_capture_on_commit_callbacks)

    again = confirm(admin, shown, django_capture_on_commit_callbacks)

    assert again.status_code == 302 and again["Location"] == SEND
    assert InviteBatch.objects.count() == 1


def test_a_confirm_without_the_preview_s_token_writes_nothing(admin):
    preview(admin, emails="a@example.com")

    response = admin.post(SEND, {"step": "confirm", "token": "forged"}, follow=True)

    assert any("no longer available" in m for m in messages_of(response))
    assert not InviteBatch.objects.exists()


def test_confirm_judges_the_addresses_again(admin, django_capture_on_commit_callbacks):
    shown = preview(admin, emails="a@example.com, late@example.com")
    services.invite_create(email="late@example.com", role="instructor")  # after the preview

    confirm(admin, shown, django_capture_on_commit_callbacks)

    batch = InviteBatch.objects.get()
    assert list(batch.invites.values_list("email", flat=True)) == ["a@example.com"]
    assert batch.rejected == [{"email": "late@example.com", "reason": "already_invited"}]


def test_a_csv_upload_with_bom_roles_and_names(admin, django_capture_on_commit_callbacks):
    data = "\ufeffemail,name,role\nada@example.com,Ada Lovelace,instructor\nsam@example.com,Sam,\n"
    upload = SimpleUploadedFile("people.csv", data.encode(), content_type="text/csv")

    shown = preview(admin, csv_file=upload, role="student")
    assert shown.context["counts"]["valid"] == 2
    confirm(admin, shown, django_capture_on_commit_callbacks)

    got = {i.email: (i.role, i.name) for i in Invite.objects.all()}
    assert got == {
        "ada@example.com": ("instructor", "Ada Lovelace"),
        "sam@example.com": ("student", "Sam"),
    }


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"emails": ""}, "Paste some addresses or upload a CSV file."),
        ({"emails": " ,; "}, "No addresses found."),
        (
            {
                "emails": "a@example.com",
                "csv_file": SimpleUploadedFile("a.csv", b"email\nb@example.com\n"),
            },
            "not both",
        ),
        ({"csv_file": SimpleUploadedFile("a.csv", b"name\nAda\n")}, "email"),
        ({"csv_file": SimpleUploadedFile("a.csv", b"email\na@x.com\x00\n")}, "NUL"),
        ({"csv_file": SimpleUploadedFile("a.csv", b"email\n\xff\xfe\n")}, "UTF-8"),
        ({"emails": "\n".join(f"p{i}@e.co" for i in range(10_001))}, "at most 10,000"),
        ({"emails": "a@example.com", "expires_in_days": 0}, "greater than or equal to 1"),
        ({"emails": "a@example.com", "expires_in_days": 181}, "less than or equal to 180"),
    ],
    ids=[
        "nothing",
        "only-separators",
        "both",
        "no-email-column",
        "nul",
        "not-utf8",
        "too-many",
        "expiry-low",
        "expiry-high",
    ],
)
def test_bad_input_shows_a_clear_message_and_writes_nothing(admin, fields, message):
    response = preview(admin, **fields)

    assert response.status_code == 200
    assert response.templates[0].name == "admin/invites/invite/send.html"
    assert message in response.content.decode()
    assert not InviteBatch.objects.exists() and not Invite.objects.exists()


def test_a_file_over_5_mb_is_refused(admin):
    big = b"email\n" + b"someone@example.com\n" * 270_000
    assert len(big) > 5 * 1024 * 1024

    response = preview(admin, csv_file=SimpleUploadedFile("big.csv", big))

    assert "the limit is 5 MB" in response.content.decode()
    assert not Invite.objects.exists()


def test_staff_without_the_add_permission_cannot_send(db):
    clerk = UserFactory(email="clerk@example.com", is_staff=True)
    client = Client()
    client.force_login(clerk)
    assert client.get(SEND).status_code == 403


def test_anonymous_visitors_are_sent_to_the_admin_login():
    response = Client().get(SEND)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- the batch page ---------------------------------------------------------------------------


def make_batch(emails, capture, execute):
    with capture(execute=execute):
        return services.invite_batch_create(
            rows=[Row(email=e) for e in emails], role="student"
        ).batch


def test_the_batch_page_refreshes_while_sending_goes_on(admin, django_capture_on_commit_callbacks):
    batch = make_batch(
        ["a@example.com", "b@example.com"], django_capture_on_commit_callbacks, False
    )
    first = batch.invites.order_by("id").first()
    Invite.objects.filter(pk=first.pk).update(send_status=SendStatus.SENT, sent_at=timezone.now())

    page = admin.get(batch_page(batch))

    html = page.content.decode()
    assert page.context["progress"]["status"] == "sending"
    assert '<meta http-equiv="refresh" content="2">' in html
    assert 'value="1" max="2"' in html  # the progress bar
    assert 'id="count-total">2<' in html and 'id="count-sent">1<' in html


def test_the_batch_page_lists_failures_and_resends_only_those(
    admin, django_capture_on_commit_callbacks
):
    batch = make_batch(
        ["ok@example.com", "bounce@example.com"], django_capture_on_commit_callbacks, True
    )
    Invite.objects.filter(email="bounce@example.com").update(
        send_status=SendStatus.FAILED, sent_at=None, last_error="SMTPRecipientsRefused: 550"
    )
    mail.outbox.clear()

    page = admin.get(batch_page(batch))
    assert "SMTPRecipientsRefused: 550" in page.content.decode()
    assert 'id="resend-failed"' in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(batch_page(batch), {"action": "resend_failed"})

    assert response.status_code == 302
    assert [m.to[0] for m in mail.outbox] == ["bounce@example.com"]
    assert admin.get(batch_page(batch)).context["progress"]["status"] == "sent"


def test_an_unknown_batch_page_is_404(admin):
    assert admin.get(reverse("admin:invites_invitebatch_change", args=[9999])).status_code == 404


def test_the_batch_list_has_conversion_columns_from_one_query(
    admin, django_capture_on_commit_callbacks
):
    b1 = make_batch(["a@example.com", "b@example.com"], django_capture_on_commit_callbacks, True)
    invite = b1.invites.get(email="a@example.com")
    services.invite_redeem(invite=invite, user=UserFactory(email="a@example.com"))

    with CaptureQueriesContext(connection) as one:
        response = admin.get(BATCHES)
    for n in range(10):
        make_batch([f"x{n}@example.com"], django_capture_on_commit_callbacks, True)
    with CaptureQueriesContext(connection) as eleven:
        admin.get(BATCHES)

    html = response.content.decode()
    assert "50.0%" in html  # 1 of 2 sent invites redeemed
    row = response.context["cl"].result_list[0]
    assert (row.n_total, row.n_delivered, row.n_redeemed) == (2, 2, 1)
    assert len(eleven.captured_queries) == len(one.captured_queries)


# --- the invite list: actions and filters -----------------------------------------------------


def act(admin, action, invites, capture=None):
    data = {"action": action, "_selected_action": [i.pk for i in invites]}
    if capture is None:
        return admin.post(INVITES, data)
    with capture(execute=True):
        return admin.post(INVITES, data)


def test_the_resend_action_e_mails_the_selected_usable_invites_again(
    admin, django_capture_on_commit_callbacks, student
):
    batch = make_batch(
        ["sent@example.com", "used@example.com", "revoked@example.com"],
        django_capture_on_commit_callbacks,
        True,
    )
    Invite.objects.filter(email="used@example.com").update(used_at=timezone.now(), used_by=student)
    Invite.objects.filter(email="revoked@example.com").update(revoked_at=timezone.now())
    unbound = services.invite_create(role="student")
    mail.outbox.clear()

    response = act(
        admin, "resend", list(batch.invites.all()) + [unbound], django_capture_on_commit_callbacks
    )

    assert response.status_code == 302
    assert [m.to[0] for m in mail.outbox] == ["sent@example.com"]
    assert Invite.objects.get(email="sent@example.com").send_attempts == 2


def test_the_revoke_action(admin):
    a = services.invite_create(role="student", email="a@example.com")
    b = services.invite_create(role="student", email="b@example.com")

    act(admin, "revoke", [a])

    a.refresh_from_db(), b.refresh_from_db()
    assert a.revoked_at is not None and b.revoked_at is None


def test_the_export_action_streams_a_csv_and_defuses_formulas(admin):
    services.invite_create(role="student", email="a@example.com", name="=HYPERLINK(1)")
    services.invite_create(role="instructor", email="b@example.com", name="Bea", source="ads")

    response = act(admin, "export_csv", Invite.objects.all())

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["email"], r["role"], r["status"], r["source"]) for r in rows] == [
        ("a@example.com", "student", "pending", ""),
        ("b@example.com", "instructor", "pending", "ads"),
    ]
    assert rows[0]["name"] == "'=HYPERLINK(1)"
    assert rows[0]["code"].count("-") == 1


def changelist(admin, **query):
    return list(admin.get(INVITES, query).context["cl"].result_list)


def test_the_invite_list_filters_by_status_send_status_role_batch_and_source(
    admin, django_capture_on_commit_callbacks, student
):
    batch = make_batch(
        ["b1@example.com", "b2@example.com"], django_capture_on_commit_callbacks, True
    )
    expired = services.invite_create(role="instructor", email="old@example.com", source="ads")
    Invite.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    used = services.invite_create(role="student", email="used@example.com")
    Invite.objects.filter(pk=used.pk).update(used_at=timezone.now(), used_by=student)
    revoked = services.invite_create(role="student", email="rev@example.com")
    services.invite_revoke(invite=revoked)

    def emails(**query):
        return sorted(i.email for i in changelist(admin, **query))

    assert emails(status="expired") == ["old@example.com"]
    assert emails(status="used") == ["used@example.com"]
    assert emails(status="revoked") == ["rev@example.com"]
    assert emails(status="pending") == ["b1@example.com", "b2@example.com"]
    assert emails(send_status__exact="sent") == ["b1@example.com", "b2@example.com"]
    assert emails(role__exact="instructor") == ["old@example.com"]
    assert emails(batch__id__exact=batch.pk) == ["b1@example.com", "b2@example.com"]
    assert emails(source="ads") == ["old@example.com"]


# --- the add form -----------------------------------------------------------------------------

ADD = reverse("admin:invites_invite_add")


def add(admin, **fields):
    expires = (timezone.now() + timedelta(days=7)).strftime("%Y-%m-%d")
    data = {
        "email": "",
        "name": "",
        "role": "student",
        "source": "",
        "expires_at_0": expires,
        "expires_at_1": "12:00:00",
        **fields,
    }
    return admin.post(ADD, data)


def test_adding_an_invite_goes_through_the_service(admin):
    response = add(admin, email="New@Example.com", name="Nia", source="desk")

    assert response.status_code == 302
    invite = Invite.objects.get()
    assert (invite.email, invite.name, invite.source, invite.created_by) == (
        "new@example.com",
        "Nia",
        "desk",
        admin.user,
    )


def test_adding_a_second_pending_invite_is_a_form_error_not_a_500(admin):
    services.invite_create(role="student", email="dup@example.com")

    response = add(admin, email="DUP@example.com")

    assert response.status_code == 200
    assert "already has a pending student invite" in response.content.decode()
    assert Invite.objects.count() == 1


def test_re_inviting_an_address_whose_invite_expired_supersedes_it(admin):
    old = services.invite_create(role="student", email="again@example.com")
    Invite.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=1))

    assert add(admin, email="again@example.com").status_code == 302

    old.refresh_from_db()
    assert old.superseded_at is not None
    assert Invite.objects.filter(email="again@example.com").count() == 2


def test_an_invite_made_concurrently_is_reported_not_a_500(admin, monkeypatch):
    """The form saw no pending invite, then someone else made one: the database rule trips and
    the service's error becomes an admin message."""
    from invites import forms

    services.invite_create(role="student", email="race@example.com")
    monkeypatch.setattr(forms, "invite_pending_pairs", lambda emails: set())

    response = add(admin, email="race@example.com")

    assert response.status_code == 302
    followed = admin.get(response["Location"])
    assert any("already has a pending student invite" in m for m in messages_of(followed))
    assert Invite.objects.count() == 1


def test_an_existing_invite_s_page_is_read_only(admin):
    invite = services.invite_create(role="student", email="ro@example.com")

    response = admin.get(reverse("admin:invites_invite_change", args=[invite.pk]))

    assert response.status_code == 200
    assert "email" not in response.context["adminform"].form.fields

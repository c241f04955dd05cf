"""POST/GET /api/beta/invites/batches and GET /api/beta/invites/stats (staff only)."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from invites import services
from invites.models import Invite, InviteBatch, SendStatus
from invites.parsing import Row
from tests.conftest import login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BATCHES = "/api/beta/invites/batches"
STATS = "/api/beta/invites/stats"


@pytest.fixture
def staff_client(client, staff):
    token = login(client, staff)
    client.credentials(HTTP_X_CSRFTOKEN=token)
    return client


def post_batch(client, body, capture):
    with capture(execute=True):
        return client.post(BATCHES, body, format="json")


# --- POST /api/beta/invites/batches ------------------------------------------------------------


def test_staff_create_a_batch_and_get_202_with_the_rejections(
    staff_client, staff, django_capture_on_commit_callbacks
):
    services.invite_create(email="pending@example.com", role="instructor")
    member = UserFactory(email="member@example.com")
    from beta.services import beta_access_grant

    beta_access_grant(user=member, role="instructor")

    response = post_batch(
        staff_client,
        {
            "emails": [
                "Ada@Example.com",
                "bob@example.com ",
                "nope",
                "ada@example.com",
                "pending@example.com",
                "member@example.com",
            ],
            "role": "instructor",
            "expires_in_days": 30,
            "source": "meetup",
            "unknown_field": "ignored",
        },
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 202, response.content
    body = response.json()
    batch = InviteBatch.objects.get()
    assert body == {
        "batch_id": str(batch.pk),
        "total": 6,
        "accepted": 2,
        "rejected": [
            {"email": "nope", "reason": "invalid_email"},
            {"email": "ada@example.com", "reason": "duplicate_in_batch"},
            {"email": "pending@example.com", "reason": "already_invited"},
            {"email": "member@example.com", "reason": "already_member"},
        ],
    }
    assert (batch.created_by, batch.via, batch.source) == (staff, "api", "meetup")
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.com", "bob@example.com"]


def test_expires_in_days_defaults_to_14(staff_client, django_capture_on_commit_callbacks):
    response = post_batch(
        staff_client,
        {"emails": ["d@example.com"], "role": "student"},
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 202
    invite = Invite.objects.get()
    assert (invite.expires_at - invite.created_at).days == 14
    assert invite.source == ""


@pytest.mark.parametrize(
    "body, field",
    [
        ({"role": "student"}, "emails"),
        ({"emails": [], "role": "student"}, "emails"),
        ({"emails": "a@example.com", "role": "student"}, "emails"),
        ({"emails": [["a@example.com"]], "role": "student"}, "emails"),
        ({"emails": ["a@example.com"]}, "role"),
        ({"emails": ["a@example.com"], "role": "admin"}, "role"),
        ({"emails": ["a@example.com"], "role": "student", "expires_in_days": 0}, "expires_in_days"),
        (
            {"emails": ["a@example.com"], "role": "student", "expires_in_days": 181},
            "expires_in_days",
        ),
        (
            {"emails": ["a@example.com"], "role": "student", "expires_in_days": "x"},
            "expires_in_days",
        ),
        ({"emails": ["a@example.com"], "role": "student", "source": "s" * 41}, "source"),
        ({"emails": ["a" * 321], "role": "student"}, "emails"),
    ],
)
def test_bad_bodies_are_400_invalid_and_write_nothing(staff_client, body, field):
    response = staff_client.post(BATCHES, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert not InviteBatch.objects.exists()


def test_more_than_10000_addresses_are_400_and_write_nothing(staff_client):
    emails = [f"p{i}@e.co" for i in range(10_001)]

    response = staff_client.post(BATCHES, {"emails": emails, "role": "student"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "10000" in response.json()["errors"]["emails"][0]
    assert not Invite.objects.exists()


def test_malformed_json_is_400_invalid(staff_client):
    response = staff_client.post(BATCHES, "{nope", content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_creating_a_batch_needs_a_login(client):
    response = client.post(BATCHES, {"emails": ["a@example.com"], "role": "student"}, format="json")
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


@pytest.mark.parametrize("persona", ["student", "instructor"])
def test_creating_a_batch_is_staff_only(client, persona, request):
    token = login(client, request.getfixturevalue(persona))

    response = client.post(
        BATCHES,
        {"emails": ["a@example.com"], "role": "student"},
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )

    assert (response.status_code, response.json()["code"]) == (403, "staff_only")
    assert not InviteBatch.objects.exists()


def test_creating_a_batch_needs_the_csrf_token(client, staff):
    login(client, staff)
    response = client.post(BATCHES, {"emails": ["a@example.com"], "role": "student"}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "csrf_failed")


def test_the_staff_endpoints_keep_the_phase_gate():
    out = StringIO()
    call_command("audit_beta_gates", stdout=out)
    lines = [
        line for line in out.getvalue().splitlines() if "invites/batches" in line or "stats" in line
    ]
    assert len(lines) == 3
    assert all(" gated " in line for line in lines)


# --- GET /api/beta/invites/batches/{id} -------------------------------------------------------


def test_staff_see_a_batch_s_progress_with_failure_reasons(staff_client):
    batch = InviteBatch.objects.create(role="student")
    for email, status, error in [
        ("a@example.com", SendStatus.SENT, ""),
        ("b@example.com", SendStatus.FAILED, "SMTPRecipientsRefused: 550 User unknown"),
        ("c@example.com", SendStatus.PENDING, ""),
    ]:
        Invite.objects.create(
            email=email,
            role="student",
            batch=batch,
            expires_at=timezone.now() + timezone.timedelta(days=1),
            send_status=status,
            last_error=error,
            sent_at=timezone.now() if status == SendStatus.SENT else None,
        )

    response = staff_client.get(f"{BATCHES}/{batch.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "batch_id": str(batch.pk),
        "status": "sending",
        "total": 3,
        "sent": 1,
        "failed": 1,
        "pending": 1,
        "sending": 0,
        "cancelled": 0,
        "failures": [
            {"email": "b@example.com", "reason": "SMTPRecipientsRefused: 550 User unknown"}
        ],
    }


def test_a_sent_batch_says_sent(staff_client, django_capture_on_commit_callbacks):
    created = post_batch(
        staff_client,
        {"emails": ["x@example.com", "y@example.com"], "role": "student"},
        django_capture_on_commit_callbacks,
    ).json()

    body = staff_client.get(f"{BATCHES}/{created['batch_id']}").json()

    assert (body["status"], body["total"], body["sent"], body["failed"]) == ("sent", 2, 2, 0)


@pytest.mark.parametrize("batch_id", ["999999", "abc", "1.5"])
def test_an_unknown_batch_is_404(staff_client, batch_id):
    response = staff_client.get(f"{BATCHES}/{batch_id}")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_a_batch_is_staff_only(client, student):
    batch = InviteBatch.objects.create(role="student")
    assert client.get(f"{BATCHES}/{batch.pk}").status_code == 401
    login(client, student)
    response = client.get(f"{BATCHES}/{batch.pk}")
    assert (response.status_code, response.json()["code"]) == (403, "staff_only")


def test_a_batch_s_progress_costs_the_same_queries_however_big(
    staff_client, django_assert_num_queries
):
    batch = InviteBatch.objects.create(role="student")
    expires = timezone.now() + timezone.timedelta(days=1)

    def add(n, start):
        Invite.objects.bulk_create(
            Invite(
                code=f"C{start + i:09d}",
                email=f"q{start + i}@example.com",
                role="student",
                batch=batch,
                expires_at=expires,
                send_status=SendStatus.FAILED,
                last_error="nope",
            )
            for i in range(n)
        )

    add(1, 0)
    with CaptureQueriesContext(connection) as small:
        staff_client.get(f"{BATCHES}/{batch.pk}")
    add(500, 1)
    with django_assert_num_queries(len(small.captured_queries)):
        body = staff_client.get(f"{BATCHES}/{batch.pk}").json()
    assert body["failed"] == 501


# --- GET /api/beta/invites/stats --------------------------------------------------------------


def redeem(invite):
    user = UserFactory(email=invite.email or f"anon{invite.pk}@example.com", role=invite.role)
    services.invite_redeem(invite=invite, user=user)


def seed_conversion(django_capture_on_commit_callbacks):
    """Batch 1: 4 instructors from "meetup", all sent, 1 redeemed. Batch 2: 2 students from
    "ads", 1 sent (1 bounced), 1 redeemed. Plus a hand-made unbound code, redeemed."""
    with django_capture_on_commit_callbacks(execute=True):
        b1 = services.invite_batch_create(
            rows=[Row(email=f"i{i}@example.com") for i in range(4)],
            role="instructor",
            source="meetup",
        ).batch
        b2 = services.invite_batch_create(
            rows=[Row(email="s0@example.com"), Row(email="s1@example.com")],
            role="student",
            source="ads",
        ).batch
    Invite.objects.filter(email="s1@example.com").update(
        send_status=SendStatus.FAILED, sent_at=None
    )
    redeem(b1.invites.order_by("id").first())
    redeem(b2.invites.get(email="s0@example.com"))
    redeem(services.invite_create(role="student", source="ads"))
    return b1, b2


def test_staff_see_conversion_overall_and_per_role_source_and_batch(
    staff_client, django_capture_on_commit_callbacks
):
    b1, b2 = seed_conversion(django_capture_on_commit_callbacks)

    response = staff_client.get(STATS)

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("total", "sent", "redeemed", "conversion_rate")} == {
        "total": 7,
        "sent": 5,
        "redeemed": 3,
        "conversion_rate": 0.4,  # 2 of the 5 e-mailed invites were redeemed
    }
    assert body["by_role"] == [
        {"role": "instructor", "total": 4, "sent": 4, "redeemed": 1, "conversion_rate": 0.25},
        {"role": "student", "total": 3, "sent": 1, "redeemed": 2, "conversion_rate": 1.0},
    ]
    assert body["by_source"] == [
        {"source": "ads", "total": 3, "sent": 1, "redeemed": 2, "conversion_rate": 1.0},
        {"source": "meetup", "total": 4, "sent": 4, "redeemed": 1, "conversion_rate": 0.25},
    ]
    assert [
        {k: row[k] for k in ("batch_id", "total", "sent", "redeemed", "conversion_rate")}
        for row in body["by_batch"]
    ] == [
        {"batch_id": str(b2.pk), "total": 2, "sent": 1, "redeemed": 1, "conversion_rate": 1.0},
        {"batch_id": str(b1.pk), "total": 4, "sent": 4, "redeemed": 1, "conversion_rate": 0.25},
    ]
    assert body["by_batch"][0]["created_at"].endswith("Z")


def test_conversion_is_0_when_nothing_was_sent(staff_client):
    services.invite_create(role="student")

    body = staff_client.get(STATS).json()

    assert (body["total"], body["sent"], body["conversion_rate"]) == (1, 0, 0)
    assert body["by_role"][0]["conversion_rate"] == 0


def test_stats_cost_a_constant_number_of_queries(
    staff_client, django_capture_on_commit_callbacks, django_assert_num_queries
):
    services.invite_create(role="student")
    with CaptureQueriesContext(connection) as small:
        assert staff_client.get(STATS).status_code == 200
    seed_conversion(django_capture_on_commit_callbacks)
    for n in range(5):
        services.invite_batch_create(
            rows=[Row(email=f"more{n}-{i}@example.com") for i in range(50)],
            role="student",
            source=f"source-{n}",
        )

    with django_assert_num_queries(len(small.captured_queries)):
        body = staff_client.get(STATS).json()

    assert body["total"] == 1 + 7 + 250
    assert len(body["by_batch"]) == 7


def test_stats_are_staff_only(client, instructor):
    assert client.get(STATS).status_code == 401
    login(client, instructor)
    response = client.get(STATS)
    assert (response.status_code, response.json()["code"]) == (403, "staff_only")

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import GuestSession
from tests.conftest import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_signup")]

URL = "/api/public/session/guest"


def test_a_first_visit_creates_a_guest_and_sets_the_cookie(client):
    response = client.post(URL)

    assert response.status_code == 201
    body = response.json()
    assert body["created"] is True
    cookie = response.cookies["guest_id"]
    assert cookie.value == body["guest_id"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 30 * 24 * 3600
    assert GuestSession.objects.filter(pk=body["guest_id"]).exists()


def test_a_returning_guest_keeps_its_id(client):
    first = client.post(URL).json()["guest_id"]

    response = client.post(URL)

    assert response.status_code == 200
    assert response.json() == {"guest_id": first, "created": False}
    assert GuestSession.objects.count() == 1


def test_a_return_visit_marks_the_guest_as_seen(client):
    guest_id = client.post(URL).json()["guest_id"]
    GuestSession.objects.filter(pk=guest_id).update(last_seen_at=timezone.now() - timedelta(days=3))

    client.post(URL)

    seen = GuestSession.objects.get(pk=guest_id).last_seen_at
    assert timezone.now() - seen < timedelta(minutes=1)


def test_a_forged_guest_id_is_treated_as_absent(client):
    client.cookies["guest_id"] = "forged-value"

    response = client.post(URL)

    assert response.status_code == 201
    assert response.json()["guest_id"] != "forged-value"
    assert not GuestSession.objects.filter(pk="forged-value").exists()


def test_an_expired_guest_is_treated_as_absent(client):
    old = GuestSession.objects.create(last_seen_at=timezone.now() - timedelta(days=31))
    client.cookies["guest_id"] = old.pk

    response = client.post(URL)

    assert response.status_code == 201
    assert response.json()["guest_id"] != old.pk


def test_it_behaves_the_same_for_a_logged_in_user(client, student):
    token = login(client, student)

    first = client.post(URL, headers={"X-CSRFToken": token})
    again = client.post(URL, headers={"X-CSRFToken": token})

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["guest_id"] == first.json()["guest_id"]


def test_guest_ids_are_long_random_and_distinct(client):
    ids = {client.__class__().post(URL).json()["guest_id"] for _ in range(20)}

    assert len(ids) == 20
    # token_urlsafe(32): 43 characters of 64 symbols = 256 bits.
    assert all(len(i) >= 43 for i in ids)


def test_register_marks_the_guest_converted(client):
    guest_id = client.post(URL).json()["guest_id"]

    client.post(
        "/auth/register",
        {
            "email": "g@example.com",
            "password": "correct-horse-battery-staple",
            "full_name": "G",
            "role": "student",
        },
        format="json",
    )

    guest = GuestSession.objects.get(pk=guest_id)
    assert guest.converted_user.email == "g@example.com"
    assert guest.converted_at is not None

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking
from tests.conftest import login
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_phase")]


@pytest.fixture
def open_phase(set_beta):
    set_beta(phase="open")


def future(hours=24):
    return (timezone.now() + timedelta(hours=hours)).isoformat()


def book(client, token, instructor, **overrides):
    body = {"instructor_id": instructor.pk, "starts_at": future(), "duration_minutes": 60}
    return client.post(
        "/api/bookings/", {**body, **overrides}, format="json", headers={"X-CSRFToken": token}
    )


def make_booking(student, instructor, **fields):
    return Booking.objects.create(
        student=student,
        instructor=instructor,
        starts_at=timezone.now() + timedelta(days=1),
        duration_minutes=60,
        **fields,
    )


def test_a_student_books_a_lesson(client, student, instructor):
    token = login(client, student)

    response = book(client, token, instructor)

    assert response.status_code == 201
    body = response.json()
    assert body["student"] == str(student.pk)
    assert body["instructor"] == str(instructor.pk)
    assert (body["duration_minutes"], body["status"]) == (60, "booked")
    assert isinstance(body["id"], str)


@pytest.mark.parametrize("persona", ["instructor", "staff"])
def test_only_students_may_book(client, request, instructor, persona):
    user = request.getfixturevalue(persona)
    if persona == "staff":
        user.role = "instructor"
        user.save()
    token = login(client, user)

    response = book(client, token, UserFactory(role="instructor"))

    assert (response.status_code, response.json()["code"]) == (403, "role_forbidden")
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"starts_at": "2020-01-01T10:00:00Z"}, "starts_at"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"duration_minutes": 5}, "duration_minutes"),
        ({"duration_minutes": "long"}, "duration_minutes"),
        ({"instructor_id": 999999}, "instructor_id"),
        ({"instructor_id": "abc"}, "instructor_id"),
    ],
)
def test_a_bad_booking_is_400_invalid(client, student, instructor, overrides, field):
    token = login(client, student)

    response = book(client, token, instructor, **overrides)

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert field in response.json()["errors"]


def test_a_student_cannot_book_another_student(client, student):
    token = login(client, student)
    response = book(client, token, UserFactory(role="student"))
    assert response.json()["errors"] == {"instructor_id": ["No instructor with this id."]}


def test_history_shows_each_role_its_own(client, student, instructor, staff):
    other_student = UserFactory(role="student")
    other_instructor = UserFactory(role="instructor")
    mine = make_booking(student, instructor)
    theirs = make_booking(other_student, other_instructor)
    taught = make_booking(other_student, instructor)

    def ids(user):
        c = client.__class__(enforce_csrf_checks=True)
        login(c, user)
        response = c.get("/api/bookings/history")
        assert response.status_code == 200
        return {b["id"] for b in response.json()}

    assert ids(student) == {str(mine.pk)}
    assert ids(instructor) == {str(mine.pk), str(taught.pk)}
    assert ids(staff) == {str(mine.pk), str(theirs.pk), str(taught.pk)}


def test_history_is_401_when_anonymous(client):
    response = client.get("/api/bookings/history")
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_history_costs_a_fixed_number_of_queries(
    client, student, instructor, django_assert_num_queries
):
    for _ in range(5):
        make_booking(student, instructor)
    login(client, student)
    client.get("/api/bookings/history")

    with django_assert_num_queries(2):  # the session user (with its grant), the bookings
        assert len(client.get("/api/bookings/history").json()) == 5


def test_the_instructor_completes_a_lesson_once(client, student, instructor):
    booking = make_booking(student, instructor)
    token = login(client, instructor)
    url = f"/api/bookings/{booking.pk}/complete"

    first = client.post(url, headers={"X-CSRFToken": token})
    again = client.post(url, headers={"X-CSRFToken": token})

    assert (first.status_code, first.json()["status"]) == (200, "completed")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")


@pytest.mark.parametrize("who", ["student", "other_instructor", "staff"])
def test_only_the_booking_s_instructor_may_complete_it(client, student, instructor, staff, who):
    booking = make_booking(student, instructor)
    user = {"student": student, "staff": staff}.get(who) or UserFactory(role="instructor")
    token = login(client, user)

    response = client.post(f"/api/bookings/{booking.pk}/complete", headers={"X-CSRFToken": token})

    assert (response.status_code, response.json()["code"]) == (403, "role_forbidden")
    booking.refresh_from_db()
    assert booking.status == "booked"


def test_completing_an_unknown_booking_is_404(client, instructor):
    token = login(client, instructor)
    response = client.post("/api/bookings/424242/complete", headers={"X-CSRFToken": token})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_bookings_are_behind_the_phase_gate(client, set_beta, student, instructor):
    set_beta(phase="instructor_only")
    token = login(client, student)

    assert client.get("/api/bookings/history").json()["code"] == "beta_phase_restricted"
    assert book(client, token, instructor).json()["code"] == "beta_phase_restricted"

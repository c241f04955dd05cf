from django.db import transaction
from django.utils import timezone
from rest_framework import status

from accounts.models import Role, User
from bookings.models import Booking, BookingStatus
from instainstru.api import ApplicationError
from referrals.services import referral_booking_completed


def role_forbidden(detail):
    return ApplicationError(detail, code="role_forbidden", status_code=status.HTTP_403_FORBIDDEN)


def invalid(field, message):
    return ApplicationError(
        "The request is not valid.", code="invalid", extra={"errors": {field: [message]}}
    )


@transaction.atomic
def booking_create(
    *, student: User, instructor_id: int, starts_at, duration_minutes: int
) -> Booking:
    if student.role != Role.STUDENT:
        raise role_forbidden("Only students can book lessons.")
    if starts_at <= timezone.now():
        raise invalid("starts_at", "A lesson must start in the future.")
    instructor = User.objects.filter(pk=instructor_id, role=Role.INSTRUCTOR, is_active=True).first()
    if instructor is None or instructor.pk == student.pk:
        raise invalid("instructor_id", "No instructor with this id.")
    return Booking.objects.create(
        student=student,
        instructor=instructor,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
    )


@transaction.atomic
def booking_complete(*, booking_id: int, instructor: User) -> Booking:
    """The booking's instructor marks the lesson given. The row lock makes a retried or raced
    completion see the first one and answer invalid_state, so follow-ups run exactly once."""
    if instructor.role != Role.INSTRUCTOR:
        raise role_forbidden("Only the lesson's instructor can complete it.")
    booking = Booking.objects.select_for_update().filter(pk=booking_id).first()
    if booking is None:
        raise ApplicationError("Not found.", code="not_found", status_code=404)
    if booking.instructor_id != instructor.pk:
        raise role_forbidden("Only the lesson's instructor can complete it.")
    if booking.status != BookingStatus.BOOKED:
        raise ApplicationError(
            "This booking is already completed.",
            code="invalid_state",
            status_code=status.HTTP_409_CONFLICT,
        )
    booking.status = BookingStatus.COMPLETED
    booking.completed_at = timezone.now()
    booking.save(update_fields=["status", "completed_at"])
    # In this transaction: the credits exist exactly when the completion does.
    referral_booking_completed(student_id=booking.student_id)
    return booking

from bookings.models import Booking

HISTORY_LIMIT = 100


def booking_history(*, user, limit=HISTORY_LIMIT):
    """Newest first, bounded. Staff see all bookings, instructors their lessons, students theirs."""
    bookings = Booking.objects.order_by("-starts_at", "-id")
    if not user.is_staff:
        field = "instructor" if user.is_instructor else "student"
        bookings = bookings.filter(**{field: user})
    return list(bookings[:limit])

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class BookingStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    COMPLETED = "completed", "Completed"


class Booking(models.Model):
    """A lesson a student booked with an instructor."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lessons"
    )
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=10, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["student", "-starts_at"], name="bookings_student_newest"),
            models.Index(fields=["instructor", "-starts_at"], name="bookings_instructor_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=15, duration_minutes__lte=480),
                name="bookings_duration_range",
            ),
            models.CheckConstraint(
                condition=Q(status=BookingStatus.BOOKED, completed_at__isnull=True)
                | Q(status=BookingStatus.COMPLETED, completed_at__isnull=False),
                name="bookings_completed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(student=models.F("instructor")), name="bookings_not_self"
            ),
        ]

    def __str__(self):
        return f"Booking {self.pk}: {self.student} with {self.instructor}"

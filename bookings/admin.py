from django.contrib import admin

from bookings.models import Booking


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ("id", "student", "instructor", "starts_at", "duration_minutes", "status")
    list_filter = ("status",)
    list_select_related = ("student", "instructor")
    raw_id_fields = ("student", "instructor")

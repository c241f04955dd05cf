from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from bookings import services
from bookings.models import Booking
from bookings.selectors import booking_history
from instainstru.permissions import IsLoggedIn

# The phase gate (the default) first, then a login for what the gate lets through when open.
GATED_AND_LOGGED_IN = [*api_settings.DEFAULT_PERMISSION_CLASSES, IsLoggedIn]


class BookingOutput(serializers.ModelSerializer):
    id = serializers.CharField(read_only=True)
    student = serializers.CharField(source="student_id")
    instructor = serializers.CharField(source="instructor_id")

    class Meta:
        model = Booking
        fields = ["id", "student", "instructor", "starts_at", "duration_minutes", "status"]


class BookingHistoryApi(APIView):
    permission_classes = GATED_AND_LOGGED_IN

    @extend_schema(responses=BookingOutput(many=True))
    def get(self, request):
        return Response(BookingOutput(booking_history(user=request.user), many=True).data)


class BookingCreateApi(APIView):
    permission_classes = GATED_AND_LOGGED_IN

    class BookingCreateInput(serializers.Serializer):
        instructor_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
        starts_at = serializers.DateTimeField()
        duration_minutes = serializers.IntegerField(min_value=15, max_value=480)

    @extend_schema(request=BookingCreateInput, responses={201: BookingOutput})
    def post(self, request):
        serializer = self.BookingCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = services.booking_create(student=request.user, **serializer.validated_data)
        return Response(BookingOutput(booking).data, status=status.HTTP_201_CREATED)


class BookingCompleteApi(APIView):
    permission_classes = GATED_AND_LOGGED_IN

    @extend_schema(request=None, responses=BookingOutput)
    def post(self, request, booking_id):
        booking = services.booking_complete(booking_id=booking_id, instructor=request.user)
        return Response(BookingOutput(booking).data)

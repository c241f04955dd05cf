from django.conf import settings
from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from beta import services
from beta.middleware import set_preview_pass
from beta.models import Phase
from beta.selectors import beta_state
from instainstru.api import ApplicationError
from instainstru.permissions import IsStaff


class BetaSettingsOutput(serializers.Serializer):
    site_mode = serializers.CharField()
    phase = serializers.ChoiceField(choices=Phase.choices)
    beta_disabled = serializers.BooleanField()
    allow_signup_without_invite = serializers.BooleanField()


def settings_payload(state):
    return {
        "site_mode": settings.SITE_MODE,
        "phase": state.phase,
        "beta_disabled": state.beta_disabled,
        "allow_signup_without_invite": state.allow_signup_without_invite,
    }


class BetaSettingsApi(APIView):
    """GET for anyone; PUT for staff, recorded in the change log and seen by every process."""

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsStaff()]

    class BetaSettingsInput(serializers.Serializer):
        phase = serializers.ChoiceField(choices=Phase.choices, required=False)
        beta_disabled = serializers.BooleanField(required=False)
        allow_signup_without_invite = serializers.BooleanField(required=False)

        def validate(self, data):
            if not data:
                raise serializers.ValidationError("Send at least one setting to change.")
            return data

    @extend_schema(responses=BetaSettingsOutput)
    def get(self, request):
        return Response(settings_payload(beta_state()))

    @extend_schema(request=BetaSettingsInput, responses=BetaSettingsOutput)
    def put(self, request):
        serializer = self.BetaSettingsInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = services.beta_settings_update(
            changed_by=request.user, via="api", **serializer.validated_data
        )
        return Response(settings_payload(row))


class PreviewUnlockApi(APIView):
    permission_classes = [AllowAny]

    class PreviewUnlockInput(serializers.Serializer):
        email = serializers.CharField(max_length=254)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(request=PreviewUnlockInput, responses={204: None})
    def post(self, request):
        if settings.SITE_MODE != "preview":
            raise ApplicationError("Not found.", code="not_found", status_code=404)
        serializer = self.PreviewUnlockInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request, **serializer.validated_data)
        if user is None or not user.is_staff:
            raise ApplicationError(
                "Only staff can unlock preview.",
                code="preview_denied",
                status_code=status.HTTP_403_FORBIDDEN,
            )
        response = Response(status=status.HTTP_204_NO_CONTENT)
        set_preview_pass(response, user)
        return response

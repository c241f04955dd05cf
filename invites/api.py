from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from beta.selectors import beta_state
from instainstru.permissions import IsLoggedIn
from invites import services
from invites.selectors import invite_validation


class InviteValidateApi(APIView):
    """Checks a code without consuming it: mail scanners open links too."""

    permission_classes = [AllowAny]

    class InviteValidateInput(serializers.Serializer):
        code = serializers.CharField(max_length=64)

    @extend_schema(
        parameters=[OpenApiParameter("code", str, required=True)],
        responses=inline_serializer(
            "InviteValidation",
            {
                "valid": serializers.BooleanField(),
                "reason": serializers.CharField(required=False),
                "code": serializers.CharField(required=False),
                "role": serializers.CharField(required=False),
                "email": serializers.EmailField(required=False, allow_null=True),
                "expires_at": serializers.DateTimeField(required=False),
            },
        ),
    )
    def get(self, request):
        serializer = self.InviteValidateInput(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        result = invite_validation(serializer.validated_data["code"])
        if "expires_at" in result:
            result["expires_at"] = serializers.DateTimeField().to_representation(
                result["expires_at"]
            )
        return Response(result)


class InviteRedeemApi(APIView):
    permission_classes = [IsLoggedIn]

    class InviteRedeemInput(serializers.Serializer):
        code = serializers.CharField(max_length=64)

    @extend_schema(
        request=InviteRedeemInput,
        responses=inline_serializer(
            "InviteRedeemed",
            {"access_role": serializers.CharField(), "phase": serializers.CharField()},
        ),
    )
    def post(self, request):
        serializer = self.InviteRedeemInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        grant = services.invite_redeem_for_user(
            user=request.user, code=serializer.validated_data["code"]
        )
        return Response({"access_role": grant.role, "phase": beta_state().label})

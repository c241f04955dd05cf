from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.models import Role
from beta.selectors import beta_state
from instainstru.permissions import IsLoggedIn, IsStaff
from invites import services
from invites.parsing import MAX_ADDRESSES, Row
from invites.selectors import (
    REASONS,
    invite_batch_get,
    invite_batch_progress,
    invite_conversion_stats,
    invite_validation,
)

# Staff-only views keep the phase gate (they are not on API.md's public list) but check staff
# first: the contract answers 403 staff_only to every non-staff caller, and the gate would
# otherwise answer some of them with its own codes. Staff always pass the gate.
STAFF_ONLY = [IsStaff, *api_settings.DEFAULT_PERMISSION_CLASSES]


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


class InviteBatchCreateApi(APIView):
    """Writes a batch of invites in one transaction; the e-mails go out in the background."""

    permission_classes = STAFF_ONLY

    class InviteBatchInput(serializers.Serializer):
        emails = serializers.ListField(
            child=serializers.CharField(max_length=320, allow_blank=True),
            min_length=1,
            max_length=MAX_ADDRESSES,
        )
        role = serializers.ChoiceField(choices=Role.choices)
        expires_in_days = serializers.IntegerField(min_value=1, max_value=180, default=14)
        source = serializers.CharField(max_length=40, allow_blank=True, default="")

    class InviteBatchCreated(serializers.Serializer):
        class InviteRejected(serializers.Serializer):
            email = serializers.CharField()
            reason = serializers.ChoiceField(choices=REASONS)

        batch_id = serializers.CharField()
        total = serializers.IntegerField(help_text="Addresses given.")
        accepted = serializers.IntegerField(help_text="Invites written and queued for sending.")
        rejected = InviteRejected(many=True)

    @extend_schema(request=InviteBatchInput, responses={202: InviteBatchCreated})
    def post(self, request):
        serializer = self.InviteBatchInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.invite_batch_create(
            rows=[Row(email=e) for e in data["emails"]],
            role=data["role"],
            expires_in_days=data["expires_in_days"],
            source=data["source"],
            created_by=request.user,
            via="api",
        )
        body = {
            "batch_id": str(result.batch.pk),
            "total": result.plan.submitted,
            "accepted": len(result.plan.accepted),
            "rejected": [{"email": r.email, "reason": r.reason} for r in result.plan.rejected],
        }
        return Response(self.InviteBatchCreated(body).data, status=status.HTTP_202_ACCEPTED)


class InviteBatchDetailApi(APIView):
    """A batch's sending progress, from the per-invite statuses."""

    permission_classes = STAFF_ONLY

    class InviteBatchProgress(serializers.Serializer):
        class InviteSendFailure(serializers.Serializer):
            email = serializers.CharField()
            reason = serializers.CharField()

        batch_id = serializers.CharField()
        status = serializers.ChoiceField(
            choices=["queued", "sending", "sent", "partially_failed", "failed", "empty"]
        )
        total = serializers.IntegerField()
        sent = serializers.IntegerField()
        failed = serializers.IntegerField()
        pending = serializers.IntegerField(help_text="Waiting for a worker.")
        sending = serializers.IntegerField(help_text="Claimed by a worker right now.")
        cancelled = serializers.IntegerField(help_text="Revoked before their e-mail went out.")
        failures = InviteSendFailure(many=True)

    @extend_schema(responses=InviteBatchProgress)
    def get(self, request, batch_id):
        batch = invite_batch_get(batch_id)
        if batch is None:
            raise NotFound("No such batch.")
        return Response(self.InviteBatchProgress(invite_batch_progress(batch)).data)


class InviteConversion(serializers.Serializer):
    total = serializers.IntegerField()
    sent = serializers.IntegerField(help_text="E-mailed at least once.")
    redeemed = serializers.IntegerField(help_text="Used, at register or redeem.")
    conversion_rate = serializers.FloatField(
        help_text="Redeemed e-mailed invites / sent; 0 when nothing was sent."
    )


class InviteStatsApi(APIView):
    """Conversion of invites, overall and per role, source and batch (the newest 100)."""

    permission_classes = STAFF_ONLY

    class InviteStats(InviteConversion):
        class InviteConversionByRole(InviteConversion):
            role = serializers.CharField()

        class InviteConversionBySource(InviteConversion):
            source = serializers.CharField()

        class InviteConversionByBatch(InviteConversion):
            batch_id = serializers.CharField()
            created_at = serializers.DateTimeField()

        by_role = InviteConversionByRole(many=True)
        by_source = InviteConversionBySource(many=True)
        by_batch = InviteConversionByBatch(many=True)

    @extend_schema(responses=InviteStats)
    def get(self, request):
        return Response(self.InviteStats(invite_conversion_stats()).data)

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from instainstru.permissions import IsLoggedIn
from referrals.selectors import referral_summary
from referrals.services import referral_code_ensure


class IsStudent(BasePermission):
    """Referral codes are for students; other roles get 403 role_forbidden."""

    def has_permission(self, request, view):
        if not request.user.is_student:
            raise exceptions.PermissionDenied(
                "Only students can refer friends.", code="role_forbidden"
            )
        return True


class RewardOutput(serializers.Serializer):
    amount_cents = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class ReferralMeOutput(serializers.Serializer):
    code = serializers.CharField()
    share_url = serializers.URLField()
    signups = serializers.IntegerField(help_text="Students who signed up with the code.")
    rewarded = serializers.IntegerField(help_text="Of those, the ones whose credits were issued.")
    rewards = RewardOutput(many=True, help_text="This student's credits, newest first.")


class ReferralMeApi(APIView):
    # Not on API.md's public list: the phase gate first, then a login, then the role.
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, IsLoggedIn, IsStudent]

    @extend_schema(
        responses=ReferralMeOutput,
        description="The student's referral code (created on the first call), its share link "
        "and what it brought. Students only: other roles get 403 role_forbidden.",
    )
    def get(self, request):
        code = referral_code_ensure(user=request.user)
        summary = referral_summary(user=request.user)
        share_url = request.build_absolute_uri(reverse("referral-click", args=[code.code]))
        return Response(
            ReferralMeOutput({"code": code.code, "share_url": share_url, **summary}).data
        )

"""/auth/ endpoints and the guest session. Thin: parse, call a service, render."""

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.middleware.csrf import get_token
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.models import Role, User
from accounts.selectors import me_payload
from instainstru.api import ApplicationError
from instainstru.http import client_ip
from referrals.services import user_ip_record
from referrals.views import referral_from_request


def set_guest_cookie(response, guest_id):
    """guest_id travels with the session cookie's flags, for 30 days."""
    response.set_cookie(
        settings.GUEST_COOKIE_NAME,
        guest_id,
        max_age=settings.GUEST_COOKIE_AGE,
        domain=settings.SESSION_COOKIE_DOMAIN,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite=settings.SESSION_COOKIE_SAMESITE,
    )


def delete_guest_cookie(response):
    response.delete_cookie(
        settings.GUEST_COOKIE_NAME,
        domain=settings.SESSION_COOKIE_DOMAIN,
        samesite=settings.SESSION_COOKIE_SAMESITE,
    )


def log_in(request, user):
    """Logs the user in on a brand-new session key, carrying the guest's belongings over.

    django.contrib.auth.login keeps the key when the same user logs in again; the contract wants a
    new key every time (session fixation), so the key is cycled unconditionally.
    """
    auth_login(request, user, backend="accounts.backends.EmailBackend")
    request.session.cycle_key()
    services.guest_convert(guest_id=request.COOKIES.get(settings.GUEST_COOKIE_NAME), user=user)


MeSerializer = inline_serializer(
    name="Me",
    fields={
        "id": serializers.CharField(),
        "email": serializers.EmailField(),
        "full_name": serializers.CharField(),
        "role": serializers.ChoiceField(choices=Role.choices),
        "is_staff": serializers.BooleanField(),
        "beta": inline_serializer(
            name="MeBeta",
            fields={
                "phase": serializers.CharField(),
                "has_access": serializers.BooleanField(),
                "access_role": serializers.CharField(allow_null=True),
            },
        ),
        "site_mode": serializers.CharField(),
    },
)


class CsrfApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer("CsrfToken", {"csrf_token": serializers.CharField()})
    )
    def get(self, request):
        return Response({"csrf_token": get_token(request)})


class RegisterApi(APIView):
    permission_classes = [AllowAny]

    class RegisterInputSerializer(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        full_name = serializers.CharField(max_length=150)
        role = serializers.ChoiceField(choices=Role.choices)
        invite_code = serializers.CharField(
            max_length=64, required=False, allow_blank=True, allow_null=True
        )
        referral_code = serializers.CharField(
            max_length=64, required=False, allow_blank=True, allow_null=True
        )

        def validate(self, data):
            candidate = User(email=data["email"].lower(), full_name=data["full_name"])
            try:
                validate_password(data["password"], user=candidate)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": list(exc.messages)}) from exc
            return data

    @extend_schema(request=RegisterInputSerializer, responses={201: MeSerializer})
    def post(self, request):
        serializer = self.RegisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        referral_code, referral_via = referral_from_request(request, data.get("referral_code"))
        with transaction.atomic():
            user = services.user_register(
                email=data["email"],
                password=data["password"],
                full_name=data["full_name"],
                role=data["role"],
                invite_code=data.get("invite_code") or None,
                referral_code=referral_code,
                referral_via=referral_via,
                signup_ip=client_ip(request),
            )
            log_in(request, user)
        return Response(me_payload(user), status=status.HTTP_201_CREATED)


class LoginApi(APIView):
    permission_classes = [AllowAny]

    class LoginInputSerializer(serializers.Serializer):
        email = serializers.CharField(max_length=254)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(request=LoginInputSerializer, responses={200: MeSerializer})
    def post(self, request):
        serializer = self.LoginInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # ModelBackend hashes the password even for an unknown e-mail, so the two failures take
        # the same time as well as giving the same answer.
        user = authenticate(
            request,
            email=serializer.validated_data["email"],
            password=serializer.validated_data["password"],
        )
        if user is None:
            raise ApplicationError(
                "The e-mail or password is not right.", code="invalid_credentials"
            )
        with transaction.atomic():
            log_in(request, user)
            user_ip_record(user=user, ip=client_ip(request))  # for the referral same-IP rule
        return Response(me_payload(user))


class LogoutApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        auth_logout(request)  # deletes the session row; the middleware expires the cookie
        response = Response(status=status.HTTP_204_NO_CONTENT)
        delete_guest_cookie(response)
        return response


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(me_payload(request.user))


class GuestSessionApi(APIView):
    # A visitor's first call: no login and no CSRF token needed until a session exists.
    permission_classes = [AllowAny]

    @extend_schema(
        request=None,
        responses={
            (200, "application/json"): inline_serializer(
                "GuestSession",
                {"guest_id": serializers.CharField(), "created": serializers.BooleanField()},
            ),
            201: None,
        },
    )
    def post(self, request):
        guest, created = services.guest_touch_or_create(
            guest_id=request.COOKIES.get(settings.GUEST_COOKIE_NAME)
        )
        response = Response(
            {"guest_id": guest.pk, "created": created},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
        set_guest_cookie(response, guest.pk)
        return response

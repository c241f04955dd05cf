"""The contract's error format, in one place.

Every error under /api/ and /auth/ has the body {"detail": <sentence>, "code": <machine code>};
validation errors add {"errors": {field: [messages]}} with code "invalid". Services raise
ApplicationError; DRF's exceptions and Django's own 404/405/500/CSRF answers are translated here.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from instainstru.authentication import CsrfFailed

logger = logging.getLogger(__name__)


class ApplicationError(Exception):
    """A domain error that maps to one status and one machine code of the contract."""

    def __init__(self, detail, *, code, status_code=status.HTTP_400_BAD_REQUEST, extra=None):
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.status_code = status_code
        self.extra = extra or {}


def error_body(detail, code, **extra):
    return {"detail": str(detail), "code": code, **extra}


def json_error(detail, code, status_code, **extra):
    return JsonResponse(error_body(detail, code, **extra), status=status_code)


def _flatten(errors):
    """DRF nests ErrorDetail lists and dicts; the contract wants {field: [str, ...]}."""
    if isinstance(errors, dict):
        return {str(k): _messages(v) for k, v in errors.items()}
    return {"non_field_errors": _messages(errors)}


def _messages(value):
    if isinstance(value, dict):
        return [f"{k}: {m}" for k, v in value.items() for m in _messages(v)]
    if isinstance(value, list):
        return [m for v in value for m in _messages(v)]
    return [str(value)]


# DRF's own codes, renamed where the contract names them differently.
_DRF_CODES = {
    exceptions.ParseError: ("invalid", None),
    exceptions.NotAuthenticated: ("not_authenticated", 401),
    exceptions.AuthenticationFailed: ("not_authenticated", 401),
    exceptions.NotFound: ("not_found", None),
    exceptions.MethodNotAllowed: ("method_not_allowed", None),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", None),
    exceptions.NotAcceptable: ("not_acceptable", None),
    exceptions.Throttled: ("rate_limited", None),
}


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error becomes the contract's body."""
    if isinstance(exc, ApplicationError):
        set_rollback()
        return Response(
            error_body(exc.detail, exc.code, **exc.extra),
            status=exc.status_code,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        set_rollback()
        return Response(
            error_body("The request body is larger than 1 MiB.", "too_large"),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )

    if not isinstance(exc, exceptions.APIException):
        return None  # Django's handler500 answers, in the same format.

    set_rollback()
    headers = {}
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, exceptions.ValidationError):
        body = error_body("The request is not valid.", "invalid", errors=_flatten(exc.detail))
        return Response(body, status=status.HTTP_400_BAD_REQUEST, headers=headers)

    code, status_override = next(
        (v for cls, v in _DRF_CODES.items() if isinstance(exc, cls)),
        (None, None),
    )
    if code is None:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        if code == "permission_denied":
            code = "forbidden"
    detail = exc.detail if isinstance(exc.detail, str) else exc.default_detail
    return Response(
        error_body(detail, code),
        status=status_override or exc.status_code,
        headers=headers,
    )


# --- Django's own error views (outside DRF), JSON for API paths ------------------------------

API_PREFIXES = ("/api/", "/auth/")


def is_api_path(path):
    return path.startswith(API_PREFIXES)


def csrf_failure(request, reason=""):
    if is_api_path(request.path):
        return json_error(CsrfFailed.default_detail, "csrf_failed", 403)
    from django.views.csrf import csrf_failure as html_csrf_failure

    return html_csrf_failure(request, reason)


def handler404(request, exception=None):
    if is_api_path(request.path):
        return json_error("Not found.", "not_found", 404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request):
    if is_api_path(request.path):
        return json_error("Something went wrong on our side.", "server_error", 500)
    from django.views.defaults import server_error

    return server_error(request)


def handler400(request, exception=None):
    if is_api_path(request.path):
        return json_error("The request is not valid.", "invalid", 400)
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler403(request, exception=None):
    if is_api_path(request.path):
        return json_error("You do not have permission to do this.", "forbidden", 403)
    from django.views.defaults import permission_denied

    return permission_denied(request, exception)

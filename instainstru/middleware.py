"""Project-wide middleware: the request id, the API body limit."""

from django.conf import settings

from instainstru.api import is_api_path, json_error
from instainstru.logging import accepted_request_id, request_id_var

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Gives every request an id, logged with everything it logs and returned as X-Request-ID.

    First in MIDDLEWARE, so that answers given by other middleware (HTTPS redirect, 413, preview
    lock, 429) carry it too. An id from the load balancer is kept when it is a sane short token,
    so its logs and ours share it; anything else is replaced rather than echoed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = accepted_request_id(request.headers.get(REQUEST_ID_HEADER))
        token = request_id_var.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


class BodySizeLimitMiddleware:
    """Refuses API bodies over API_MAX_BODY_BYTES with 413 before anything reads them.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE only trips once the body is read, as a 400; checking the
    declared length here gives clients the contract's 413 and spares the worker the read. Bodies
    without a Content-Length still hit DATA_UPLOAD_MAX_MEMORY_SIZE, which the API's exception
    handler also turns into 413. The admin's CSV upload is not under /api/ and keeps its own limit.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api_path(request.path):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return json_error("Content-Length is not a number.", "invalid", 400)
            if length > settings.API_MAX_BODY_BYTES:
                return json_error("The request body is larger than 1 MiB.", "too_large", 413)
        return self.get_response(request)

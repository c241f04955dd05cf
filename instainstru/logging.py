"""Structured logs: one JSON object per line, carrying the id of the request that logged it.

The request id is set by instainstru.middleware.RequestIdMiddleware for the duration of a request,
returned to the client as X-Request-ID and written in gunicorn's access log, so one id finds a
request's access line, its application logs and the client's report of it.
"""

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

# A ContextVar, not a thread-local: correct for sync workers, threads and async views alike.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# An id we accept from the proxy or client: short, and nothing that could forge a log line or
# a header (no spaces, quotes, newlines or control characters).
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(incoming: str | None) -> str:
    """The incoming id when it is sane (e.g. a load balancer's), else a fresh one."""
    if incoming and SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return new_request_id()


# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
_BLANK_RECORD = logging.LogRecord("", logging.INFO, "", 0, "", (), None)
_RECORD_ATTRIBUTES = frozenset(vars(_BLANK_RECORD)) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """{"time", "level", "logger", "message", "request_id"?, "exception"?, ...extra} per line.

    Values that JSON cannot hold (a request object in django.request's extra, a datetime) are
    written as their str().
    """

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in entry:
                entry[key] = value
        return json.dumps(entry, default=str, ensure_ascii=False)

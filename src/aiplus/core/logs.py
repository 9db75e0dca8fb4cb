"""Request ids and structured logs (stdlib only).

`RequestIdMiddleware` gives every request an id — the incoming `X-Request-ID` when it is a sane
token, a fresh uuid4 hex otherwise — sets it on `request.request_id`, returns it in the
`X-Request-ID` response header, holds it in a context variable for the duration of the request
and logs one line per request on the `aiplus.request` logger (method, path, status,
duration_ms). `RequestIdFilter` copies the id onto every log record a handler sees;
`JsonFormatter` writes one JSON object per line, `TextFormatter` a readable line.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "aiplus_request_id", default=None
)
request_logger = logging.getLogger("aiplus.request")

# Probes hit these every few seconds: their request lines are logged at DEBUG unless they fail.
QUIET_PATHS = frozenset({"/healthz", "/readyz"})


def current_request_id() -> str | None:
    """The id of the request being handled in this context, or None outside a request."""
    return _request_id.get()


def request_id_from(value: str | None) -> str:
    """The incoming id if it is ≤ 64 characters of [A-Za-z0-9._-], else a new uuid4 hex."""
    if value and _SANE_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE, so redirects and refusals by later middleware get an id and a line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = _request_id.set(request_id)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            if status >= 500:
                level = logging.ERROR
            elif request.path in QUIET_PATHS:
                level = logging.DEBUG
            else:
                level = logging.INFO
            request_logger.log(
                level,
                "%s %s %s %.1fms",
                request.method,
                request.path,
                status,
                duration_ms,
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "duration_ms": duration_ms,
                },
            )
            _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts the current request id (or None) on each record that does not carry one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = _request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and request_id,
    method, path, status, duration_ms where the record has them; exc_info as text."""

    EXTRA_FIELDS = ("request_id", "method", "path", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in self.EXTRA_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`2026-01-01 12:00:00,000 INFO aiplus.request [id] message` for development."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(rid)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.rid = getattr(record, "request_id", None) or "-"
        return super().format(record)

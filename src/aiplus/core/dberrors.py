"""Clean answers when the database is out of reach (issue #8).

When PostgreSQL restarts, fails over or drops connections, a request whose query hits a dead
connection raises `django.db.OperationalError` / `InterfaceError`. Rather than a 500 with a
traceback in the logs only, the user gets a 503 with a Chinese message and `Retry-After` (JSON
`{"message", "errors"}` under /api/), and the broken connection is closed so the next request
opens a fresh one — the service recovers by itself when the database is back. Idle persistent
connections killed by a restart are caught earlier by `CONN_HEALTH_CHECKS` (settings).

The same middleware answers a full disk that surfaces outside the upload services (e.g. the
temporary file of a large upload being parsed) with a 507 and a clear message.
"""

from __future__ import annotations

import logging

import pydantic
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

from .uploads import STORAGE_FULL_MESSAGE, is_storage_full

logger = logging.getLogger(__name__)

DB_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5

PAGE = """<!doctype html>
<html lang="zh-hans"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto; padding: 0 1em">
<h1>{title}</h1><p>{message}</p><p><a href="">{retry}</a></p>{reference}
</body></html>
"""


def is_database_error(exc: BaseException) -> bool:
    """A database error — or pydantic's report of one: the API returns lazy querysets, which
    are evaluated while the response is validated, and pydantic wraps what that raises into a
    ValidationError that keeps only the error's text."""
    if isinstance(exc, DB_ERRORS):
        return True
    if isinstance(exc, pydantic.ValidationError):
        return any(
            error.get("type") == "get_attribute_error"
            and str(error.get("ctx", {}).get("error", "")).startswith(
                tuple(f"{cls.__name__}:" for cls in DB_ERRORS)
            )
            for error in exc.errors()
        )
    return False


def unavailable_message() -> str:
    return _("数据库暂时无法连接，请稍后重试。如持续出现，请联系管理员。")


def reset_connections() -> None:
    """Close every connection that no longer works, so the next query reconnects. Connections
    inside a transaction (tests wrap each test in one) are left for their owner to roll back."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is None or conn.in_atomic_block:
            continue
        try:
            if not conn.is_usable():
                conn.close()
        except Exception:  # a dead connection may fail even to close; forget it
            logger.warning("could not close database connection %s", conn.alias, exc_info=True)
            conn.connection = None


def _page(request, title: str, message: str, status: int) -> HttpResponse:
    request_id = getattr(request, "request_id", "")
    reference = (
        f"<p><small>{escape(_('请求编号'))}：{escape(request_id)}</small></p>" if request_id else ""
    )
    html = PAGE.format(
        title=escape(title),
        message=escape(message),
        retry=escape(_("刷新重试")),
        reference=reference,
    )
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def unavailable_response(request) -> HttpResponse:
    """503: JSON under /api/, a page built without the database (no template context, no
    session, no user lookup) elsewhere."""
    message = unavailable_message()
    if _is_api(request):
        response = JsonResponse({"message": message, "errors": {}}, status=503)
    else:
        response = _page(request, _("服务暂时不可用"), message, 503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def storage_full_response(request) -> HttpResponse:
    message = STORAGE_FULL_MESSAGE
    if _is_api(request):
        return JsonResponse({"message": message, "errors": {"file": message}}, status=507)
    return _page(request, _("文件未保存"), message, 507)


def database_unavailable(request, exc: BaseException) -> HttpResponse:
    """Log the error, drop the broken connections, answer 503."""
    logger.error("database unavailable: %s: %s", type(exc).__name__, exc, exc_info=exc)
    reset_connections()
    return unavailable_response(request)


class ServiceUnavailableMiddleware:
    """Turns a database that is out of reach into a 503, a full disk into a 507 (never a 500).
    Exceptions raised by views reach it through `process_exception`. A multipart body is
    parsed here, before any other middleware: its files are written to temporary files as it
    is read (by the CSRF check, otherwise), and a disk that fills up then is answered here too,
    with nothing saved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.POST  # noqa: B018 — parses the body and its files once, kept on request
            except OSError as exc:
                if not is_storage_full(exc):
                    raise
                logger.error("storage full while reading an upload: %s", exc, exc_info=exc)
                return storage_full_response(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_error(exception):
            return database_unavailable(request, exception)
        if is_storage_full(exception):
            logger.error("storage full: %s", exception, exc_info=exception)
            return storage_full_response(request)
        return None

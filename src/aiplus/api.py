"""The Ninja API root mounted at /api/ (OpenAPI at /api/openapi.json, docs at /api/docs).

Conventions every module follows:
- authentication: `Authorization: Bearer <token>` (POST /api/auth/token) or the browser session;
- input and output schemas are separate (`XIn`, `XOut`); lists return `{items, count}` and take
  `limit`/`offset`;
- errors are JSON `{"message": ..., "errors": {field: message}}` with 400/401/403/404/409/422,
  never a 500 on bad input; 503 (with Retry-After) while the database is out of reach, 507
  when the server has no room to store an upload (nothing is saved).
"""

from __future__ import annotations

from django.db import InterfaceError, OperationalError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth
from pydantic import ValidationError as PydanticValidationError

from aiplus.core import dberrors, uploads
from aiplus.core.auth import BearerToken
from aiplus.core.errors import ServiceError
from aiplus.core.openapi import document_root_errors
from aiplus.core.throttling import ApiRateThrottle

bearer = BearerToken()
AUTH = [bearer, django_auth]


class AiplusAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """The schema, with the root handlers' 429/400/401/422 (aiplus.core.openapi) documented
        on every operation they apply to."""
        return document_root_errors(super().get_openapi_schema(**kwargs))


api = AiplusAPI(
    title="aiplus API",
    version="1",
    description="人工智能+城市服务平台 API. Token: POST /api/auth/token.",
    urls_namespace="api",
    auth=AUTH,
    throttle=[ApiRateThrottle(signed_in=True), ApiRateThrottle(signed_in=False)],
)


@api.exception_handler(ServiceError)
def service_error(request, exc: ServiceError):
    errors = exc.as_dict() if hasattr(exc, "as_dict") else exc.errors
    return api.create_response(
        request, {"message": exc.message, "errors": errors}, status=exc.status_code
    )


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    errors = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        errors[".".join(loc) or "body"] = err.get("msg", "invalid")
    return api.create_response(request, {"message": "请求参数有误。", "errors": errors}, status=422)


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return api.create_response(
        request, {"message": "请先登录或提供有效的令牌。", "errors": {}}, status=401
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(
        request, {"message": "对象不存在或无权查看。", "errors": {}}, status=404
    )


@api.exception_handler(Throttled)
def throttled(request, exc: Throttled):
    return api.create_response(
        request, {"message": "请求过于频繁，请稍后再试。", "errors": {}}, status=429
    )


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
@api.exception_handler(PydanticValidationError)
def database_unavailable(request, exc):
    """The database is out of reach (restart, failover): 503 with Retry-After, and the broken
    connection is closed so the next request reconnects (aiplus.core.dberrors). A pydantic
    ValidationError (a response that fails its schema) is a 500 unless a lazy queryset met the
    database error while the response was validated."""
    if not dberrors.is_database_error(exc):
        raise exc
    response = api.create_response(
        request, {"message": dberrors.unavailable_message(), "errors": {}}, status=503
    )
    dberrors.database_unavailable(request, exc)  # logs and resets the connections
    response["Retry-After"] = str(dberrors.RETRY_AFTER_SECONDS)
    return response


@api.exception_handler(OSError)
def storage_error(request, exc: OSError):
    """A full disk outside the upload services (e.g. parsing a large upload): 507."""
    if not uploads.is_storage_full(exc):
        raise exc
    message = uploads.STORAGE_FULL_MESSAGE
    return api.create_response(
        request, {"message": message, "errors": {"file": message}}, status=507
    )


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    message = str(exc)
    if message.startswith("Cannot parse request body"):
        message = "请求体不是有效的 JSON。"
    return api.create_response(request, {"message": message, "errors": {}}, status=exc.status_code)


def _mount() -> None:
    from aiplus.accounts.api import router as accounts_router
    from aiplus.core.api import router as core_router
    from aiplus.policies.api import router as policies_router
    from aiplus.programme.api import router as programme_router
    from aiplus.scenarios.api import router as scenarios_router
    from aiplus.scenarios.api_match import router as match_router

    api.add_router("/", accounts_router)
    api.add_router("/", core_router)
    api.add_router("/", scenarios_router)
    api.add_router("/", match_router)
    api.add_router("/", programme_router)
    api.add_router("/", policies_router)
    api.add_router("/", "aiplus.policies.api_rules.router")
    api.add_router("/", "aiplus.compute.api.router")
    api.add_router("/", "aiplus.governance.api.router")
    api.add_router("/", "aiplus.catalogue.api.router")


_mount()

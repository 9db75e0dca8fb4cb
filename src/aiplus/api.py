"""The Ninja API root mounted at /api/ (OpenAPI at /api/openapi.json, docs at /api/docs).

Conventions every module follows:
- authentication: `Authorization: Bearer <token>` (POST /api/auth/token) or the browser session;
- input and output schemas are separate (`XIn`, `XOut`); lists return `{items, count}` and take
  `limit`/`offset`;
- errors are JSON `{"message": ..., "errors": {field: message}}` with 400/401/403/404/409/422,
  never a 500 on bad input.
"""

from __future__ import annotations

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth

from aiplus.core.auth import BearerToken
from aiplus.core.errors import ServiceError

bearer = BearerToken()
AUTH = [bearer, django_auth]

api = NinjaAPI(
    title="aiplus API",
    version="1",
    description="人工智能+城市服务平台 API. Token: POST /api/auth/token.",
    urls_namespace="api",
    auth=AUTH,
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

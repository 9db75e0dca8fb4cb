"""The error responses the API root gives for any operation, documented on every operation.

The handlers in `aiplus.api` answer, whatever the operation:
- 429 with Retry-After when the caller is over its rate limit (aiplus.core.throttling);
- 401 when an operation that needs credentials gets none or a bad token;
- 422 when its path, query or body parameters fail validation;
- 400 when its JSON request body cannot be parsed;
- 503 with Retry-After when the database is out of reach (aiplus.core.dberrors), and 507 when
  the disk is full while a request body is stored.
Operations declare the errors of their own logic (`ErrorOut` with 400/403/404/409…); this adds
the root's to the schema, so a client (and the schema-driven tests) knows every status code an
operation may answer with.
"""

from __future__ import annotations

ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorOut"}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}


UNAUTHORIZED = _error("Unauthorized: no credentials, or a bad or expired token")
UNPROCESSABLE = _error("Unprocessable Content: the parameters or the body fail validation")
BAD_REQUEST = _error("Bad Request: the request body is not valid JSON")
TOO_MANY_REQUESTS = {
    **_error(
        "Too many requests: the rate limit (API_RATE_USER / API_RATE_ANON) is exceeded; "
        "retry after Retry-After seconds"
    ),
    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
}


SERVICE_UNAVAILABLE = {
    **_error("Service Unavailable: the database is out of reach; retry after Retry-After seconds"),
    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
}
INSUFFICIENT_STORAGE = _error("Insufficient Storage: the disk is full; nothing was saved")


def document_root_errors(schema: dict) -> dict:
    """Add the root's 429/401/422/400/503/507 to every operation they apply to (in place)."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            body = operation.get("requestBody")
            _declare(responses, 429, TOO_MANY_REQUESTS)
            _declare(responses, 503, SERVICE_UNAVAILABLE)
            if operation.get("security"):
                _declare(responses, 401, UNAUTHORIZED)
            if operation.get("parameters") or body:
                _declare(responses, 422, UNPROCESSABLE)
            if body and "application/json" in body.get("content", {}):
                _declare(responses, 400, BAD_REQUEST)
            if body:
                _declare(responses, 507, INSUFFICIENT_STORAGE)
    return schema


def _declare(responses: dict, status: int, response: dict) -> None:
    # Ninja keys the responses by int; a post-processed schema may hold str keys.
    if status not in responses and str(status) not in responses:
        responses[status] = response

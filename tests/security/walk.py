"""Walking every URL pattern and every API operation as each role, and naming what happened.

Outcome letters (one per role, in `world.ROLES` order, make the expectation strings of
matrix.py):

    O  2xx: the page, the data or the file
    L  a redirect to the login page (anonymous visitors)
    R  another redirect (e.g. back to a page after an action, or to "your organisation is
       waiting for review")
    U  401: the API wants credentials
    D  403 or 404: refused, or hidden as if it did not exist
    V  400/409/422: the request got past the permission check and was refused on its content
    M  405: the method is not offered
    E  5xx: never acceptable

A lower-case letter means the request also wrote to the audit log (every change the platform
makes is audited): the role changed something. A refused role (L, U, D, M) never may.
"""

from __future__ import annotations

import io
import re

from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from aiplus.core.models import AuditEntry

from .world import ROLES


def outcome(response) -> str:
    status = response.status_code
    if 300 <= status < 400:
        location = response.headers.get("Location", "")
        return "L" if str(settings.LOGIN_URL) in location or "/login/" in location else "R"
    if 200 <= status < 300:
        return "O"
    return {401: "U", 403: "D", 404: "D", 405: "M", 400: "V", 409: "V", 422: "V"}.get(
        status, "E" if status >= 500 else "?"
    )


# -- pages ---------------------------------------------------------------------------------


def url_names() -> list[tuple[str, str]]:
    """(name, route) of every named URL pattern outside the API, namespaced."""
    found = []

    def walk(resolver, prefix, namespace):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                walk(p, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                name = p.name or "<unnamed>"
                found.append(
                    (f"{namespace}:{name}" if namespace else name, prefix + str(p.pattern))
                )

    walk(get_resolver(), "", "")
    return [(n, r) for n, r in found if not n.startswith("api:")]


def clients(world) -> dict[str, Client]:
    out = {"anonymous": Client()}
    for role, user in world.users.items():
        client = Client()
        client.force_login(user)
        out[role] = client
    return out


def _isolated(send):
    """Run one request in a savepoint that is rolled back, so one role's change does not
    change what the next role sees; returns (response, audit entries written)."""
    with transaction.atomic():
        before = AuditEntry.objects.count()
        response = send()
        written = AuditEntry.objects.count() - before
        transaction.set_rollback(True)
    return response, written


def page_outcomes(world, name: str, kwargs: dict, method: str) -> str:
    """The outcome letters of `method` on the named page for every role."""
    url = reverse(name, kwargs=kwargs)
    letters = []
    by_role = clients(world)
    for role in ROLES:  # the order of the expectation strings
        client = by_role[role]
        send = (
            (lambda c=client: c.get(url)) if method == "get" else (lambda c=client: c.post(url, {}))
        )
        response, written = _isolated(send)
        letter = outcome(response)
        letters.append(letter.lower() if written else letter)
    return "".join(letters)


# -- API -----------------------------------------------------------------------------------


def api_operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [
        (method.upper(), path, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    ]


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def example(schema: dict, node: dict, depth: int = 0):
    """A small value that satisfies `node` (a JSON schema), so that the request gets past
    input validation and reaches the permission check."""
    node = _resolve(schema, node)
    if "anyOf" in node or "oneOf" in node:
        options = [o for o in node.get("anyOf", node.get("oneOf", [])) if o.get("type") != "null"]
        return example(schema, options[0], depth) if options else None
    if "allOf" in node:
        return example(schema, node["allOf"][0], depth)
    if "enum" in node:
        return node["enum"][0]
    if "default" in node and node["default"] is not None:
        return node["default"]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        props = node.get("properties", {})
        return {
            key: example(schema, props[key], depth + 1)
            for key in node.get("required", [])
            if key in props and depth < 4
        }
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, node.get("minimum", 1))
    if kind == "number":
        return max(1, node.get("minimum", 1))
    if kind == "boolean":
        return False
    fmt = node.get("format")
    if fmt == "date":
        return "2026-06-01"
    if fmt == "date-time":
        return "2026-06-01T00:00:00+08:00"
    if fmt == "email":
        return "a@example.org"
    if fmt in ("uri", "url"):
        return "https://example.org/x"
    return "测试" * max(1, node.get("minLength", 1))


def api_request(schema, method, path, operation, params: dict, body=None):
    """(url, query, body, content_type) for calling `operation` with `params` in the path;
    the body is made from the schema unless given."""
    url = re.sub(r"\{(\w+)\}", lambda m: str(params[m.group(1)]), path)
    query = {}
    for p in operation.get("parameters", []):
        if p.get("in") == "query" and p.get("required"):
            query[p["name"]] = example(schema, p.get("schema", {}))
    content = operation.get("requestBody", {}).get("content", {})
    if body is not None:
        return url, query, body, "application/json"
    if "multipart/form-data" in content:
        node = _resolve(schema, content["multipart/form-data"]["schema"])
        data = {}
        for key in node.get("required", []):
            prop = _resolve(schema, node["properties"][key])
            if prop.get("format") == "binary":
                upload = io.BytesIO(b"not a real file")
                upload.name = "upload.xlsx"
                data[key] = upload
            else:
                data[key] = example(schema, prop)
        return url, query, data, None
    if "application/json" in content:
        node = content["application/json"]["schema"]
        return url, query, example(schema, node), "application/json"
    return url, query, None, None


def api_outcomes(world, schema, tokens, method, path, operation, params, body=None) -> str:
    """The outcome letters of one operation for every role."""
    from urllib.parse import urlencode

    url, query, body, content_type = api_request(schema, method, path, operation, params, body)
    if query:
        url = f"{url}?{urlencode(query)}"
    letters = []
    for role in ROLES:
        client = Client()
        headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens[role]}"} if role in tokens else {}
        if isinstance(body, dict) and any(hasattr(v, "read") for v in body.values()):
            for v in body.values():
                if hasattr(v, "seek"):
                    v.seek(0)

        def send(client=client, headers=headers):
            call = getattr(client, method.lower())
            if method == "GET":
                return call(url, **headers)
            if content_type is None and body is not None:
                return call(url, body, **headers)  # multipart
            if content_type is None:
                return call(url, **headers)
            return call(url, body, content_type=content_type, **headers)

        response, written = _isolated(send)
        letter = outcome(response)
        letters.append(letter.lower() if written else letter)
    return "".join(letters)

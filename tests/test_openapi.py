"""The published API contract: a snapshot of /api/openapi.json and a few rules every operation
follows.

The snapshot makes every change to the API visible in review. After an intended change run:

    UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_openapi.py

and commit tests/snapshots/openapi.json with the change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.test import Client

SNAPSHOT = Path(__file__).parent / "snapshots" / "openapi.json"
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def schema(db) -> dict:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def _dump(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_openapi_matches_snapshot(schema):
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(_dump(schema), encoding="utf-8")
        return
    how = (
        "Run `UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_openapi.py` to "
        "(re)write tests/snapshots/openapi.json, review the diff and commit it."
    )
    assert SNAPSHOT.exists(), f"No OpenAPI snapshot yet. {how}"
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    if schema != expected:
        changed = sorted(
            set(schema["paths"]) ^ set(expected["paths"])
            | {
                p
                for p in set(schema["paths"]) & set(expected["paths"])
                if schema["paths"][p] != expected["paths"][p]
            }
        )
        components = sorted(
            name
            for name in set(schema.get("components", {}).get("schemas", {}))
            | set(expected.get("components", {}).get("schemas", {}))
            if schema.get("components", {}).get("schemas", {}).get(name)
            != expected.get("components", {}).get("schemas", {}).get(name)
        )
        pytest.fail(
            "The OpenAPI schema differs from tests/snapshots/openapi.json.\n"
            f"Changed paths: {changed or '-'}\nChanged component schemas: {components or '-'}\n"
            f"If the change is intended: {how}"
        )


def test_every_path_is_under_api(schema):
    assert schema["paths"]
    outside = [path for path in schema["paths"] if not path.startswith("/api/")]
    assert not outside, f"Paths outside /api/: {outside}"


def test_every_operation_declares_a_response_schema(schema):
    missing = []
    for path, method, operation in _operations(schema):
        responses = operation.get("responses", {})
        has_schema = any(
            "schema" in media
            for response in responses.values()
            for media in response.get("content", {}).values()
        )
        if not has_schema:
            missing.append(f"{method.upper()} {path}")
    assert not missing, f"Operations without a response schema: {missing}"


def test_error_responses_use_error_out(schema):
    """Every declared 4xx response is the shared {message, errors} shape."""
    wrong = []
    for path, method, operation in _operations(schema):
        for code, response in operation.get("responses", {}).items():
            if not code.startswith("4"):
                continue
            for media in response.get("content", {}).values():
                if media.get("schema", {}).get("$ref") != "#/components/schemas/ErrorOut":
                    wrong.append(f"{method.upper()} {path} {code}")
    assert not wrong, f"Error responses not declared with ErrorOut: {wrong}"

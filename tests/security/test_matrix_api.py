"""Every API operation in the OpenAPI schema as every role (matrix.py explains the letters),
and no operation without a rule."""

import re

import pytest

from aiplus.accounts import services as accounts
from aiplus.api import api

from . import matrix, walk

pytestmark = pytest.mark.django_db

SCHEMA = api.get_openapi_schema()
OPERATIONS = {f"{m} {p}": (m, p, op) for m, p, op in walk.api_operations(SCHEMA)}


def test_matrix_covers_every_operation():
    """A new API operation fails here until matrix.API says what each role gets from it."""
    missing = sorted(set(OPERATIONS) - set(matrix.API))
    assert not missing, f"API operations without a permission rule in matrix.API: {missing}"
    stale = sorted(set(matrix.API) - set(OPERATIONS))
    assert not stale, f"rules for API operations that no longer exist: {stale}"


@pytest.fixture
def tokens(world):
    return {
        role: accounts.issue_token(user=user, name="matrix") for role, user in world.users.items()
    }


@pytest.mark.parametrize("key", sorted(matrix.API))
def test_operation(world, tokens, key):
    method, path, operation = OPERATIONS[key]
    over = matrix.API_PARAM_OVERRIDES.get(key, {})
    params = {
        name: over.get(name, matrix.API_PARAMS[name])(world)
        for name in re.findall(r"\{(\w+)\}", path)
    }
    body = matrix.API_BODIES[key](world) if key in matrix.API_BODIES else None
    got = walk.api_outcomes(world, SCHEMA, tokens, method, path, operation, params, body)
    assert got == matrix.API[key], f"{key}: expected {matrix.API[key]}, got {got} ({walk.ROLES})"

"""Every page as every role (matrix.py explains the letters): who sees what, who may change
what, and that no page exists without a rule."""

import pytest

from . import matrix, walk

pytestmark = pytest.mark.django_db


def test_matrix_covers_every_url():
    """A new URL pattern fails here until matrix.PAGES says what each role gets from it."""
    names = {name for name, _route in walk.url_names() if not name.startswith(matrix.ADMIN_PREFIX)}
    missing = sorted(names - set(matrix.PAGES))
    assert not missing, f"URL patterns without a permission rule in matrix.PAGES: {missing}"
    stale = sorted(set(matrix.PAGES) - names)
    assert not stale, f"rules for URL patterns that no longer exist: {stale}"
    with_kwargs = {name for name, route in walk.url_names() if "<" in route}
    assert not sorted(
        n for n in with_kwargs if not n.startswith(matrix.ADMIN_PREFIX) and n not in matrix.KWARGS
    ), "a URL with parameters needs its objects in matrix.KWARGS"


@pytest.mark.parametrize("name", sorted(matrix.PAGES))
def test_page(world, name):
    rule = matrix.PAGES[name]
    kwargs = matrix.KWARGS[name](world) if name in matrix.KWARGS else {}
    got = walk.page_outcomes(world, name, kwargs, "get")
    assert got == rule.get, f"GET {name}: expected {rule.get}, got {got} ({walk.ROLES})"
    if rule.post is not None:
        got = walk.page_outcomes(world, name, kwargs, "post")
        assert got == rule.post, f"POST {name}: expected {rule.post}, got {got} ({walk.ROLES})"


def test_admin_is_for_superusers_only(world):
    got = walk.page_outcomes(world, "admin:index", {}, "get")
    assert got == matrix.ADMIN_EXPECT


def test_refused_roles_never_change_anything():
    """The table itself: a refusal (L, U, D, M) is never lower case (wrote to the audit log)."""
    for name, rule in matrix.PAGES.items():
        for letters in (rule.get, rule.post or ""):
            assert not set(letters) & set("ldum"), (name, letters)
    for op, letters in matrix.API.items():
        assert not set(letters) & set("ldum"), (op, letters)
        assert "E" not in letters.upper(), (op, letters)

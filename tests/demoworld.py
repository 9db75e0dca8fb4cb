"""The demo data set loaded once for a test module (`aiplus demo`), rolled back afterwards.

Module-scoped fixtures run before the per-test autouse fixtures of conftest.py, so the test
settings those apply (fast password hashing, BM25-only matching, uploads in a temporary folder)
are applied here too: without them the demo would encode every demand with the embedding model
and write its sample files into the checkout's var/media.
"""

from __future__ import annotations

from contextlib import contextmanager
from io import StringIO

from django.core.management import call_command
from django.db import transaction
from django.test import override_settings


def demo_settings(folder):
    return override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MATCHING_ENCODER="none",
        MATCHING_AUTO_INDEX=False,
        MATCHING_INDEX_DIR=folder / "index",
        MEDIA_ROOT=folder / "media",
    )


@contextmanager
def demo_loaded(django_db_blocker, folder):
    """Yields the demo command's output; everything is rolled back on exit."""
    from aiplus.core.citypack import load_citypack
    from aiplus.scenarios import matching

    with django_db_blocker.unblock(), demo_settings(folder), transaction.atomic():
        matching._cache.clear()
        matching._cache.update(engine=None, version=None, tags=None)
        load_citypack("suzhou")
        out = StringIO()
        call_command("demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)

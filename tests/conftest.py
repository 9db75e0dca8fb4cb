import pytest

from aiplus.accounts.choices import OrgStatus, Role
from aiplus.core.citypack import load_citypack
from aiplus.core.models import Area

from .factories import make_user


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _matching_index(settings, tmp_path):
    """Each test gets its own index folder, BM25 only; saves re-index only where a test asks
    (the `auto_index` fixture)."""
    from aiplus.scenarios import matching

    settings.MATCHING_INDEX_DIR = tmp_path / "index"
    settings.MATCHING_ENCODER = "none"
    settings.MATCHING_AUTO_INDEX = False
    settings.MATCHING_RELOAD_SECONDS = 0  # tests see every change at once
    settings.MATCHING_BACKGROUND_RELOAD = False
    settings.MATCHING_TAGS_REFIT_SECONDS = 0
    settings.ANON_PAGE_CACHE_SECONDS = 0  # tests/test_pagecache.py switches it on
    matching._cache.clear()
    matching._cache.update(engine=None, version=None, tags=None)
    matching._writer.update(engine=None, version=None)


@pytest.fixture(autouse=True)
def _media_and_search(settings, tmp_path):
    """Uploads go to the test's own folder (never the checkout's var/media, and workers of a
    parallel run never share one); the catalogue's search index starts afresh."""
    from aiplus.catalogue import search

    settings.MEDIA_ROOT = tmp_path / "media"
    search.clear_cache()


@pytest.fixture(autouse=True)
def _programme_memos():
    """Programme progress and obligations are memoised per process under the data revision;
    each test's database starts without one, so every test starts (and ends) afresh. So do the
    API rate limits' counts (kept by user id and address, which tests reuse)."""
    from django.core.cache import cache, caches

    from aiplus.programme import obligations, progress

    def forget():
        cache.clear()
        caches["throttle"].clear()
        progress._memo.clear()
        obligations._memo.clear()

    forget()
    yield
    forget()


@pytest.fixture
def reviewer(citypack):
    """A second office user: approves what `office` (or a district) submitted."""
    return make_user(Role.OFFICE, username="office2")


@pytest.fixture
def gusu_officer(citypack):
    return make_user(Role.DISTRICT, area=Area.objects.get(code="gusu"), username="gusu")


@pytest.fixture
def auto_index(settings):
    settings.MATCHING_AUTO_INDEX = True


@pytest.fixture
def citypack(db):
    load_citypack("suzhou")


@pytest.fixture
def office(citypack):
    return make_user(Role.OFFICE, username="office")


@pytest.fixture
def demander(citypack):
    return make_user(Role.DEMANDER, username="demander")


@pytest.fixture
def other_demander(citypack):
    return make_user(Role.DEMANDER, username="other_demander")


@pytest.fixture
def supplier(citypack):
    return make_user(Role.SUPPLIER, username="supplier")


@pytest.fixture
def district_officer(citypack):
    return make_user(Role.DISTRICT, area=Area.objects.get(code="sip"), username="district")


@pytest.fixture
def pending_demander(citypack):
    return make_user(Role.DEMANDER, status=OrgStatus.PENDING, username="pending")


@pytest.fixture
def provider(citypack):
    """A member of a compute provider (算力供给方)."""
    return make_user(Role.COMPUTE_PROVIDER, username="provider")

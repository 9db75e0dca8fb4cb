import pytest

from aiplus.accounts.choices import OrgStatus, Role
from aiplus.core.citypack import load_citypack
from aiplus.core.models import Area

from .factories import make_user


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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

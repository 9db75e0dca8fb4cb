import pytest

from ..demoworld import demo_loaded
from .world import World


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("world")
    with demo_loaded(django_db_blocker, folder):
        with django_db_blocker.unblock():
            world = World.build()
        yield world, folder


@pytest.fixture
def world(_world, db, settings):
    """The demo world (world.py); each test runs in a savepoint of the module's transaction."""
    world, folder = _world
    settings.MEDIA_ROOT = folder / "media"
    return world

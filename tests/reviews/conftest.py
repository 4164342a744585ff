import pytest

from tests.reviews.helpers import build_world


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The world creates a dozen users; the production hasher would take seconds per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db, _fast_passwords):
    return build_world()

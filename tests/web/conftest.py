
import pytest
from django.contrib.auth import get_user_model

from tests.web.world import build_world


def login(client, user):
    """Log in as `user` as stored (the factory's password is set after its save)."""
    client.force_login(get_user_model().objects.get(pk=user.pk))
    return client


@pytest.fixture
def teacher_client(client):
    from tests.factories import TeacherProfileFactory

    profile = TeacherProfileFactory()
    login(client, profile.user)
    return client, profile.user


@pytest.fixture
def world(db, clock):
    return build_world()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The factories hash a password per user; a fast hasher keeps the 50-row pages quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

import pytest
from django.contrib.auth import get_user_model


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

import datetime

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.reviews.helpers import build_world


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache and are keyed by user id, which tests reuse."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db, _fast_passwords):
    """The API uses the real date, so the current 学年 exists too, and activities are dated
    a few days ago (never before the 学年 began)."""
    from credits.services import academic_year_ensure

    w = build_world()
    w.current = academic_year_ensure(datetime.date.today())
    w.activity_day = max(w.current.starts, datetime.date.today() - datetime.timedelta(days=3))
    return w


@pytest.fixture
def client_for():
    def make(user):
        client = APIClient()
        _, key = AuthToken.objects.create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make

import pytest

from tests.reviews.helpers import build_world


@pytest.fixture
def world(db):
    return build_world()

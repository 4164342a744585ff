import pytest
from django.core.management import call_command


@pytest.fixture
def catalogue(db):
    """The shipped catalogue (fixtures/credit_items.json)."""
    call_command("loaddata", "credit_items", verbosity=0)


@pytest.fixture
def year(db):
    from tests.factories import AcademicYearFactory

    return AcademicYearFactory(start_year=2017)

import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Factories hash a password per user; the default hasher would dominate these tests' time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def catalogue(db):
    """The shipped catalogue (fixtures/credit_items.json)."""
    call_command("loaddata", "credit_items", verbosity=0)


@pytest.fixture
def year(db):
    from tests.factories import AcademicYearFactory

    return AcademicYearFactory(start_year=2017)


@pytest.fixture
def make_entry(catalogue):
    """An entry of the shipped catalogue: make_entry(teacher, "micro_course", "3", year=2017)."""
    import datetime
    from decimal import Decimal

    from credits.models import AcademicYear, EntryStatus
    from credits.selectors import item_for
    from tests.factories import AcademicYearFactory, CreditEntryFactory

    def make(teacher, code, quantity, *, option="", year=2017, status=EntryStatus.CONFIRMED, day=None, **kw):
        if day is not None:
            year = AcademicYear.start_year_for(day)
        ay = AcademicYearFactory(start_year=year)
        return CreditEntryFactory(
            teacher=teacher, academic_year=ay, item=item_for(code, year), option=option,
            quantity_claimed=Decimal(str(quantity)), status=status,
            started_on=day or datetime.date(year, 10, 1), **kw,
        )

    return make


def login(client, user):
    """UserFactory sets the password after its save; reload so force_login's session hash matches."""
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(pk=user.pk))
    return client

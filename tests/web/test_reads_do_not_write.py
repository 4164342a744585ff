"""A page view only reads: the 学年 it shows is created at sign-in, by the nightly task or by what
is registered in it (credits.services.academic_year_ensure), never by AcademicYear.for_date."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from credits.models import AcademicYear
from tests.factories import AcademicYearFactory, TeacherProfileFactory

pytestmark = pytest.mark.django_db


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_for_date_reads_and_never_creates_a_year():
    AcademicYearFactory(start_year=2017)
    with CaptureQueriesContext(connection) as queries:
        assert AcademicYear.for_date(datetime.date(2018, 3, 1)).start_year == 2017
        # 2019-2020 is not created yet: the latest before it is what a page shows.
        assert AcademicYear.for_date(datetime.date(2019, 9, 1)).start_year == 2017
    assert _writes(queries.captured_queries) == []
    assert list(AcademicYear.objects.values_list("start_year", flat=True)) == [2017]


def test_a_home_page_view_inserts_nothing_even_when_the_year_is_missing(client):
    profile = TeacherProfileFactory()
    this = AcademicYear.start_year_for(timezone.localdate())
    AcademicYearFactory(start_year=this - 1)
    client.force_login(profile.user)
    # Sign-in created the current 学年 (a write request anyway); take it away again.
    assert AcademicYear.objects.filter(start_year=this).exists()
    AcademicYear.objects.filter(start_year=this).delete()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert _writes(queries.captured_queries) == []
    assert not AcademicYear.objects.filter(start_year=this).exists()


def test_registering_creates_the_year_it_needs(db):
    from credits.services import academic_year_ensure

    year = academic_year_ensure(datetime.date(2030, 8, 1))
    assert (year.start_year, year.registration_closes) == (2030, datetime.date(2031, 7, 31))
    assert academic_year_ensure(datetime.date(2031, 7, 31)).pk == year.pk

"""The page benchmarks on a small generated city: every page of issue 15's table answers as its
role, within the query bound; and what the dashboards and compliance tables now read (the totals
table) agrees with the set-based recompute over the entries."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.models import School
from bench import pages
from bench.city import generate
from credits.models import AcademicYear
from credits.selectors import school_totals
from reports.selectors import dashboard_figures, year_totals_for

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

TODAY = datetime.date(2026, 12, 1)


@pytest.fixture
def city():
    return generate(teachers=150, seed=3, years=3, audit_years=1, today=TODAY, out=io.StringIO())


def test_every_page_answers_as_its_role_within_the_query_bound(city):
    results = pages.run(requests=1)
    assert [r.key for r in results] == [p[0] for p in pages.PAGES]
    for r in results:
        assert (r.status, r.error) == (200, ""), r.as_dict()
        assert 0 < r.queries <= 30, r.as_dict()
    lines = pages.table(results).splitlines()
    assert all(any(line.startswith(r.label) for line in lines) for r in results)


def test_the_command_prints_the_table_and_writes_json(city, tmp_path):
    out = io.StringIO()
    call_command("bench", "--requests", "1", "--only", "teacher_home", "city_dashboard", "--json",
                 str(tmp_path / "b.json"), stdout=out)
    text = out.getvalue()
    assert "teacher home" in text and "city dashboard" in text and "school compliance" not in text
    assert '"p95_ms"' in (tmp_path / "b.json").read_text(encoding="utf-8")


def test_the_totals_the_pages_read_agree_with_the_recompute_over_entries(city):
    for year in AcademicYear.objects.all():
        school_ids = list(School.objects.values_list("pk", flat=True))
        computed = school_totals(school_ids=school_ids, academic_year=year)
        read = year_totals_for(teacher_ids=list(computed), academic_year=year)
        assert read.keys() == computed.keys()
        for t, c in computed.items():
            r = read[t]
            assert (r.regulated, r.flexible, r.total, r.raw_total, r.unconfirmed) == (
                c.regulated, c.flexible, c.total, c.raw_total, c.unconfirmed), t
            assert {k: r.by_kind[k] for k in c.by_kind} == c.by_kind, t
        # The dashboard's sums per school and 学段 are those of the recompute (approved teachers).
        from accounts.models import AccountStatus, TeacherProfile

        cells = dashboard_figures(schools=School.objects.all(), academic_year=year)
        approved = TeacherProfile.objects.filter(status=AccountStatus.APPROVED)
        assert sum(c["teachers"] for c in cells.values()) == approved.count()
        want_ok = sum(1 for p in approved if computed[p.pk].year_ok)
        assert sum(c["ok"] for c in cells.values()) == want_ok
        assert sum((c["regulated"] for c in cells.values()), Decimal(0)) == sum(
            (computed[p.pk].regulated for p in approved), Decimal(0))

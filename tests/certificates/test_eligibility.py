"""Eligibility for a 继教证书 (notice 三(二)3) over the sealed 学年, at the boundaries."""

from decimal import Decimal

import pytest

from certificates import eligibility as E
from certificates.models import TitleKind
from credits import rules as R

from .conftest import REVIEW_YEAR, WINDOW, give, seal, spread

D = Decimal


def test_window_is_the_five_years_ending_with_the_year_closed_in_july():
    assert E.window_years(TitleKind.SENIOR, 2018) == (2013, 2014, 2015, 2016, 2017)
    assert E.window_years(TitleKind.PROBATION, 2018) == (2017,)


@pytest.mark.parametrize("reg, flex, ok", [
    ("240", "119.9", False),   # 359.9 in all, 灵活性 119.9
    ("240", "120", True),      # exactly 360 / 240 / 120
    ("239.9", "120.1", False),  # 360 in all, 规范性 239.9
    ("239.9", "130", False),   # more than 360 but 规范性 short
    ("250", "109.9", False),   # 359.9 in all
    ("250", "110", False),     # 360 in all, 灵活性 110
    ("300", "120", True),
])
def test_title_boundaries_in_the_pure_check(reg, flex, ok):
    by_year = {y: R.YearTotals(regulated=D(r), flexible=D(f), total=D(r) + D(f))
               for y, (r, f) in spread(reg, flex).items()}
    result = E.evaluate(TitleKind.SENIOR, REVIEW_YEAR, by_year, set(WINDOW))
    assert result.eligible is ok
    assert result.total == D(reg) + D(flex)
    if not ok:
        assert result.reasons()


@pytest.mark.parametrize("total, ok", [("119.9", False), ("120", True)])
def test_probation_boundary(total, ok):
    by_year = {2017: R.YearTotals(regulated=D(total), flexible=D(0), total=D(total))}
    result = E.evaluate(TitleKind.PROBATION, REVIEW_YEAR, by_year, {2017})
    assert result.eligible is ok
    assert result.missing["total"] == max(D(0), D(120) - D(total))


@pytest.mark.parametrize("reg, flex, ok, missing", [
    ("240", "119.9", False, {"total": D("0.1"), "regulated": D(0), "flexible": D("0.1")}),
    ("240", "120", True, {"total": D(0), "regulated": D(0), "flexible": D(0)}),
    ("239.9", "120.1", False, {"total": D(0), "regulated": D("0.1"), "flexible": D(0)}),
])
def test_title_boundaries_from_the_database(teacher, items, reg, flex, ok, missing):
    give(teacher, items, spread(reg, flex))
    seal(*WINDOW)
    result = E.teacher_eligibility(teacher=teacher, kind=TitleKind.FIRST, year=REVIEW_YEAR)
    assert result.eligible is ok
    assert dict(result.missing) == missing
    assert result.regulated == D(reg) and result.flexible == D(flex)


@pytest.mark.parametrize("total, ok", [("119.9", False), ("120", True)])
def test_probation_boundary_from_the_database(teacher, items, total, ok):
    give(teacher, items, {2017: (D(total) - 20, D(20))})
    seal(2017)
    assert E.teacher_eligibility(teacher=teacher, kind=TitleKind.PROBATION, year=REVIEW_YEAR).eligible is ok


def test_an_unsealed_year_counts_nothing(teacher, items):
    give(teacher, items, spread("300", "150"))
    seal(*WINDOW[:4])  # 2017-2018 not sealed yet
    result = E.teacher_eligibility(teacher=teacher, kind=TitleKind.SENIOR, year=REVIEW_YEAR)
    assert not result.eligible
    assert result.unsealed == (2017,)
    assert result.total == D(360)  # four sealed years of 90
    assert "尚未封存" in result.reasons()[0]


def test_shortfall_is_shown_year_by_year(teacher, items):
    give(teacher, items, {2013: (D(40), D(20)), 2014: (D(48), D(24)), 2015: (D(60), D(30)),
                          2016: (D(60), D(30)), 2017: (D(60), D(30))})
    seal(*WINDOW)
    result = E.teacher_eligibility(teacher=teacher, kind=TitleKind.SENIOR, year=REVIEW_YEAR)
    first = result.rows[0]
    assert first.label == "2013-2014"
    assert first.year_missing == {"total": D(12), "regulated": D(8), "flexible": D(4)}
    assert result.rows[1].year_ok
    assert result.total == D(402)
    assert result.eligible  # 402 / 268 / 134: the window passes although one year is short


def test_applications_of_a_school_are_read_set_based_and_agree(org, items):
    from certificates.services import title_application_mark
    from tests.factories import TeacherProfileFactory

    a = TeacherProfileFactory(school=org.school)
    b = TeacherProfileFactory(school=org.school)
    give(a, items, spread("240", "120"))
    give(b, items, spread("240", "119.9"))
    seal(*WINDOW)
    apps = [title_application_mark(actor=org.admin, teacher=t, kind=TitleKind.SENIOR, year=REVIEW_YEAR) for t in (a, b)]
    results = E.applications_eligibility(apps)
    assert [results[x.pk].eligible for x in apps] == [True, False]
    for x in apps:
        single = E.teacher_eligibility(teacher=x.teacher, kind=x.kind, year=x.year)
        assert single.totals_json() == results[x.pk].totals_json()

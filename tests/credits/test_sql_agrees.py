"""One engine, two speeds: the set-based school_totals (one SQL query) and the Python engine give
identical totals on the same random data, on SQLite and on PostgreSQL."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credits import rules as R
from credits import selectors
from credits.models import AcademicYear, CreditEntry, EntrySource, EntryStatus
from tests.factories import AcademicYearFactory, SchoolFactory, TeacherProfileFactory

from .catalogue_data import RULES

CODES = sorted(RULES)


@st.composite
def entry(draw):
    code = draw(st.sampled_from(CODES))
    rule = RULES[code]
    option = draw(st.sampled_from(sorted(rule.options))) if rule.conversion == R.BY_OPTION else ""
    qty = draw(st.decimals(min_value=0, max_value=80, places=1))
    approved = draw(st.none() | st.decimals(min_value=0, max_value=80, places=1))
    status = draw(st.sampled_from([EntryStatus.CONFIRMED, EntryStatus.DISTRICT_REVIEWED, EntryStatus.SUBMITTED,
                                   EntryStatus.REJECTED]))
    return draw(st.integers(0, 3)), code, option, qty, approved, status


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(entry(), max_size=40))
def test_school_totals_sql_equals_python(catalogue, rows):
    _agree(rows)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(entry(), max_size=40), st.sets(st.sampled_from(CODES), max_size=6))
def test_unconfirmed_credits_agree_when_capped_and_grouped_items_are_unconfirmed(catalogue, rows, marked):
    """The share resting on 待确认 values agrees in both paths, also for items under a yearly cap
    and in a shared cap group (the allowance goes to the group's items in code order)."""
    from credits.models import CreditItem

    CreditItem.objects.filter(code__in=marked | {"base_city_activity"}).update(unconfirmed=True)
    _agree(rows)


def _agree(rows):
    year = AcademicYearFactory(start_year=2017)
    school = SchoolFactory()
    teachers = [TeacherProfileFactory(school=school) for _ in range(4)]
    items = {code: selectors.item_for(code, 2017) for code in CODES}
    CreditEntry.objects.bulk_create([
        CreditEntry(teacher=teachers[t], school=school, academic_year=year, item=items[code], option=option,
                    title="随机", started_on=datetime.date(2017, 10, 1), quantity_claimed=qty,
                    quantity_approved=approved, status=status, source=EntrySource.DECLARED,
                    created_by=teachers[t].user)
        for t, code, option, qty, approved, status in rows
    ])
    sql = selectors.school_totals(school_ids=[school.pk], academic_year=year)
    py = selectors.school_totals_python(school_ids=[school.pk], academic_year=year)
    assert set(sql) == set(py) == {t.pk for t in teachers}
    for t in teachers:
        s, p = sql[t.pk], py[t.pk]
        assert (s.regulated, s.flexible, s.total, s.raw_total, s.unconfirmed) == (
            p.regulated, p.flexible, p.total, p.raw_total, p.unconfirmed)
        assert s.unconfirmed <= s.total
        assert s.by_kind == p.by_kind
        # ...and both equal the one-teacher selector the pages use.
        assert selectors.teacher_year_totals(teacher=t, academic_year=year) == p


def test_entries_on_an_older_version_count_under_the_year_rule_in_both_paths(catalogue):
    """An entry keeps its item row; the year's totals use the version valid in that year."""
    from credits.models import CreditItem

    old = CreditItem.objects.get(code="mentoring", valid_from=2017)
    new = CreditItem.objects.get(pk=old.pk)
    new.pk, new.valid_from, new.rate = None, 2018, Decimal("3")
    new.save()
    year = AcademicYearFactory(start_year=2018)
    t = TeacherProfileFactory()
    for item in (old, new):
        CreditEntry.objects.create(teacher=t, school=t.school, academic_year=year, item=item, title="师徒结队",
                                   started_on=datetime.date(2018, 9, 1), quantity_claimed=Decimal(1),
                                   status=EntryStatus.CONFIRMED, source=EntrySource.DECLARED, created_by=t.user)
    sql = selectors.school_totals(school_ids=[t.school_id], academic_year=year)[t.pk]
    py = selectors.teacher_year_totals(teacher=t, academic_year=year)
    assert sql.total == py.total == Decimal(6)
    assert AcademicYear.objects.filter(start_year=2018).exists()


def test_a_group_cap_with_two_places_is_counted_alike_in_both_paths(catalogue):
    """CapGroup.cap holds two places; both paths count whole tenths of it (40.25 → 40.2), and the
    set-based query does not fail on it (it serves the compliance and dashboard pages)."""
    from credits.models import CapGroup

    CapGroup.objects.filter(code="base_city").update(cap=Decimal("40.25"))
    year = AcademicYearFactory(start_year=2017)
    t = TeacherProfileFactory()
    CreditEntry.objects.create(teacher=t, school=t.school, academic_year=year,
                               item=selectors.item_for("base_city_activity", 2017), title="基地校活动",
                               started_on=datetime.date(2017, 9, 1), quantity_claimed=Decimal(50),
                               status=EntryStatus.CONFIRMED, source=EntrySource.DECLARED, created_by=t.user)
    sql = selectors.school_totals(school_ids=[t.school_id], academic_year=year)[t.pk]
    py = selectors.teacher_year_totals(teacher=t, academic_year=year)
    assert sql.total == py.total == Decimal("40.2")


def test_a_group_cap_is_entered_with_one_place_at_most(catalogue):
    from credits.models import CapGroup

    group = CapGroup.objects.get(code="base_city")
    group.cap = Decimal("40.25")
    with pytest.raises(ValidationError):
        group.full_clean()

"""The set-based yearly figures (``credits.selectors.year_figures``: one grouped query, the caps in
integer tenths) equal the rule engine's (``year_figures_engine``, entry by entry) for every column
of the totals table, on random entries of every state, on SQLite and on PostgreSQL."""

import datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credits import rules as R
from credits import selectors
from credits.models import CreditEntry, CreditItem, EntrySource, EntryStatus
from credits.services import teacher_year_totals_rebuild
from tests.factories import AcademicYearFactory, SchoolFactory, TeacherProfileFactory

from .catalogue_data import RULES

CODES = sorted(RULES)
STATES = [EntryStatus.CONFIRMED, EntryStatus.DISTRICT_REVIEWED, EntryStatus.SUBMITTED, EntryStatus.SCHOOL_VERIFIED,
          EntryStatus.SCHOOL_APPROVED, EntryStatus.RETURNED, EntryStatus.REJECTED, EntryStatus.WITHDRAWN,
          EntryStatus.LATE]
SLOW = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]}


@st.composite
def entry(draw):
    code = draw(st.sampled_from(CODES))
    rule = RULES[code]
    options = sorted(rule.options) + ["不存在的选项"] if rule.conversion == R.BY_OPTION else ["", "忽略"]
    option = draw(st.sampled_from(options))
    qty = draw(st.decimals(min_value=0, max_value=120, places=1))
    approved = draw(st.none() | st.decimals(min_value=0, max_value=120, places=1))
    return draw(st.integers(0, 4)), code, option, qty, approved, draw(st.sampled_from(STATES))


def _agree(rows, *, start_year=2017):
    year = AcademicYearFactory(start_year=start_year)
    school = SchoolFactory()
    teachers = [TeacherProfileFactory(school=school) for _ in range(5)]
    items = {code: selectors.item_for(code, start_year) for code in CODES}
    CreditEntry.objects.bulk_create([
        CreditEntry(teacher=teachers[t], school=school, academic_year=year, item=items[code], option=option,
                    title="随机", started_on=datetime.date(start_year, 10, 1), quantity_claimed=qty,
                    quantity_approved=approved, status=status, source=EntrySource.DECLARED,
                    created_by=teachers[t].user)
        for t, code, option, qty, approved, status in rows
    ])
    ids = [t.pk for t in teachers]
    fast = selectors.year_figures(teacher_ids=ids, academic_year=start_year)
    engine = selectors.year_figures_engine(teacher_ids=ids, academic_year=start_year)
    assert set(fast) == set(engine) == set(ids)
    for t in ids:
        assert fast[t].columns() == engine[t].columns(), t
    return year, fast


@settings(max_examples=40, **SLOW)
@given(st.lists(entry(), max_size=60))
def test_set_based_figures_equal_the_engine_on_random_entries(catalogue, rows):
    _agree(rows)


@settings(max_examples=20, **SLOW)
@given(st.lists(entry(), max_size=60), st.sets(st.sampled_from(CODES), max_size=8),
       st.sampled_from(["12.5", "40.25", "0", "7.3"]))
def test_they_agree_with_unconfirmed_items_and_other_caps(catalogue, rows, marked, group_cap):
    """待确认 items (whole items and single options), a group cap with two places and odd item caps
    are counted alike: the allowance, the cut and the unconfirmed share."""
    from credits.models import CapGroup

    CreditItem.objects.filter(code__in=marked).update(unconfirmed=True)
    CapGroup.objects.update(cap=Decimal(group_cap))
    CreditItem.objects.filter(code__in=sorted(marked)[:3]).update(cap=Decimal("3.35"))
    _agree(rows)


def test_a_rate_finer_than_hundredths_goes_through_the_engine_and_still_agrees(catalogue):
    """Where a catalogue value is not whole hundredths the integer shortcut is not taken."""
    per_hour = next(c for c in CODES if RULES[c].conversion == R.PER_HOUR)
    CreditItem.objects.filter(code=per_hour).update(rate=Decimal("0.333"))
    _, fast = _agree([(0, per_hour, "", Decimal("7.7"), None, EntryStatus.CONFIRMED),
                      (0, per_hour, "", Decimal("2.2"), Decimal("1.1"), EntryStatus.DISTRICT_REVIEWED)])
    assert fast[min(fast)].total == R.q1(Decimal("8.8") * Decimal("0.333"))


def test_the_rebuild_writes_the_set_based_figures_and_then_finds_nothing_to_correct(catalogue):
    rows = [(t, code, sorted(RULES[code].options)[0] if RULES[code].options else "", Decimal("9.5"), None, status)
            for t, (code, status) in enumerate([(c, s) for c in CODES[:4] for s in STATES[:3]][:5])]
    year, fast = _agree(rows)
    first = teacher_year_totals_rebuild(academic_year=year)
    assert first["written"] == len(fast) and {t for t, _ in first["differ"]} == set(fast)
    from credits.models import TeacherYearTotal

    stored = {r.teacher_id: r.figures() for r in TeacherYearTotal.objects.filter(academic_year=year)}
    assert stored == {t: f.columns() for t, f in fast.items()}
    assert teacher_year_totals_rebuild(academic_year=year, write=False) == {"checked": len(fast), "differ": [],
                                                                            "written": 0}

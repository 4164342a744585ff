"""The city generator: a small city has every part the pages and benchmarks need, its totals agree
with the rule engine, and the same seed gives the same city."""

import datetime
import hashlib
import io

import pytest
from django.db import transaction
from django.db.models import Count

from accounts.models import Role, RoleAssignment, School, TeacherProfile
from bench.city import generate
from credits.models import CreditEntry
from credits.selectors import school_totals, school_totals_python
from reviews.models import EntryTransition, Evidence, Roster, RosterRow

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)


def _city(seed=1, teachers=200):
    return generate(teachers=teachers, seed=seed, years=5, audit_years=2, today=TODAY, out=io.StringIO())


def _digest() -> str:
    rows = CreditEntry.objects.order_by("id").values_list(
        "id", "teacher__user__username", "item__code", "option", "status", "quantity_claimed", "quantity_approved",
        "credits", "started_on")
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def test_a_small_city_has_schools_roles_entries_trails_and_rosters():
    figures = _city()
    assert TeacherProfile.objects.count() == figures.teachers == 200
    # 高完中: a school with both 初中 and 高中; 市直属学校 (no district); base schools of both levels.
    assert any(s.stages == ["junior", "senior"] for s in School.objects.all())
    assert School.objects.filter(district__isnull=True).exists()
    assert set(School.objects.values_list("base_level", flat=True)) >= {"city", "district", "none"}
    roles = set(RoleAssignment.objects.values_list("role", flat=True))
    assert roles == {r.value for r in Role}
    assert CreditEntry.objects.count() == figures.entries > 200 * 100
    statuses = set(CreditEntry.objects.values_list("status", flat=True))
    assert statuses >= {"submitted", "school_verified", "school_approved", "district_reviewed", "confirmed",
                        "rejected", "returned", "withdrawn"}
    assert set(CreditEntry.objects.values_list("source", flat=True)) == {
        "declared", "self_registered", "admin_registered", "feed", "roster"}
    # Every entry of the audited years has its trail ending in its state; declared ones their proof.
    recent = CreditEntry.objects.filter(academic_year__start_year__gte=2025)
    last = {t.entry_id: t for t in EntryTransition.objects.filter(entry__in=recent).order_by("entry_id", "at", "id")}
    assert len(last) == recent.count()
    assert all(last[e.pk].to_state == e.status for e in recent.only("id", "status")[:2000])
    assert Evidence.objects.filter(entry__source="declared").count() == recent.filter(source="declared").count()
    assert Roster.objects.filter(status="approved").exists() and Roster.objects.filter(status="submitted").exists()
    assert RosterRow.objects.filter(entry__isnull=False).count() == CreditEntry.objects.filter(source="roster").count()
    assert figures.transitions == EntryTransition.objects.count()
    # Each proof its own file but a few shared ones: the queues show 重复提示 where a real city would.
    shared = Evidence.objects.values("sha256").annotate(n=Count("id")).filter(n__gt=1).values("sha256")
    assert 0 < Evidence.objects.filter(sha256__in=shared).count() < Evidence.objects.count() / 100


def test_totals_of_the_generated_city_agree_with_the_engine_and_some_are_over_caps():
    _city()
    ids = list(School.objects.values_list("id", flat=True))
    for year in (2022, 2025, 2026):
        sql = school_totals(school_ids=ids, academic_year=year)
        py = school_totals_python(school_ids=ids, academic_year=year)
        assert {t: (v.total, v.regulated, v.flexible) for t, v in sql.items()} == {
            t: (v.total, v.regulated, v.flexible) for t, v in py.items()}
    past = school_totals(school_ids=ids, academic_year=2024)
    assert sum(1 for t in past.values() if t.over_cap > 0) > 20
    assert 0 < sum(1 for t in past.values() if t.year_ok) < len(past)


def test_every_teachers_set_based_figures_in_the_generated_city_equal_the_engine_and_the_table():
    """Every column of every teacher in every 学年: the set-based figures (one grouped query) are
    the rule engine's, and the totals table the generator's rebuild wrote holds exactly them."""
    from credits.models import TeacherYearTotal
    from credits.selectors import year_figures, year_figures_engine

    _city()
    ids = list(TeacherProfile.objects.values_list("pk", flat=True))
    for year in range(2022, 2027):
        fast = year_figures(teacher_ids=ids, academic_year=year)
        engine = year_figures_engine(teacher_ids=ids, academic_year=year)
        assert {t: f.columns() for t, f in fast.items()} == {t: f.columns() for t, f in engine.items()}
        table = {r.teacher_id: r.figures() for r in TeacherYearTotal.objects.filter(academic_year__start_year=year)}
        assert table == {t: f.columns() for t, f in fast.items() if f.counted_entries or f.open_entries or t in table}
        assert sum(1 for f in fast.values() if f.raw_total > f.total) > 10  # caps cut somewhere


def test_the_same_seed_gives_the_same_city_and_another_seed_another():
    digests = []
    for seed in (1, 1, 2):
        sid = transaction.savepoint()
        _city(seed=seed, teachers=150)
        digests.append(_digest())
        transaction.savepoint_rollback(sid)
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_a_second_run_into_a_city_is_refused_and_adds_nothing():
    _city(teachers=150)
    before = CreditEntry.objects.count()
    with pytest.raises(RuntimeError):
        _city(teachers=150)
    assert CreditEntry.objects.count() == before
    assert TeacherProfile.objects.aggregate(n=Count("id"))["n"] == 150

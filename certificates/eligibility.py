"""Who may be issued a 继教证书 (notice 三(二)3), read from the **sealed** 学年.

- 一级 / 高级 / 正高级: the last five 学年 ≥360, of which ≥240 规范性 and ≥120 灵活性
  (``credits.rules.title_check``);
- 新教师转正: the last 学年 ≥120 (``credits.rules.probation_pass_check``).

The rule numbers live in ``credits.rules``; this module only chooses the years, reads each year's
totals (the seal's per-teacher totals once a 学年 is sealed) and says what is missing, overall and
year by year. A 学年 in the window that is not sealed yet counts nothing here: its numbers can
still change, so no certificate may rest on them. The planner (``plan``) is the exception: it is a
projection for the teacher and shows the unsealed years' current numbers, marked as such.

The year of a 职评 is the calendar year of the September review (e.g. 2018); the window ends with
the 学年 that closed on 7月31日 of that year (2017-2018).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from credits import rules as R
from credits.models import AcademicYear

from .models import TitleKind

ZERO = R.ZERO
TITLE_KINDS = (TitleKind.FIRST, TitleKind.SENIOR, TitleKind.PROFESSOR)


def window_years(kind: str, year: int) -> tuple[int, ...]:
    """The 学年 (start years) a 职评 in calendar year `year` counts: the last five, or for 转正
    the last one, ending with the 学年 that closed on 7月31日 of `year`."""
    last = int(year) - 1
    if kind == TitleKind.PROBATION:
        return (last,)
    return tuple(range(last - R.CYCLE_YEARS + 1, last + 1))


def next_review_year(today: datetime.date) -> int:
    """The year of the next September review: this year until the end of August, then the next."""
    return today.year if today.month < 9 else today.year + 1


@dataclass(frozen=True)
class YearRow:
    start_year: int
    sealed: bool
    regulated: Decimal
    flexible: Decimal
    total: Decimal
    # What this 学年 lacks against the yearly 72 / 48 / 24 (二(一)), for the shortfall table.
    year_missing: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"

    @property
    def year_ok(self) -> bool:
        return not any(self.year_missing.values())


@dataclass(frozen=True)
class Eligibility:
    kind: str
    year: int
    rows: tuple[YearRow, ...]
    check: R.Check

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(r.start_year for r in self.rows)

    @property
    def unsealed(self) -> tuple[int, ...]:
        return tuple(r.start_year for r in self.rows if not r.sealed)

    @property
    def eligible(self) -> bool:
        return self.check.ok and not self.unsealed

    @property
    def missing(self) -> Mapping[str, Decimal]:
        return self.check.missing

    @property
    def regulated(self) -> Decimal:
        return sum((r.regulated for r in self.rows if r.sealed), ZERO)

    @property
    def flexible(self) -> Decimal:
        return sum((r.flexible for r in self.rows if r.sealed), ZERO)

    @property
    def total(self) -> Decimal:
        return sum((r.total for r in self.rows if r.sealed), ZERO)

    def reasons(self) -> list[str]:
        """Why not, in Chinese, for the page and the refusal."""
        out = []
        if self.unsealed:
            out.append("以下学年尚未封存：" + "、".join(f"{y}-{y + 1}" for y in self.unsealed))
        labels = {"total": "总学分", "regulated": "规范性", "flexible": "灵活性"}
        for key in ("total", "regulated", "flexible"):
            gap = self.check.missing.get(key)
            if gap:
                out.append(f"{labels[key]}还差 {_fmt(gap)} 学分（需 {_fmt(self.check.need[key])}，已有 {_fmt(self.check.have[key])}）")
        return out

    def totals_json(self) -> dict:
        """What a certificate certifies, as stored on it (strings, never floats)."""
        return {
            "years": [
                {"start_year": r.start_year, "label": r.label, "regulated": _fmt(r.regulated),
                 "flexible": _fmt(r.flexible), "total": _fmt(r.total)}
                for r in self.rows
            ],
            "regulated": _fmt(self.regulated),
            "flexible": _fmt(self.flexible),
            "total": _fmt(self.total),
        }


def _fmt(value: Decimal) -> str:
    value = Decimal(value)
    return f"{value:.0f}" if value == value.to_integral_value() else f"{value.normalize():f}"


# --- where the numbers come from ---------------------------------------------------------------


def sealed_years(years: Iterable[int]) -> set[int]:
    return set(AcademicYear.objects.filter(start_year__in=set(years), sealed_at__isnull=False)
               .values_list("start_year", flat=True))


def _snapshot_totals(teacher_ids, years) -> tuple[dict[tuple[int, int], R.YearTotals], set[int]]:
    """The committed seals' snapshots of these teachers and 学年 (one query), and the years that
    have a committed seal. A teacher absent from a sealed year's snapshot had nothing counted."""
    from sealing.models import SealedSnapshot, SealRecord, SealState

    committed = set(SealRecord.objects.filter(academic_year__start_year__in=years, state=SealState.COMMITTED)
                    .values_list("academic_year__start_year", flat=True))
    out: dict[tuple[int, int], R.YearTotals] = {}
    if committed:
        rows = (SealedSnapshot.objects.filter(seal__state=SealState.COMMITTED, academic_year__start_year__in=committed,
                                              teacher_id__in=teacher_ids)
                .values_list("teacher_id", "academic_year__start_year", "regulated", "flexible", "total"))
        for tid, y, reg, flex, total in rows:
            out[(tid, y)] = R.YearTotals(regulated=reg, flexible=flex, total=total)
    return out, committed


def year_totals(*, teacher_ids: Iterable[int], years: Iterable[int], school_ids=None) -> dict[tuple[int, int], R.YearTotals]:
    """(teacher, 学年) → the year's totals.

    A sealed 学年 is read from its seal's snapshots (``sealing.SealedSnapshot``: the numbers the
    city sealed, the same the 学分证明书 carries). Other years — and a year marked sealed without a
    committed seal record, as data from before the seal console — are computed from the counted
    entries: a school's teachers set-based (one query per 学年, ``credits.selectors.school_totals``),
    a single teacher through the Python engine; both apply ``credits.rules``."""
    from credits import selectors as CS

    teacher_ids, years = list(teacher_ids), sorted(set(years))
    out, snapshot_years = _snapshot_totals(teacher_ids, years)
    years = [y for y in years if y not in snapshot_years]
    if not years:
        return out
    if school_ids is not None and len(teacher_ids) > 1:
        wanted = set(teacher_ids)
        for y in years:
            for tid, t in CS.school_totals(school_ids=school_ids, academic_year=y).items():
                if tid in wanted:
                    out[(tid, y)] = R.YearTotals(regulated=t.regulated, flexible=t.flexible, total=t.total)
        return out
    from accounts.models import TeacherProfile

    for teacher in TeacherProfile.objects.filter(pk__in=teacher_ids):
        for y, t in CS.teacher_totals_by_year(teacher=teacher, years=years).items():
            out[(teacher.pk, y)] = t
    return out


# --- the checks --------------------------------------------------------------------------------


def evaluate(kind: str, year: int, by_year: Mapping[int, R.YearTotals], sealed: set[int], *,
             count_unsealed: bool = False) -> Eligibility:
    """Pure: the check of `kind` for a 职评 in `year` from the years' totals.

    Only sealed 学年 count unless `count_unsealed` (the planner's projection)."""
    years = window_years(kind, year)
    rows = []
    counted: dict[int, R.YearTotals] = {}
    for y in years:
        t = by_year.get(y) or R.YearTotals()
        is_sealed = y in sealed
        if is_sealed or count_unsealed:
            counted[y] = t
        rows.append(YearRow(start_year=y, sealed=is_sealed, regulated=t.regulated, flexible=t.flexible,
                            total=t.total, year_missing=dict(R.year_check(t, y).missing)))
    if kind == TitleKind.PROBATION:
        check = R.probation_pass_check(counted.get(years[0]) or R.YearTotals(), years[0])
    else:
        check = R.title_check(counted, years)
    return Eligibility(kind=kind, year=int(year), rows=tuple(rows), check=check)


def teacher_eligibility(*, teacher, kind: str, year: int) -> Eligibility:
    years = window_years(kind, year)
    totals = year_totals(teacher_ids=[teacher.pk], years=years)
    by_year = {y: totals[(teacher.pk, y)] for y in years if (teacher.pk, y) in totals}
    return evaluate(kind, year, by_year, sealed_years(years))


def applications_eligibility(applications) -> dict[int, Eligibility]:
    """application id → Eligibility, for a list of applications (a school's, a district's): the
    totals are read once per school and 学年, not per teacher."""
    applications = list(applications)
    if not applications:
        return {}
    years = set()
    for a in applications:
        years |= set(window_years(a.kind, a.year))
    sealed = sealed_years(years)
    by_school: dict[int, list] = {}
    for a in applications:
        by_school.setdefault(a.teacher.school_id, []).append(a)
    out = {}
    for school_id, apps in by_school.items():
        totals = year_totals(teacher_ids={a.teacher_id for a in apps}, years=years, school_ids=[school_id])
        for a in apps:
            wy = window_years(a.kind, a.year)
            by_year = {y: totals[(a.teacher_id, y)] for y in wy if (a.teacher_id, y) in totals}
            out[a.pk] = evaluate(a.kind, a.year, by_year, sealed)
    return out


# --- the teacher's planner ---------------------------------------------------------------------


@dataclass(frozen=True)
class FullItem:
    code: str
    name: str
    cap: Decimal
    credited: Decimal


@dataclass(frozen=True)
class Plan:
    kind: str
    year: int
    projection: Eligibility  # every year of the window as it stands today, sealed or not
    open_years: tuple[int, ...]  # years of the window still open for registration
    full_items: tuple[FullItem, ...]  # capped items already full in the current 学年

    @property
    def missing(self):
        return self.projection.check.missing


def plan(*, teacher, kind: str, today: datetime.date, year: int | None = None) -> Plan:
    """"For 高级 next September you still need … 规范性 and … 灵活性; these items are capped and
    already full": the five-year window of the next review, today's counted credits, and the items
    of the current 学年 whose cap is reached (more of them would count nothing)."""
    from credits import selectors as CS

    year = next_review_year(today) if year is None else int(year)
    years = window_years(kind, year)
    current = AcademicYear.start_year_for(today)
    totals = CS.teacher_totals_by_year(teacher=teacher, years=set(years) | {current})
    projection = evaluate(kind, year, {y: totals[y] for y in years}, sealed_years(years), count_unsealed=True)
    open_years = tuple(y for y in years if y >= current and y not in sealed_years([y]))
    full = []
    now = totals.get(current)
    if now is not None and current in years:
        items = {i.code: i for i in CS.catalogue_for(current)}
        group_caps = CS.group_caps_for(current)
        group_used: dict[str, Decimal] = {}
        for code, it in now.by_item.items():
            item = items.get(code)
            if item is not None and item.cap_group:
                group_used[item.cap_group] = group_used.get(item.cap_group, ZERO) + it.credited
        for code, it in sorted(now.by_item.items()):
            item = items.get(code)
            if item is None:
                continue
            if item.cap is not None and it.credited >= R.q1(Decimal(item.cap)):
                full.append(FullItem(code, item.name, Decimal(item.cap), it.credited))
            elif item.cap_group and item.cap_group in group_caps and group_used[item.cap_group] >= group_caps[item.cap_group]:
                full.append(FullItem(code, item.name, group_caps[item.cap_group], it.credited))
    return Plan(kind=kind, year=year, projection=projection, open_years=open_years, full_items=tuple(full))

"""Reads behind every report: which teachers, in which order and 学段 section, and their numbers.

Numbers come from one place per kind of question:
- yearly totals of many teachers: ``credits.selectors.school_totals`` (one set-based query per
  school batch, the engine's rules in SQL) — ``year_totals``;
- five 学年 of many teachers (附件3): the same query per 学年 — ``five_year_totals``;
- the compliance page and the dashboards: the per-teacher-per-学年 totals table the services keep
  current, or the seal's snapshots of a sealed 学年 (``sealing.selectors.year_figures_for``) —
  ``year_totals_for`` per teacher, ``dashboard_figures`` summed per school and 学段 in the database;
- one teacher's statement, entry by entry: the Python engine ``credits.rules`` over the
  teacher's counted entries, with the item versions valid in that 学年 — ``statements``.

The order of teachers is the order of the school's 送审报表 (``ordered_sections``): by 学段
section (a 高完中 lists 初中 then 高中), then by 账号. Statements are bundled in that order.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from accounts.models import AccountStatus, School, Stage, TeacherProfile
from credits import rules as R
from credits import selectors as credit_selectors
from credits.models import COUNTED_STATUSES, AcademicYear, Category, CreditEntry, EntryStatus, Kind
from sealing.selectors import year_figures_for

ZERO = R.ZERO
STAGE_LABELS = dict(Stage.choices)
CATEGORY_LABELS = dict(Category.choices)
KIND_LABELS = dict(Kind.choices)
# Entries still on their way (listed on a statement as 审核中, not counted).
OPEN_STATUSES = (EntryStatus.SUBMITTED, EntryStatus.SCHOOL_VERIFIED, EntryStatus.SCHOOL_APPROVED, EntryStatus.RETURNED)
# From the school admin's verification on, 附件2 shows the 折算学分 (the form is what the 分管校长 signs).
VERIFIED_STATUSES = (EntryStatus.SCHOOL_VERIFIED, EntryStatus.SCHOOL_APPROVED, *COUNTED_STATUSES)


def year_label(year: AcademicYear | int) -> str:
    start = year.start_year if isinstance(year, AcademicYear) else int(year)
    return f"{start}～{start + 1}"


def is_complete_secondary(school: School) -> bool:
    """高完中: a school with both 初中 and 高中; its 送审报表 is split by the teacher's 学段."""
    return {Stage.JUNIOR, Stage.SENIOR} <= set(school.stages or [])


@dataclass
class Section:
    label: str  # "" for a school that is not split; "初中" / "高中" for a 高完中
    teachers: list


def report_teachers(school_ids: Iterable[int]):
    """The approved teachers of the schools, in report order within each school."""
    return (TeacherProfile.objects.filter(school_id__in=list(school_ids), status=AccountStatus.APPROVED)
            .select_related("user", "school", "school__district").order_by("school_id", "user__username", "pk"))


@dataclass(frozen=True, slots=True)
class ReportTeacher:
    """What a district or city export prints of a teacher: one row of values, not four model
    instances (profile, user, school, district) per teacher of a 10,000-teacher district."""

    pk: int
    school_id: int
    username: str
    name: str
    subject: str
    stage: str


def report_teacher_rows(school_ids: Iterable[int]) -> Iterator[ReportTeacher]:
    """``report_teachers`` as light rows, in the same order, read with a server-side cursor."""
    rows = (TeacherProfile.objects.filter(school_id__in=list(school_ids), status=AccountStatus.APPROVED)
            .order_by("school_id", "user__username", "pk")
            .values_list("pk", "school_id", "user__username", "name", "subject", "stage"))
    for row in rows.iterator(chunk_size=2000):
        yield ReportTeacher(*row)


def sections_of(school: School, teachers: list) -> list[Section]:
    """The teachers split into the report's sections (one section unless the school is a 高完中)."""
    if not is_complete_secondary(school):
        return [Section("", list(teachers))]
    junior = [t for t in teachers if t.stage == Stage.JUNIOR]
    senior = [t for t in teachers if t.stage == Stage.SENIOR]
    other = [t for t in teachers if t.stage not in (Stage.JUNIOR, Stage.SENIOR)]
    out = [Section("初中", junior), Section("高中", senior)]
    if other:
        out.append(Section("其他学段", other))
    return out


def ordered_sections(school: School) -> list[Section]:
    return sections_of(school, list(report_teachers([school.pk])))


def ordered_teachers(school: School) -> list:
    """The school's teachers in the order of its 送审报表 (statements are bundled in this order)."""
    return [t for s in ordered_sections(school) for t in s.teachers]


def title_applicants(school: School, academic_year: AcademicYear) -> list:
    """This year's applicants for 附件3, as the school admin marked them (certificates'
    TitleApplication of the 职评 year that follows the 学年), in report order; each teacher carries
    ``application_kind`` (一级 / 高级 / 正高级 / 新教师转正)."""
    from certificates.models import TitleApplication

    kinds = dict(TitleApplication.objects.filter(school=school, year=academic_year.start_year + 1,
                                                 withdrawn_at__isnull=True).values_list("teacher_id", "kind"))
    teachers = [t for t in ordered_teachers(school) if t.pk in kinds]
    for t in teachers:
        t.application_kind = kinds[t.pk]
    return teachers


# --- many teachers ----------------------------------------------------------------------------


def _start(academic_year) -> int:
    return academic_year.start_year if isinstance(academic_year, AcademicYear) else int(academic_year)


def sealed_totals(*, school_ids: Iterable[int], start_year: int) -> dict | None:
    """The committed seal's snapshots of a sealed 学年 for the teachers now at `school_ids`
    (teacher id → TeacherTotals); None when the 学年 is not sealed. Nothing in a sealed 学年
    changes, so its reports read what the city sealed."""
    if not AcademicYear.objects.filter(start_year=start_year, sealed_at__isnull=False).exists():
        return None
    from sealing.models import SealedSnapshot, SealState

    ids = list(school_ids)
    snaps: dict[int, Any] = {
        s["teacher_id"]: s for s in SealedSnapshot.objects.filter(
            seal__state=SealState.COMMITTED, academic_year__start_year=start_year, teacher__school_id__in=ids,
        ).values("teacher_id", "regulated", "flexible", "total", "raw_total", "centralized", "school_based",
                 "self_directed")
    }
    if not snaps:
        return None  # sealed before snapshots existed: fall back to the entries (which cannot change)
    out = {}
    for tid in TeacherProfile.objects.filter(school_id__in=ids).values_list("pk", flat=True):
        s = snaps.get(tid)
        out[tid] = credit_selectors.TeacherTotals(
            teacher_id=tid,
            regulated=s["regulated"] if s else ZERO, flexible=s["flexible"] if s else ZERO,
            total=s["total"] if s else ZERO,
            by_kind={k: (s[k] if s else ZERO) for k in R.KINDS},
            raw_total=s["raw_total"] if s else ZERO,
        )
    return out


def year_totals(*, school_ids: Iterable[int], academic_year) -> dict:
    """teacher id → totals (regulated / flexible / total / by_kind) of the 学年: the sealed
    snapshots of a sealed 学年, else the set-based query over the counted entries."""
    ids = list(school_ids)
    sealed = sealed_totals(school_ids=ids, start_year=_start(academic_year))
    if sealed is not None:
        return sealed
    return credit_selectors.school_totals(school_ids=ids, academic_year=academic_year)


def five_year_totals(*, school_ids: Iterable[int], academic_year) -> tuple[list[int], dict[int, list]]:
    """The last five 学年 up to `academic_year` (第一年度 … 第五年度, oldest first) and, per
    teacher, their totals in each."""
    start = academic_year.start_year if isinstance(academic_year, AcademicYear) else int(academic_year)
    years = list(range(start - R.CYCLE_YEARS + 1, start + 1))
    ids = list(school_ids)
    per_year = [year_totals(school_ids=ids, academic_year=y) for y in years]
    out: dict[int, list] = defaultdict(list)
    for totals in per_year:
        for teacher_id, t in totals.items():
            out[teacher_id].append(t)
    return years, dict(out)


def year_totals_for(*, teacher_ids, academic_year) -> dict:
    """{teacher_id: credits.selectors.TeacherTotals} of one 学年 for these teachers: the sealed
    snapshots once the year is sealed, else the per-teacher-per-学年 totals table the services keep
    current (``sealing.selectors.year_figures_for``). The same figures ``school_totals`` computes
    from the entries (tests compare them), read in one indexed query instead of recomputed over
    the year's entries on every request. Teachers without a row have no counted entries: zeros."""
    teacher_ids = list(teacher_ids)
    _, rows = year_figures_for(academic_year=academic_year, teacher_ids=teacher_ids)
    out = {}
    for t, regulated, flexible, total, raw, unconfirmed, *kinds in rows.order_by().values_list(
            "teacher_id", "regulated", "flexible", "total", "raw_total", "unconfirmed", *R.KINDS):
        out[t] = credit_selectors.TeacherTotals(
            teacher_id=t, regulated=regulated, flexible=flexible, total=total,
            by_kind=dict(zip(R.KINDS, kinds, strict=True)), raw_total=raw, unconfirmed=unconfirmed)
    for t in teacher_ids:
        if t not in out:
            out[t] = credit_selectors.TeacherTotals(teacher_id=t, regulated=ZERO, flexible=ZERO, total=ZERO,
                                                    by_kind=dict.fromkeys(R.KINDS, ZERO), raw_total=ZERO)
    return out


def dashboard_figures(*, schools, academic_year) -> dict:
    """Per (school_id, 学段) of the approved teachers of `schools` (a School queryset): how many
    teachers, how many reached the year's 72 / 48 / 24, and their credits per category and kind —
    summed in the database over the totals table (or the seal's snapshots), two grouped queries
    whatever the size of the scope. {(school_id, stage): {"teachers", "ok", "regulated",
    "flexible", "kinds": {kind: credits}}}."""
    scope = schools.values("pk")
    out: dict = {}
    for school_id, stage, n in (TeacherProfile.objects.filter(school__in=scope, status=AccountStatus.APPROVED)
                                .order_by().values("school_id", "stage").annotate(n=Count("id"))
                                .values_list("school_id", "stage", "n")):
        out[(school_id, stage)] = {"teachers": n, "ok": 0, "regulated": ZERO, "flexible": ZERO,
                                   "kinds": dict.fromkeys(R.KINDS, ZERO)}
    _, rows = year_figures_for(academic_year=academic_year)
    sums = {k: Sum(k) for k in ("regulated", "flexible", *R.KINDS)}
    for r in (rows.filter(teacher__school__in=scope, teacher__status=AccountStatus.APPROVED).order_by()
              .values("teacher__school_id", "teacher__stage")
              .annotate(ok_=Count("id", filter=Q(year_ok=True)), **sums)):
        cell = out.get((r["teacher__school_id"], r["teacher__stage"]))
        if cell is None:
            continue
        cell["ok"] = r["ok_"]
        cell["regulated"] = r["regulated"] or ZERO
        cell["flexible"] = r["flexible"] or ZERO
        cell["kinds"] = {k: r[k] or ZERO for k in R.KINDS}
    return out


@dataclass(frozen=True)
class DashboardFigures:
    value: Any  # what was summed: dashboard_figures, dashboard_summary or overview_figures
    computed_at: datetime.datetime
    cached: bool  # read from the cache (computed by an earlier request)
    sealed: bool
    expires_seconds: int | None  # an open 学年's cache expiry; None: kept (a sealed 学年)


def _cached(name: str, compute, *, schools, academic_year) -> DashboardFigures:
    """`compute(schools, academic_year)` through the cache, per (学年, the scope's schools, `name`):
    summing the city's 150,000 totals rows takes a quarter of a second, which a dashboard should
    not pay on every request. A sealed 学年's figures never change, so they are kept without
    expiry; an open 学年's for DASHBOARD_CACHE_SECONDS. Not invalidated on each change of an entry:
    in the review weeks entries change every second, which would leave nothing cached; the page
    says when its figures were summed. What is kept is what the page shows (a few dozen rows),
    not the scope's per-school cells: unpickling 7,500 cells of Decimals cost the city dashboard
    more than the rest of its request."""
    import hashlib

    from django.conf import settings
    from django.core.cache import cache
    from django.utils import timezone

    ids = sorted(schools.order_by().values_list("pk", flat=True))
    scope = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:32]
    sealed = academic_year.sealed_at is not None
    version = f"sealed{academic_year.sealed_at.timestamp()}" if sealed else "open"
    key = f"reports:{name}:{academic_year.pk}:{version}:{scope}"
    expires = None if sealed else settings.DASHBOARD_CACHE_SECONDS
    hit = cache.get(key)
    if hit is not None:
        value, computed_at = hit
        return DashboardFigures(value, computed_at, cached=True, sealed=sealed, expires_seconds=expires)
    value, computed_at = compute(schools, academic_year), timezone.now()
    cache.set(key, (value, computed_at), expires)
    return DashboardFigures(value, computed_at, cached=False, sealed=sealed, expires_seconds=expires)


def dashboard_summary(*, schools, academic_year, by_district: bool) -> dict:
    """The dashboard's rows: per district (the city's; 市直属学校 last) or per school (a
    district's), and per 学段 — teachers, how many reached 72 / 48 / 24 (share in %), credits by
    category and kind — with the chart's series and the totals."""
    figures = dashboard_figures(schools=schools, academic_year=academic_year)
    names = {pk: (name, district_name, district_order) for pk, name, district_name, district_order in
             schools.order_by().values_list("pk", "name", "district__name", "district__order")}
    stage_labels = dict(Stage.choices)
    by_area: dict = {}
    by_stage: dict = {}
    for (school_id, stage), cell in figures.items():
        school_name, district_name, district_order = names[school_id]
        area_key = ((district_order if district_name else 999), district_name or "市直属学校") if by_district else (0, school_name)
        for bucket, key in ((by_area, area_key), (by_stage, (0, stage_labels.get(stage, stage)))):
            row = bucket.setdefault(key, {"label": key[1], "teachers": 0, "ok": 0, "kinds": defaultdict(Decimal),
                                          "regulated": Decimal(0), "flexible": Decimal(0)})
            row["teachers"] += cell["teachers"]
            row["ok"] += cell["ok"]
            row["regulated"] += cell["regulated"]
            row["flexible"] += cell["flexible"]
            for kind, value in cell["kinds"].items():
                row["kinds"][kind] += value

    def finish(bucket):
        rows = [bucket[k] for k in sorted(bucket)]
        for r in rows:
            r["share"] = round(r["ok"] * 100 / r["teachers"], 1) if r["teachers"] else 0
            r["kinds"] = {k: r["kinds"].get(k, Decimal(0)) for k, _ in Kind.choices}
        return rows

    areas, stages = finish(by_area), finish(by_stage)
    chart = {
        "kinds": [label for _, label in Kind.choices],
        "areas": {"labels": [r["label"] for r in areas], "share": [r["share"] for r in areas],
                  "kinds": [[str(r["kinds"][k]) for r in areas] for k, _ in Kind.choices]},
        "stages": {"labels": [r["label"] for r in stages], "share": [r["share"] for r in stages],
                   "kinds": [[str(r["kinds"][k]) for r in stages] for k, _ in Kind.choices]},
    }
    total_teachers = sum(r["teachers"] for r in areas)
    total_ok = sum(r["ok"] for r in areas)
    return {"areas": areas, "stages": stages, "chart": chart, "total_teachers": total_teachers, "total_ok": total_ok,
            "total_share": round(total_ok * 100 / total_teachers, 1) if total_teachers else 0}


def dashboard_summary_cached(*, schools, academic_year, by_district: bool) -> DashboardFigures:
    return _cached(f"dashboard-summary-{'district' if by_district else 'school'}",
                   lambda s, y: dashboard_summary(schools=s, academic_year=y, by_district=by_district),
                   schools=schools, academic_year=academic_year)


def overview_figures(*, schools, academic_year) -> dict[int, tuple[int, int]]:
    """school_id → (approved teachers, how many reached 72 / 48 / 24): the 达标情况 overview."""
    out: dict[int, tuple[int, int]] = {}
    for (school_id, _stage), cell in dashboard_figures(schools=schools, academic_year=academic_year).items():
        teachers, ok = out.get(school_id, (0, 0))
        out[school_id] = (teachers + cell["teachers"], ok + cell["ok"])
    return out


def overview_figures_cached(*, schools, academic_year) -> DashboardFigures:
    return _cached("overview", lambda s, y: overview_figures(schools=s, academic_year=y),
                   schools=schools, academic_year=academic_year)


def missing_text(check: R.Check) -> str:
    labels = {"total": "总学分", "regulated": "规范性", "flexible": "灵活性"}
    parts = [f"{labels.get(k, k)}{_fmt(v)}" for k, v in check.missing.items() if v > 0]
    return ("尚缺" + "、".join(parts)) if parts else ""


def _fmt(value) -> str:
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


# --- one teacher's statement -------------------------------------------------------------------


@dataclass
class StatementLine:
    entry: CreditEntry
    credits: Decimal  # the entry's standalone value
    unconfirmed: bool


@dataclass
class StatementItem:
    item: object  # CreditItem
    lines: list
    raw: Decimal = ZERO
    credited: Decimal = ZERO
    over_cap: Decimal = ZERO
    unconfirmed: bool = False


@dataclass
class StatementGroup:
    category: str
    kind: str
    items: list
    credited: Decimal = ZERO

    @property
    def label(self) -> str:
        return f"{CATEGORY_LABELS.get(self.category, self.category)} · {KIND_LABELS.get(self.kind, self.kind)}"


@dataclass
class Statement:
    teacher: TeacherProfile
    year: AcademicYear
    groups: list
    totals: R.YearTotals
    check: R.Check
    pending: list = field(default_factory=list)  # entries still in review, not counted
    unconfirmed_credits: Decimal = ZERO  # counted credits resting on 待确认 values

    @property
    def over_cap(self) -> Decimal:
        return self.totals.over_cap

    @property
    def missing(self) -> str:
        return missing_text(self.check)


def _statement(teacher, year, entries, rules, caps) -> Statement:
    counted = [e for e in entries if e.status in COUNTED_STATUSES]
    claims = []
    for e in counted:
        rule = rules[e.item.code]
        if rule.conversion == R.BY_OPTION and e.option not in rule.options:
            continue
        claims.append(R.Claim(e.item.code, Decimal(e.quantity), e.option or ""))
    totals = R.year_totals(claims, rules, caps)
    by_code: dict[str, StatementItem] = {}
    for e in counted:
        rule = rules[e.item.code]
        si = by_code.setdefault(e.item.code, StatementItem(item=e.item, lines=[]))
        unconfirmed = rule.is_unconfirmed(e.option or "")
        si.lines.append(StatementLine(e, Decimal(e.credits), unconfirmed))
        si.unconfirmed = si.unconfirmed or unconfirmed
    groups: dict[tuple[str, str], StatementGroup] = {}
    unconfirmed_credits = R.unconfirmed_credits(claims, rules, totals)
    for code, si in by_code.items():
        t = totals.by_item.get(code)
        if t is not None:
            si.raw, si.credited, si.over_cap = t.raw, t.credited, t.over_cap
        rule = rules[code]
        g = groups.setdefault((rule.category, rule.kind), StatementGroup(rule.category, rule.kind, []))
        g.items.append(si)
        g.credited += si.credited
    order_cat = {R.REGULATED: 0, R.FLEXIBLE: 1}
    order_kind = {k: n for n, k in enumerate(R.KINDS)}
    ordered = sorted(groups.values(), key=lambda g: (order_cat.get(g.category, 9), order_kind.get(g.kind, 9)))
    for g in ordered:
        g.items.sort(key=lambda si: (si.item.order, si.item.code))
        for si in g.items:
            si.lines.sort(key=lambda ln: (ln.entry.started_on, ln.entry.pk))
    pending = sorted((e for e in entries if e.status in OPEN_STATUSES), key=lambda e: (e.started_on, e.pk))
    return Statement(teacher=teacher, year=year, groups=ordered, totals=totals,
                     check=R.year_check(totals, year.start_year), pending=pending,
                     unconfirmed_credits=unconfirmed_credits)


def statements(teachers: list, academic_year: AcademicYear) -> list[Statement]:
    """Statements of these teachers for the 学年, in the given order (one entry query)."""
    ids = [t.pk for t in teachers]
    entries = list(
        CreditEntry.objects.filter(teacher_id__in=ids, academic_year=academic_year,
                                   status__in=(*COUNTED_STATUSES, *OPEN_STATUSES))
        .select_related("item").order_by("teacher_id", "started_on", "pk")
    )
    by_teacher: dict[int, list] = defaultdict(list)
    for e in entries:
        by_teacher[e.teacher_id].append(e)
    rules = credit_selectors.rules_for(academic_year.start_year, {e.item.code for e in entries})
    caps = credit_selectors.group_caps_for(academic_year.start_year)
    return [_statement(t, academic_year, by_teacher.get(t.pk, []), rules, caps) for t in teachers]


def statement(teacher, academic_year) -> Statement:
    return statements([teacher], academic_year)[0]


def chunks(seq: list, size: int) -> Iterator[list]:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]

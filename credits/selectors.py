"""Reads of credits: the catalogue version valid in a 学年, a teacher's yearly totals, the preview
shown while a teacher types, compliance checks, and the set-based totals of many teachers.

"One engine, two speeds": a teacher's totals go through ``credits.rules`` in Python; many
teachers' (``year_figures``, ``school_totals``, the totals table, the seal) through ``YearCalc``:
one grouped SQL query pools the quantity per teacher/item/option, then the same rules (conversion →
item cap → group cap → sums per category and kind) run in integer tenths of a credit, so SQLite
and PostgreSQL give the same numbers as the engine.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection

from . import catalogue
from . import rules as R
from .models import (
    COUNTED_STATUSES,
    AcademicYear,
    CapGroup,
    CreditEntry,
    CreditItem,
    EntryStatus,
)

ZERO = R.ZERO

# Entries a preview counts as already there: counted ones and those still in review.
PREVIEW_STATUSES = (
    EntryStatus.SUBMITTED,
    EntryStatus.SCHOOL_VERIFIED,
    EntryStatus.SCHOOL_APPROVED,
    *COUNTED_STATUSES,
)

DEFAULT_CYCLE_START_YEAR = 2017  # 2017-2018: the first 学年 of the credit system (notice, 开篇).


def _start_year(academic_year) -> int:
    if isinstance(academic_year, AcademicYear):
        return academic_year.start_year
    if isinstance(academic_year, datetime.date):
        return AcademicYear.start_year_for(academic_year)
    return int(academic_year)


# --- catalogue ------------------------------------------------------------------------------


def item_for(code: str, academic_year) -> CreditItem:
    """The version of item `code` valid in `academic_year` (the latest valid_from ≤ that 学年)."""
    year = _start_year(academic_year)
    item = catalogue.current().item_for(code, year)
    if item is None:
        raise CreditItem.DoesNotExist(f"学分项目 {code} 在 {year}-{year + 1} 学年没有适用的版本。")
    return item


def item_by_pk(pk: int) -> CreditItem:
    """One version of an item by its row id, from the kept catalogue."""
    rows = catalogue.current().items_by_pk([pk])
    if not rows:
        raise CreditItem.DoesNotExist(f"学分项目 {pk} 不存在。")
    return rows[0]


def catalogue_for(academic_year, *, active_only: bool = True) -> list[CreditItem]:
    """Every item as it stands in a 学年 (one row per code), in catalogue order."""
    return catalogue.current().items_in(_start_year(academic_year), active_only=active_only)


def cap_groups_in(academic_year) -> dict[str, CapGroup]:
    """code → the cap group's version valid in a 学年."""
    return catalogue.current().groups_in(_start_year(academic_year))


def group_caps_for(academic_year) -> dict[str, Decimal]:
    return catalogue.current().group_caps(_start_year(academic_year))


def group_caps_by_year(years: Iterable[int]) -> dict[int, dict[str, Decimal]]:
    """``group_caps_for`` of several 学年 from one read of the catalogue."""
    cat = catalogue.current()
    return {year: cat.group_caps(year) for year in set(years)}


def _rules_by_year(years: Iterable[int], codes: Iterable[str] | None = None) -> dict[int, dict[str, R.ItemRule]]:
    """For each 学年, code → the rule of the version valid then (the kept catalogue: one query).

    An entry whose item has no version valid in its year (its row starts later) keeps the
    earliest version of its code: an entry is never dropped for want of a rule. The dicts are
    the caller's to change."""
    return catalogue.current().rules_by_year(years, codes)


def rules_for(academic_year, codes: Iterable[str] | None = None) -> dict[str, R.ItemRule]:
    year = _start_year(academic_year)
    return _rules_by_year([year], codes)[year]


# --- one teacher, in Python -----------------------------------------------------------------


def _entry_rows(*, teacher_ids, years, statuses):
    return (
        CreditEntry.objects.filter(teacher_id__in=teacher_ids, academic_year__start_year__in=years, status__in=statuses)
        .values_list("teacher_id", "academic_year__start_year", "item__code", "quantity_claimed", "quantity_approved", "option")
    )


def _claims(rows, rules_by_year):
    """(teacher, year) → claims; options the year's rule doesn't know are ignored, as in SQL."""
    out: dict[tuple[int, int], list[R.Claim]] = defaultdict(list)
    for teacher_id, year, code, claimed, approved, option in rows:
        rule = rules_by_year[year][code]
        if rule.conversion == R.BY_OPTION and option not in rule.options:
            continue
        qty = approved if approved is not None else claimed
        out[(teacher_id, year)].append(R.Claim(code, Decimal(qty), option or ""))
    return out


def teacher_totals_by_year(*, teacher, years: Iterable[int], statuses=COUNTED_STATUSES) -> dict[int, R.YearTotals]:
    """A teacher's totals for several 学年 in one query (counted entries only by default)."""
    return _teacher_totals_and_rules(teacher=teacher, years=years, statuses=statuses)[0]


def _teacher_totals_and_rules(*, teacher, years: Iterable[int], statuses=COUNTED_STATUSES):
    """(totals by year, rules by year): two queries whatever the number of 学年 (the entries and
    the catalogue's stamp; four when the catalogue changed since this process last read it)."""
    years = sorted(set(years))
    rows = list(_entry_rows(teacher_ids=[teacher.pk], years=years, statuses=statuses))
    cat = catalogue.current()
    rules_by_year = cat.rules_by_year(years, {r[2] for r in rows})
    claims = _claims(rows, rules_by_year)
    caps = {y: cat.group_caps(y) for y in years}
    totals = {y: R.year_totals(claims.get((teacher.pk, y), []), rules_by_year[y], caps[y]) for y in years}
    return totals, rules_by_year


def teacher_year_totals(*, teacher, academic_year) -> R.YearTotals:
    """A teacher's totals in one 学年, counted entries only."""
    year = _start_year(academic_year)
    return teacher_totals_by_year(teacher=teacher, years=[year])[year]


# --- preview while typing -------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    item: CreditItem
    quantity: Decimal
    option: str
    academic_year: int
    entry_credits: Decimal  # the entry's standalone value
    added: Decimal  # what the year total grows by (pooling and caps applied)
    cut_by_cap: Decimal  # how much more the caps cut because of this entry
    total_before: Decimal
    total_after: Decimal
    item_after: R.ItemTotal | None
    unconfirmed: bool  # a 第14–16条 default, not a number of the 《办法》
    option_label: str = ""
    option_credits: Decimal | None = None  # the chosen option's value per unit
    error: str = ""
    includes_pending: bool = True

    @property
    def pooled_bonus(self) -> Decimal:
        """Whole units completed together with earlier entries (e.g. 2 h + 1 h of 微课 = 1)."""
        return max(ZERO, self.added + self.cut_by_cap - self.entry_credits)


def preview_entry(*, teacher, item: CreditItem, quantity, option: str = "", academic_year,
                  exclude_entry: int | None = None) -> Preview:
    """What an entry would be worth and what it would add to the year's total.

    The year is computed with the version of the item valid in that 学年; the teacher's entries
    already counted or still in review are pooled with it, so caps and whole units show as they
    will once everything is approved. `exclude_entry` is the entry being corrected: its stored
    version is left out, or it would be pooled with its own correction."""
    year = _start_year(academic_year)
    cat = catalogue.current()
    item = cat.item_for(item.code, year) or item  # None: the item starts later; preview the row given
    rule = R.rule_from_item(item)
    option = option if rule.conversion == R.BY_OPTION else ""
    option_label = next((o.get("label", o["key"]) for o in item.options or [] if o["key"] == option), "")
    try:
        quantity = Decimal(str(quantity))
        standalone = R.entry_credits(rule, quantity, option)
    except (ArithmeticError, ValueError) as exc:
        msg = str(exc) if isinstance(exc, R.RuleError) else "请输入有效的数量。"
        return Preview(item, ZERO, option, year, ZERO, ZERO, ZERO, ZERO, ZERO, None,
                       rule.is_unconfirmed(option), option_label, error=msg)

    rows = []
    if teacher:
        qs = _entry_rows(teacher_ids=[teacher.pk], years=[year], statuses=PREVIEW_STATUSES)
        rows = list(qs.exclude(pk=exclude_entry) if exclude_entry else qs)
    rules_by_year = cat.rules_by_year([year], {r[2] for r in rows} | {item.code})
    rules_by_year[year][item.code] = rule
    base = _claims(rows, rules_by_year).get((teacher.pk if teacher else None, year), [])
    caps = cat.group_caps(year)
    before = R.year_totals(base, rules_by_year[year], caps)
    after = R.year_totals([*base, R.Claim(item.code, quantity, option)], rules_by_year[year], caps)
    return Preview(
        item=item,
        quantity=quantity,
        option=option,
        academic_year=year,
        entry_credits=standalone,
        added=after.total - before.total,
        cut_by_cap=after.over_cap - before.over_cap,
        total_before=before.total,
        total_after=after.total,
        item_after=after.by_item.get(item.code),
        unconfirmed=rule.is_unconfirmed(option),
        option_label=option_label,
        option_credits=rule.options.get(option),
    )


# --- compliance -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Compliance:
    academic_year: int
    year: R.Check  # this 学年: ≥72, ≥48 规范性, ≥24 灵活性
    cycle: R.Check  # the five-year cycle containing the 学年: ≥360
    rolling: R.Check  # the last five 学年 up to this one: ≥360
    title: R.Check  # 职评: last five 学年 ≥360 / ≥240 规范性 / ≥120 灵活性
    probation_pass: R.Check  # 新教师转正: last 学年 ≥120
    head_teacher: R.Check | None = None  # 班主任: ≥30 of 专题培训 in the cycle
    new_teacher: R.Check | None = None  # 新任教师: ≥120 in the probation year
    new_principal: R.Check | None = None  # 新任校长: ≥300 of 任职资格培训, last five 学年
    by_year: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        checks = [self.year, self.cycle]
        checks += [c for c in (self.head_teacher, self.new_teacher, self.new_principal) if c is not None]
        return all(c.ok for c in checks)


def cycle_start_setting() -> int:
    return int(getattr(settings, "CREDITS_CYCLE_START_YEAR", DEFAULT_CYCLE_START_YEAR))


def teacher_compliance(*, teacher, academic_year, cycle_start: int | None = None) -> Compliance:
    """Every check of 二(一) and 三(二)3 for one teacher as of `academic_year`, each saying what is
    missing in credits. The cycle starts at `cycle_start` (default: settings.CREDITS_CYCLE_START_YEAR)."""
    year = _start_year(academic_year)
    cycle_start = cycle_start_setting() if cycle_start is None else cycle_start
    first = R.cycle_start_for(year, cycle_start)
    cycle_years = list(range(first, first + R.CYCLE_YEARS))
    rolling_years = list(range(year - R.CYCLE_YEARS + 1, year + 1))
    probation_year = (
        AcademicYear.start_year_for(teacher.probation_start)
        if getattr(teacher, "is_new_teacher", False) and teacher.probation_start
        else None
    )
    years = set(cycle_years) | set(rolling_years) | ({probation_year} if probation_year is not None else set())
    # The rules the totals were computed with: every code of by_item is among them.
    by_year, rules_by_year = _teacher_totals_and_rules(teacher=teacher, years=years)

    def tagged(tag, yrs):
        return sum((R.tagged_sum(by_year, [y], rules_by_year[y], tag) for y in yrs), ZERO)

    return Compliance(
        academic_year=year,
        year=R.year_check(by_year[year], year),
        cycle=R.cycle_check(by_year, cycle_years, "五年周期"),
        rolling=R.cycle_check(by_year, rolling_years, "最近五个学年度"),
        title=R.title_check(by_year, rolling_years),
        probation_pass=R.probation_pass_check(by_year[year], year),
        head_teacher=(
            R.head_teacher_check(tagged("head_teacher_topic", cycle_years), cycle_years)
            if getattr(teacher, "is_head_teacher", False) else None
        ),
        new_teacher=(
            R.new_teacher_check(by_year[probation_year], probation_year, rules_by_year[probation_year])
            if probation_year is not None else None
        ),
        new_principal=(
            R.new_principal_check(tagged("principal_qualification", rolling_years), rolling_years)
            if getattr(teacher, "is_new_principal", False) else None
        ),
        by_year=by_year,
    )


# --- many teachers: one set-based query -----------------------------------------------------


@dataclass(frozen=True)
class TeacherTotals:
    """YearTotals-like row of ``school_totals`` (no per-item breakdown)."""

    teacher_id: int
    regulated: Decimal
    flexible: Decimal
    total: Decimal
    by_kind: dict
    raw_total: Decimal
    unconfirmed: Decimal = ZERO  # of `total`, credits resting on unconfirmed (待确认) values

    @property
    def over_cap(self) -> Decimal:
        return self.raw_total - self.total

    @property
    def year_ok(self) -> bool:
        return R.year_check(self).ok  # type: ignore[arg-type]  # has every field year_check reads


def school_totals(*, school_ids, academic_year) -> dict[int, TeacherTotals]:
    """Yearly totals of every teacher currently at `school_ids` (zeros for those without counted
    entries): the set-based figures of ``year_figures``."""
    from accounts.models import TeacherProfile

    ids = list(TeacherProfile.objects.filter(school_id__in=school_ids).values_list("pk", flat=True))
    return {t: f.teacher_totals() for t, f in year_figures(teacher_ids=ids, academic_year=academic_year).items()}


def school_totals_python(*, school_ids, academic_year) -> dict[int, R.YearTotals]:
    """The same totals as ``school_totals`` through the Python engine, teacher by teacher.
    For tests and the benchmark: it is what the set-based query must agree with."""
    from accounts.models import TeacherProfile

    year = _start_year(academic_year)
    teacher_ids = list(TeacherProfile.objects.filter(school_id__in=school_ids).values_list("pk", flat=True))
    rows = list(_entry_rows(teacher_ids=teacher_ids, years=[year], statuses=COUNTED_STATUSES))
    cat = catalogue.current()
    rules_by_year = cat.rules_by_year([year], {r[2] for r in rows})
    claims = _claims(rows, rules_by_year)
    caps = cat.group_caps(year)
    return {t: R.year_totals(claims.get((t, year), []), rules_by_year[year], caps) for t in teacher_ids}


# --- the per-teacher-per-学年 totals table ----------------------------------------------------


@dataclass(frozen=True)
class YearFigures:
    """The figures of one teacher in one 学年 as the totals table and the sealed snapshot hold
    them (field names are the columns of ``credits.models.TeacherYearTotal``)."""

    teacher_id: int
    start_year: int
    regulated: Decimal = ZERO
    flexible: Decimal = ZERO
    total: Decimal = ZERO
    raw_total: Decimal = ZERO
    centralized: Decimal = ZERO
    school_based: Decimal = ZERO
    self_directed: Decimal = ZERO
    unconfirmed: Decimal = ZERO
    head_teacher_topic: Decimal = ZERO
    principal_qualification: Decimal = ZERO
    counted_entries: int = 0
    open_entries: int = 0
    year_ok: bool = False
    missing_total: Decimal = R.YEAR_MIN_TOTAL
    missing_regulated: Decimal = R.YEAR_MIN_REGULATED
    missing_flexible: Decimal = R.YEAR_MIN_FLEXIBLE

    def teacher_totals(self) -> TeacherTotals:
        return TeacherTotals(teacher_id=self.teacher_id, regulated=self.regulated, flexible=self.flexible,
                             total=self.total, by_kind={k: getattr(self, k) for k in R.KINDS},
                             raw_total=self.raw_total, unconfirmed=self.unconfirmed)

    def columns(self) -> dict:
        """The values of the TeacherYearTotal columns."""
        from .models import TeacherYearTotal

        return {name: getattr(self, name) for name in TeacherYearTotal.FIGURES}


def figures_from_totals(teacher_id: int, start_year: int, totals: R.YearTotals, *, claims=(), rules=None,
                        counted_entries: int = 0, open_entries: int = 0) -> YearFigures:
    """YearFigures from the engine's YearTotals of one teacher-year (pure: no query)."""
    rules = rules or {}
    by_year = {start_year: totals}
    check = R.year_check(totals, start_year)
    return YearFigures(
        teacher_id=teacher_id,
        start_year=start_year,
        regulated=totals.regulated,
        flexible=totals.flexible,
        total=totals.total,
        raw_total=totals.raw_total,
        centralized=totals.by_kind.get("centralized", ZERO),
        school_based=totals.by_kind.get("school_based", ZERO),
        self_directed=totals.by_kind.get("self_directed", ZERO),
        unconfirmed=R.unconfirmed_credits(claims, rules, totals) if rules else ZERO,
        head_teacher_topic=R.tagged_sum(by_year, [start_year], rules, "head_teacher_topic"),
        principal_qualification=R.tagged_sum(by_year, [start_year], rules, "principal_qualification"),
        counted_entries=counted_entries,
        open_entries=open_entries,
        year_ok=check.ok,
        missing_total=check.missing["total"],
        missing_regulated=check.missing["regulated"],
        missing_flexible=check.missing["flexible"],
    )


def year_figures_engine(*, teacher_ids: Iterable[int], academic_year) -> dict[int, YearFigures]:
    """Every figure of the totals table for these teachers in one 学年, through the Python engine
    (``rules.year_totals``) entry by entry: the reference ``year_figures`` must agree with (the
    property tests and the generated-city test compare them teacher by teacher)."""
    from django.db.models import Count

    from .models import OPEN_STATUSES

    year = _start_year(academic_year)
    teacher_ids = sorted({int(t) for t in teacher_ids})
    if not teacher_ids:
        return {}
    rows = list(_entry_rows(teacher_ids=teacher_ids, years=[year], statuses=COUNTED_STATUSES))
    counted: dict[int, int] = defaultdict(int)
    for row in rows:
        counted[row[0]] += 1
    open_counts = dict(
        CreditEntry.objects.filter(teacher_id__in=teacher_ids, academic_year__start_year=year, status__in=OPEN_STATUSES)
        .order_by().values("teacher_id").annotate(n=Count("id")).values_list("teacher_id", "n")
    )
    cat = catalogue.current()
    rules = cat.rules_by_year([year], {r[2] for r in rows})[year]
    claims = _claims(rows, {year: rules})
    caps = cat.group_caps(year)
    out = {}
    for t in teacher_ids:
        teacher_claims = claims.get((t, year), [])
        totals = R.year_totals(teacher_claims, rules, caps)
        out[t] = figures_from_totals(t, year, totals, claims=teacher_claims, rules=rules,
                                     counted_entries=counted.get(t, 0), open_entries=open_counts.get(t, 0))
    return out


# --- the same figures set-based: one grouped query, the caps in integer tenths ----------------


_MIN_TOTAL, _MIN_REGULATED, _MIN_FLEXIBLE = (int(m.scaleb(1)) for m in (
    R.YEAR_MIN_TOTAL, R.YEAR_MIN_REGULATED, R.YEAR_MIN_FLEXIBLE))
_TENTHS: dict[int, Decimal] = {}  # a memo: the same few hundred values recur for every teacher


def _tenths_decimal(n: int) -> Decimal:
    d = _TENTHS.get(n)
    if d is None:
        d = _TENTHS[n] = Decimal(n).scaleb(-1)
    return d


def _int_or_none(value: Decimal | None, scale: int) -> int | None:
    """`value` in integer units of 1/scale when it is exactly that and not negative, else None
    (the conversion then goes through ``rules.convert`` itself)."""
    if value is None:
        return None
    scaled = Decimal(value) * scale
    if scaled < 0 or scaled != scaled.to_integral_value():
        return None
    return int(scaled)


class _ItemCalc:
    """One code's rule of the 学年 compiled to integer tenths: ``convert(q10, option)`` is exactly
    ``rules.convert`` of q10/10 in tenths (rounded down, as q1), or that function itself when a
    catalogue value is finer than hundredths."""

    __slots__ = ("code", "rule", "by_option", "cap10", "group", "regulated", "kind", "head", "principal",
                 "all_unconfirmed", "unconfirmed_options", "_fast")

    def __init__(self, rule: R.ItemRule, group_caps: dict[str, int]):
        self.code = rule.code
        self.rule = rule
        self.by_option = rule.conversion == R.BY_OPTION
        self.cap10 = int(R.q1(rule.cap).scaleb(1)) if rule.cap is not None else None
        self.group = rule.cap_group if rule.cap_group and rule.cap_group in group_caps else None
        self.regulated = rule.category == R.REGULATED
        self.kind = rule.kind
        self.head = rule.head_teacher_topic
        self.principal = rule.principal_qualification
        self.all_unconfirmed = rule.unconfirmed
        self.unconfirmed_options = rule.unconfirmed_options
        self._fast = self._compile(rule)

    @staticmethod
    def _compile(rule: R.ItemRule):
        if rule.conversion == R.PER_HOUR:
            rate = _int_or_none(rule.rate, 100)
            return None if rate is None else (lambda q, o: q * rate // 100)
        if rule.conversion == R.PER_UNIT:
            rate, unit = _int_or_none(rule.rate, 100), _int_or_none(rule.unit_size, 10)
            return None if rate is None or not unit else (lambda q, o: (q // unit) * rate // 10)
        if rule.conversion == R.PER_COUNT:
            rate = _int_or_none(rule.rate, 100)
            return None if rate is None else (lambda q, o: (q // 10) * rate // 10)
        if rule.conversion == R.BY_OPTION:
            values = {k: _int_or_none(v, 100) for k, v in rule.options.items()}
            if any(v is None for v in values.values()):
                return None
            return lambda q, o: (q // 10) * values[o] // 10
        return None

    def convert(self, q10: int, option: str) -> int:
        if self._fast is not None and q10 >= 0:
            return self._fast(q10, option)
        # Exact for any catalogue value; raises the engine's RuleError where the engine would.
        return int(R.convert(self.rule, Decimal(q10).scaleb(-1), option).scaleb(1))


def _compile_year(cat: catalogue.Catalogue, start_year: int):
    """(rules, group caps in tenths, item row id → its code's ``_ItemCalc``) of one 学年."""
    rules = cat.rules_of_year(start_year)
    group_caps = {g: int(R.q1(c).scaleb(1)) for g, c in cat.group_caps(start_year).items()}
    calcs = {code: _ItemCalc(rule, group_caps) for code, rule in rules.items()}
    return rules, group_caps, {pk: calcs[code] for pk, code in cat.code_by_pk.items()}


class YearCalc:
    """The yearly figures of ``credits.rules.year_totals`` over rows pooled in SQL.

    ``pool_sql`` is ONE grouped query over the 学年's entries: per (teacher, item row, option) the
    counted quantity in tenths and the numbers of counted and open entries. ``figures`` then
    applies the 学年's rule of each code (the version valid that year, as the engine does), the
    item caps, the cap groups (their allowance in code order) and the sums per category and kind
    in integer tenths, teacher by teacher over those few rows. This is the one computation of
    the totals table's rebuild, the seal and its verification; ``year_figures_engine`` is the
    reference it is tested against."""

    def __init__(self, academic_year):
        self.start_year = _start_year(academic_year)
        self.year_id = AcademicYear.objects.filter(start_year=self.start_year).values_list("pk", flat=True).first()
        # The compiled rules of a 学年 depend on the catalogue alone: built once per catalogue
        # stamp and process, not on every entry write (each one refreshes its totals row).
        cat = catalogue.current()
        self.rules, self.group_caps, self.by_item_id = cat.memo(
            ("year_calc", self.start_year), lambda: _compile_year(cat, self.start_year))

    def pool_sql(self, scope_sql: str = "", scope_params=()) -> tuple[str, list]:
        """The grouped query, with an optional condition on the entries (`scope_sql`, e.g.
        ``teacher_id IN (…)``). Quantities are summed exactly: NUMERIC on PostgreSQL, integer
        tenths on SQLite (whose decimals are floats)."""
        from .models import OPEN_STATUSES

        counted = ", ".join(f"'{s}'" for s in COUNTED_STATUSES)
        open_ = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
        qty = "COALESCE(quantity_approved, quantity_claimed)"
        if connection.vendor == "sqlite":
            qty = f"CAST(ROUND({qty} * 10) AS INTEGER)"
        sql = (f"SELECT teacher_id, item_id, option, SUM(CASE WHEN status IN ({counted}) THEN {qty} END), "
               f"SUM(CASE WHEN status IN ({counted}) THEN 1 ELSE 0 END), "
               f"SUM(CASE WHEN status IN ({open_}) THEN 1 ELSE 0 END) "
               f"FROM {CreditEntry._meta.db_table} WHERE academic_year_id = %s"
               + (f" AND ({scope_sql})" if scope_sql else "")
               + " GROUP BY teacher_id, item_id, option")
        return sql, [self.year_id, *scope_params]

    def pooled(self, scope_sql: str = "", scope_params=()) -> dict[int, list]:
        """teacher → its grouped rows [(item_id, option, tenths or None, counted, open)]: every
        teacher with an entry of any state in the 学年 within the scope."""
        out: dict[int, list] = defaultdict(list)
        if self.year_id is None:
            return out
        sql, params = self.pool_sql(scope_sql, scope_params)
        sqlite = connection.vendor == "sqlite"
        with connection.cursor() as cur:
            cur.execute(sql, params)
            rows = cur.fetchall()
        item_ids = set()
        for teacher_id, item_id, option, qty, n_counted, n_open in rows:
            if qty is not None:
                item_ids.add(item_id)
                if not sqlite:
                    qty = int(qty.scaleb(1))  # one decimal place: exact
            out[teacher_id].append((item_id, option or "", qty, int(n_counted), int(n_open)))
        # As the engine: the cap groups of the codes that occur must be consistent.
        R.check_cap_groups({c.code: c.rule for c in (self.by_item_id[i] for i in item_ids)})
        return out

    def figures(self, teacher_id: int, rows) -> YearFigures:
        """One teacher's YearFigures from its grouped rows (no query)."""
        counted = open_ = 0
        pooled: dict[tuple[str, str], tuple[_ItemCalc, int]] = {}
        for item_id, option, qty, n_counted, n_open in rows:
            counted += n_counted
            open_ += n_open
            if qty is None:
                continue
            calc = self.by_item_id[item_id]
            if calc.by_option:
                if option not in calc.rule.options:
                    continue  # left out as ``_claims`` leaves it out: an option the year's rule lacks
            else:
                option = ""
            key = (calc.code, option)
            if key in pooled:
                pooled[key] = (calc, pooled[key][1] + qty)
            else:
                pooled[key] = (calc, qty)
        if not counted and not open_:
            return YearFigures(teacher_id=teacher_id, start_year=self.start_year)
        raw: dict[str, int] = {}
        unc: dict[str, int] = {}
        calcs: dict[str, _ItemCalc] = {}
        for (code, option), (calc, qty) in pooled.items():
            value = calc.convert(qty, option)
            raw[code] = raw.get(code, 0) + value
            calcs[code] = calc
            if not calc.all_unconfirmed and option in calc.unconfirmed_options:
                unc[code] = unc.get(code, 0) + value
        credited = {}
        grouped: dict[str, list[str]] = {}
        for code, value in raw.items():
            calc = calcs[code]
            credited[code] = value if calc.cap10 is None else min(value, calc.cap10)
            if calc.group is not None:
                grouped.setdefault(calc.group, []).append(code)
        for group, codes in grouped.items():
            remaining = self.group_caps[group]
            for code in sorted(codes):
                credited[code] = min(credited[code], remaining)
                remaining -= credited[code]
        regulated = flexible = unconfirmed = head = principal = 0
        kinds = dict.fromkeys(R.KINDS, 0)
        for code, value in credited.items():
            calc = calcs[code]
            if calc.regulated:
                regulated += value
            else:
                flexible += value
            kinds[calc.kind] = kinds.get(calc.kind, 0) + value
            if calc.all_unconfirmed:
                unconfirmed += value
            elif code in unc:
                unconfirmed += min(unc[code], value)
            if calc.head:
                head += value
            if calc.principal:
                principal += value
        total = regulated + flexible
        missing = (max(0, _MIN_TOTAL - total), max(0, _MIN_REGULATED - regulated), max(0, _MIN_FLEXIBLE - flexible))
        d = _tenths_decimal
        return YearFigures(
            teacher_id=teacher_id, start_year=self.start_year, regulated=d(regulated), flexible=d(flexible),
            total=d(total), raw_total=d(sum(raw.values())), centralized=d(kinds["centralized"]),
            school_based=d(kinds["school_based"]), self_directed=d(kinds["self_directed"]),
            unconfirmed=d(unconfirmed), head_teacher_topic=d(head), principal_qualification=d(principal),
            counted_entries=counted, open_entries=open_, year_ok=not any(missing),
            missing_total=d(missing[0]), missing_regulated=d(missing[1]), missing_flexible=d(missing[2]),
        )

    def for_teachers(self, teacher_ids: Iterable[int]) -> dict[int, YearFigures]:
        """Figures of these teachers (zeros for those without entries): ``year_figures``."""
        ids = sorted({int(t) for t in teacher_ids})
        if not ids:
            return {}
        pooled = self.pooled(f"teacher_id IN ({', '.join(['%s'] * len(ids))})", ids)
        return {t: self.figures(t, pooled.get(t, ())) for t in ids}


def year_figures(*, teacher_ids: Iterable[int], academic_year) -> dict[int, YearFigures]:
    """Every figure of the totals table for these teachers in one 学年 (zeros for teachers without
    entries), set-based (``YearCalc``): the one computation behind the totals table, its rebuild,
    the seal and its verification; equal to ``year_figures_engine`` (the rule engine)."""
    return YearCalc(academic_year).for_teachers(teacher_ids)


def year_totals_table(*, academic_year, school_ids=None, district_ids=None, teacher_ids=None):
    """Rows of the totals table for one 学年, scoped by the teachers' current school or district
    (a queryset of TeacherYearTotal; teachers without a row have no entries and count as zeros).

    For open years only; sealed years read ``sealing.selectors.sealed_figures``. Pages that want
    "whichever is authoritative" use ``sealing.selectors.year_figures_for``."""
    from .models import TeacherYearTotal

    qs = TeacherYearTotal.objects.filter(academic_year__start_year=_start_year(academic_year))
    if school_ids is not None:
        qs = qs.filter(teacher__school_id__in=school_ids)
    if district_ids is not None:
        qs = qs.filter(teacher__school__district_id__in=district_ids)
    if teacher_ids is not None:
        qs = qs.filter(teacher_id__in=teacher_ids)
    return qs


# --- Which 学年 a page shows (reads: AcademicYear.for_date never creates one) --------------------


def current_year(today: datetime.date | None = None) -> AcademicYear:
    """The 学年 today falls in."""
    from django.utils import timezone

    return AcademicYear.for_date(today or timezone.localdate())


@dataclass(frozen=True)
class PageYears:
    current: AcademicYear  # current_year
    previous_open: AcademicYear | None  # the 学年 before it, while the city has not sealed it
    review: AcademicYear  # review_year


def page_years(today: datetime.date | None = None) -> PageYears:
    """``current_year`` and ``review_year`` from one read of the 学年 table, for a page that
    shows both (the home page: its calendar, its queues and its 审证 cards)."""
    from django.utils import timezone

    today = today or timezone.localdate()
    this_year, previous = AcademicYear.for_date_with_previous(today)
    if previous is not None and previous.sealed_at is not None:
        previous = None
    review = previous if previous is not None and today <= previous.city_seal_closes else this_year
    return PageYears(current=this_year, previous_open=previous, review=review)


def review_year(today: datetime.date | None = None) -> AcademicYear:
    """The 学年 administrators look at: from August until the city has sealed it, the previous
    学年 is the one under review (and under audit); otherwise the current one."""
    return page_years(today).review

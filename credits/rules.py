"""The credit rule engine: pure Python over Decimal, no ORM.

Everything here is arithmetic on values copied out of the catalogue (``ItemRule``), so it can be
tested with tables and properties and mirrored by the set-based SQL in ``credits.selectors``.

Rounding: credits are stored with one decimal place; every conversion rounds *down* to one place
(a teacher is never credited more than the 《办法》 gives). Rounding down is superadditive, which is
what makes "splitting an activity never yields more" hold for every conversion.

Pooling: the yearly total of an item is computed from the year's *pooled quantity* of that item
(per option), not from the sum of the entries' standalone credits. That is how the notice counts
whole units: 8 hours of 微课 in three sittings give 2 credits (二(三)1(2)第三).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

ZERO = Decimal("0.0")
ONE_PLACE = Decimal("0.1")

# Conversion codes, identical to credits.models.Conversion (duplicated as strings so that this
# module imports nothing from Django).
PER_HOUR = "per_hour"
PER_UNIT = "per_unit"
PER_COUNT = "per_count"
BY_OPTION = "by_option"

REGULATED = "regulated"
FLEXIBLE = "flexible"
KINDS = ("centralized", "school_based", "self_directed")

# 二(一)1, 二(一)2, 三(二)3 of the notice.
YEAR_MIN_TOTAL = Decimal("72")
YEAR_MIN_REGULATED = Decimal("48")
YEAR_MIN_FLEXIBLE = Decimal("24")
CYCLE_YEARS = 5
CYCLE_MIN_TOTAL = Decimal("360")
HEAD_TEACHER_MIN = Decimal("30")
NEW_TEACHER_MIN = Decimal("120")
NEW_PRINCIPAL_MIN = Decimal("300")
TITLE_MIN_TOTAL = Decimal("360")
TITLE_MIN_REGULATED = Decimal("240")
TITLE_MIN_FLEXIBLE = Decimal("120")
PROBATION_PASS_MIN = Decimal("120")


class RuleError(ValueError):
    """A claim the rule cannot convert (unknown option, negative quantity…); Chinese message."""


def q1(value: Decimal) -> Decimal:
    """Round down to the one decimal place the model stores."""
    return Decimal(value).quantize(ONE_PLACE, rounding=ROUND_DOWN)


def start_year_for(day: datetime.date) -> int:
    """学年 start year of an activity: on or after 8月1日 it counts in the next 学年 (三(三)2)."""
    return day.year if day.month >= 8 else day.year - 1


@dataclass(frozen=True)
class ItemRule:
    code: str
    category: str
    kind: str
    conversion: str
    rate: Decimal = ZERO
    unit_size: Decimal | None = None
    options: Mapping[str, Decimal] = field(default_factory=dict)
    cap: Decimal | None = None
    cap_group: str = ""
    unconfirmed: bool = False
    # Options whose value is a marked default (第14–16条), not a number of the notice.
    unconfirmed_options: frozenset[str] = frozenset()
    # Data, not code: which items count as 班主任专题培训 / 校长任职资格培训 (二(一)1).
    head_teacher_topic: bool = False
    principal_qualification: bool = False
    new_teacher_induction: bool = False  # 二(一)1: counts in the new teacher's 120 of 岗位适应性培训

    def __hash__(self):  # options is a dict; hash by the code and version-independent identity
        return hash((self.code, self.conversion, self.rate, self.unit_size, self.cap, self.cap_group))

    def is_unconfirmed(self, option: str = "") -> bool:
        return self.unconfirmed or (option in self.unconfirmed_options)


def rule_from_item(item) -> ItemRule:
    """An ItemRule from a CreditItem (or anything with the same attributes)."""
    options = {}
    unconfirmed_options = set()
    for opt in item.options or []:
        options[str(opt["key"])] = Decimal(str(opt["credits"]))
        if opt.get("unconfirmed"):
            unconfirmed_options.add(str(opt["key"]))
    return ItemRule(
        code=item.code,
        category=item.category,
        kind=item.kind,
        conversion=item.conversion,
        rate=Decimal(item.rate or 0),
        unit_size=Decimal(item.unit_size) if item.unit_size is not None else None,
        options=options,
        cap=Decimal(item.cap) if item.cap is not None else None,
        cap_group=item.cap_group or "",
        unconfirmed=bool(item.unconfirmed),
        unconfirmed_options=frozenset(unconfirmed_options),
        head_teacher_topic=bool(getattr(item, "head_teacher_topic", False)),
        principal_qualification=bool(getattr(item, "principal_qualification", False)),
        new_teacher_induction=bool(getattr(item, "new_teacher_induction", False)),
    )


def _whole(quantity: Decimal) -> Decimal:
    return quantity.to_integral_value(rounding=ROUND_DOWN)


def convert(rule: ItemRule, quantity: Decimal, option: str = "") -> Decimal:
    """Credits for a (pooled) quantity of one item and option, before any cap.

    per_hour: quantity × rate; per_unit: whole units of unit_size × rate (3 学时 = 1 学分);
    per_count: whole counts × rate (篇/次/科/半天/年); by_option: whole counts × the option's value.
    """
    quantity = Decimal(quantity)
    if quantity < 0:
        raise RuleError("数量不能为负数。")
    if rule.conversion == PER_HOUR:
        return q1(quantity * rule.rate)
    if rule.conversion == PER_UNIT:
        if not rule.unit_size:
            raise RuleError(f"项目 {rule.code} 未设置单位大小。")
        return q1(_whole(quantity / rule.unit_size) * rule.rate)
    if rule.conversion == PER_COUNT:
        return q1(_whole(quantity) * rule.rate)
    if rule.conversion == BY_OPTION:
        if option not in rule.options:
            raise RuleError("请选择有效的等级或级别。")
        return q1(_whole(quantity) * rule.options[option])
    raise RuleError(f"未知的折算方式：{rule.conversion}")


def entry_credits(rule: ItemRule, quantity: Decimal, option: str = "") -> Decimal:
    """The standalone value of one entry: no yearly cap, no pooling with other entries.
    This is what CreditEntry.credits stores and what the entry shows."""
    return convert(rule, quantity, option if rule.conversion == BY_OPTION else "")


@dataclass(frozen=True)
class Claim:
    """A counted entry as the engine sees it: which item, how much, which option."""

    code: str
    quantity: Decimal
    option: str = ""


@dataclass(frozen=True)
class ItemTotal:
    raw: Decimal  # the pooled conversion, before caps
    credited: Decimal  # what counts after the item cap and the group cap
    over_cap: Decimal  # raw - credited: cut by a cap, kept visible
    # Of `credited`, how much rests on unconfirmed values (第14–16条 defaults): the unconfirmed
    # options' pooled conversion, at most what the item is credited.
    unconfirmed: Decimal = ZERO


@dataclass(frozen=True)
class YearTotals:
    regulated: Decimal = ZERO
    flexible: Decimal = ZERO
    total: Decimal = ZERO
    by_kind: Mapping[str, Decimal] = field(default_factory=lambda: dict.fromkeys(KINDS, ZERO))
    by_item: Mapping[str, ItemTotal] = field(default_factory=dict)
    raw_total: Decimal = ZERO  # before caps
    unconfirmed: Decimal = ZERO  # of `total`, credits resting on unconfirmed (待确认) catalogue values

    @property
    def over_cap(self) -> Decimal:
        return self.raw_total - self.total

    def by_category_kind(self, rules: Mapping[str, ItemRule]) -> dict[tuple[str, str], Decimal]:
        out: dict[tuple[str, str], Decimal] = {}
        for code, it in self.by_item.items():
            key = (rules[code].category, rules[code].kind)
            out[key] = out.get(key, ZERO) + it.credited
        return out


def check_cap_groups(rules: Mapping[str, ItemRule]) -> None:
    """Items sharing a cap group must share category and kind, so a group cut is attributable."""
    seen: dict[str, tuple[str, str]] = {}
    for rule in rules.values():
        if not rule.cap_group:
            continue
        key = (rule.category, rule.kind)
        if seen.setdefault(rule.cap_group, key) != key:
            raise RuleError(f"共用上限组 {rule.cap_group} 内的项目类别或子项目不一致。")


def year_totals(
    claims: Iterable[Claim | tuple],
    rules: Mapping[str, ItemRule],
    group_caps: Mapping[str, Decimal] | None = None,
) -> YearTotals:
    """A teacher's totals for one 学年 from their counted claims.

    Per item: pool the quantity per option, convert, cap at the item's cap. Per cap group: the
    group cap applies to the sum of its items (after their own caps); the allowance is given to the
    items in code order, so each item's cut is visible. Then sum per category and per kind.
    """
    group_caps = group_caps or {}
    check_cap_groups(rules)
    pooled: dict[str, dict[str, Decimal]] = {}
    for claim in claims:
        if not isinstance(claim, Claim):
            claim = Claim(*claim)
        rule = rules[claim.code]
        option = claim.option if rule.conversion == BY_OPTION else ""
        per_option = pooled.setdefault(claim.code, {})
        per_option[option] = per_option.get(option, ZERO) + Decimal(claim.quantity)

    raw: dict[str, Decimal] = {}
    capped: dict[str, Decimal] = {}
    unconfirmed_raw: dict[str, Decimal] = {}
    for code in sorted(pooled):
        rule = rules[code]
        value = sum((convert(rule, qty, opt) for opt, qty in sorted(pooled[code].items())), ZERO)
        unconfirmed_raw[code] = sum((convert(rule, qty, opt) for opt, qty in sorted(pooled[code].items())
                                     if rule.is_unconfirmed(opt)), ZERO)
        raw[code] = q1(value)
        capped[code] = q1(min(value, rule.cap)) if rule.cap is not None else q1(value)

    credited = dict(capped)
    for group, cap in group_caps.items():
        remaining = q1(Decimal(cap))
        for code in sorted(c for c in capped if rules[c].cap_group == group):
            credited[code] = min(capped[code], remaining)
            remaining -= credited[code]

    by_item = {
        code: ItemTotal(raw=raw[code], credited=credited[code], over_cap=raw[code] - credited[code],
                        unconfirmed=min(q1(unconfirmed_raw[code]), credited[code]))
        for code in raw
    }
    by_kind = dict.fromkeys(KINDS, ZERO)
    regulated = flexible = ZERO
    for code, it in by_item.items():
        rule = rules[code]
        by_kind[rule.kind] = by_kind.get(rule.kind, ZERO) + it.credited
        if rule.category == REGULATED:
            regulated += it.credited
        else:
            flexible += it.credited
    return YearTotals(
        regulated=regulated,
        flexible=flexible,
        total=regulated + flexible,
        by_kind=by_kind,
        by_item=by_item,
        raw_total=sum(raw.values(), ZERO),
        unconfirmed=sum((it.unconfirmed for it in by_item.values()), ZERO),
    )


def unconfirmed_credits(claims: Iterable[Claim | tuple], rules: Mapping[str, ItemRule], totals: YearTotals) -> Decimal:
    """How much of the year's credited total rests on values still 待确认 (第14–16条 defaults).

    An item flagged unconfirmed counts whole; otherwise the pooled value of its unconfirmed
    options, never more than what the item was credited after caps."""
    pooled: dict[tuple[str, str], Decimal] = {}
    for claim in claims:
        if not isinstance(claim, Claim):
            claim = Claim(*claim)
        rule = rules[claim.code]
        option = claim.option if rule.conversion == BY_OPTION else ""
        pooled[(claim.code, option)] = pooled.get((claim.code, option), ZERO) + Decimal(claim.quantity)
    out = ZERO
    for code, it in totals.by_item.items():
        rule = rules[code]
        if rule.unconfirmed:
            out += it.credited
            continue
        part = sum(
            (convert(rule, qty, opt) for (c, opt), qty in sorted(pooled.items()) if c == code and opt in rule.unconfirmed_options),
            ZERO,
        )
        out += min(q1(part), it.credited)
    return out


# ---------------------------------------------------------------------------------------------
# Compliance: each check says what is missing, in credits, not only yes/no.


@dataclass(frozen=True)
class Check:
    ok: bool
    missing: Mapping[str, Decimal]
    have: Mapping[str, Decimal] = field(default_factory=dict)
    need: Mapping[str, Decimal] = field(default_factory=dict)
    years: tuple[int, ...] = ()  # 学年 start years the check covers
    label: str = ""
    counts: str = ""  # which credits the check counts, in words (e.g. 仅计岗位适应性培训项目)
    unconfirmed: Decimal = ZERO  # of have["total"], credits resting on unconfirmed (待确认) values


def _check(label: str, have: Mapping[str, Decimal], need: Mapping[str, Decimal], years=(), counts: str = "全部学分",
           unconfirmed: Decimal = ZERO) -> Check:
    missing = {k: max(ZERO, need[k] - have.get(k, ZERO)) for k in need}
    return Check(
        ok=not any(missing.values()),
        missing=missing,
        have={k: have.get(k, ZERO) for k in need},
        need=dict(need),
        years=tuple(years),
        label=label,
        counts=counts,
        unconfirmed=unconfirmed,
    )


def _sum_totals(totals: Iterable[YearTotals]) -> dict[str, Decimal]:
    have = {"total": ZERO, "regulated": ZERO, "flexible": ZERO, "unconfirmed": ZERO}
    for t in totals:
        have["total"] += t.total
        have["regulated"] += t.regulated
        have["flexible"] += t.flexible
        have["unconfirmed"] += getattr(t, "unconfirmed", ZERO)
    return have


def _summed_check(label, totals: Iterable[YearTotals], need, years=()) -> Check:
    have = _sum_totals(totals)
    return _check(label, have, need, years, unconfirmed=have["unconfirmed"])


def year_check(totals: YearTotals, start_year: int | None = None) -> Check:
    """二(一)1–2: each 学年 ≥72, of which ≥48 规范性 and ≥24 灵活性."""
    return _summed_check(
        "学年学分",
        [totals],
        {"total": YEAR_MIN_TOTAL, "regulated": YEAR_MIN_REGULATED, "flexible": YEAR_MIN_FLEXIBLE},
        years=(start_year,) if start_year is not None else (),
    )


def cycle_start_for(start_year: int, cycle_start: int) -> int:
    """First 学年 of the five-year cycle containing `start_year`, cycles counted from `cycle_start`."""
    return cycle_start + CYCLE_YEARS * ((start_year - cycle_start) // CYCLE_YEARS)


def cycle_check(by_year: Mapping[int, YearTotals], years: Iterable[int], label: str = "五年周期") -> Check:
    """二(一)1: ≥360 credits over five 学年."""
    years = tuple(years)
    return _summed_check(label, [by_year[y] for y in years if y in by_year], {"total": CYCLE_MIN_TOTAL}, years)


def title_check(by_year: Mapping[int, YearTotals], years: Iterable[int]) -> Check:
    """三(二)3 职评: the last five 学年 ≥360, of which ≥240 规范性 and ≥120 灵活性."""
    years = tuple(years)
    return _summed_check(
        "职评（最近五个学年度）",
        [by_year[y] for y in years if y in by_year],
        {"total": TITLE_MIN_TOTAL, "regulated": TITLE_MIN_REGULATED, "flexible": TITLE_MIN_FLEXIBLE},
        years,
    )


def probation_pass_check(totals: YearTotals, start_year: int) -> Check:
    """三(二)3 新教师转正: the last 学年 ≥120 培训学分 — every credit counts."""
    return _check("新教师转正（最近一个学年度，计全部学分）", {"total": totals.total}, {"total": PROBATION_PASS_MIN},
                  (start_year,), counts="全部学分", unconfirmed=totals.unconfirmed)


def new_teacher_check(totals: YearTotals, start_year: int, rules: Mapping[str, ItemRule]) -> Check:
    """二(一)1: a new teacher ≥120 of 岗位适应性培训 in the probation year (otherwise 延期转正):
    only the items flagged `new_teacher_induction` count, unlike the 转正 check of 三(二)3."""
    counted = [it for code, it in totals.by_item.items() if code in rules and rules[code].new_teacher_induction]
    have = sum((it.credited for it in counted), ZERO)
    return _check("新任教师试用期岗位适应性培训（仅计岗位适应性培训项目）", {"total": have}, {"total": NEW_TEACHER_MIN},
                  (start_year,), counts="仅计岗位适应性培训项目", unconfirmed=sum((it.unconfirmed for it in counted), ZERO))


def tagged_sum(by_year: Mapping[int, YearTotals], years: Iterable[int], rules: Mapping[str, ItemRule], tag: str) -> Decimal:
    """Credits of the items flagged `tag` (e.g. head_teacher_topic) over the given years."""
    total = ZERO
    for y in years:
        t = by_year.get(y)
        if t is None:
            continue
        for code, it in t.by_item.items():
            rule = rules.get(code)
            if rule is not None and getattr(rule, tag):
                total += it.credited
    return total


def head_teacher_check(tagged: Decimal, years: Iterable[int]) -> Check:
    """二(一)1: 班主任 ≥30 of 专题培训 per five years."""
    return _check("班主任专题培训（五年）", {"total": tagged}, {"total": HEAD_TEACHER_MIN}, years, counts="仅计班主任专题培训项目")


def new_principal_check(tagged: Decimal, years: Iterable[int]) -> Check:
    """二(一)1: a new (or prospective) principal ≥300 of 任职资格培训."""
    return _check("新任校长任职资格培训", {"total": tagged}, {"total": NEW_PRINCIPAL_MIN}, years, counts="仅计任职资格培训项目")

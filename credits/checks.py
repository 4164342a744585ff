"""What one claim may say, and who may make it: the catalogue's plausibility limits and
eligibility rules (issue 9), checked the same way by declaring, admin registration, corrections,
rosters and feeds. No queries: every function reads the item (a CreditItem version), the teacher
(a TeacherProfile with its school) and the values, and returns a Chinese refusal or "".
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from .models import AcademicYear

# The earliest date a claim may carry: credits registration in Chengdu began long after this.
EARLIEST_YEAR = 2000

ATTRIBUTE_LABELS = {
    "is_party_member": "党员教师",
    "new_teacher_in_probation": "试用期内的新任教师",
    "is_new_principal": "新任（拟任）校长",
    "is_head_teacher": "班主任",
}


def _fmt(value) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def days_spanned(started_on: datetime.date, ended_on: datetime.date | None) -> int:
    return ((ended_on or started_on) - started_on).days + 1


def date_problem(started_on, ended_on, *, today: datetime.date) -> str:
    """end ≥ start, neither after today, not before 2000, and within one 学年."""
    if not isinstance(started_on, datetime.date):
        return "请填写开始日期。"
    if started_on > today:
        return "活动尚未开始，不能提前登记学分。"
    if started_on.year < EARLIEST_YEAR:
        return f"开始日期不能早于{EARLIEST_YEAR}年。"
    if ended_on is None:
        return ""
    if ended_on < started_on:
        return "结束日期不能早于开始日期。"
    if ended_on > today:
        return f"结束日期（{ended_on:%Y-%m-%d}）晚于今天：活动结束后才能登记学分。"
    first, last = AcademicYear.start_year_for(started_on), AcademicYear.start_year_for(ended_on)
    if first != last:
        return (
            f"活动跨两个学年（{first}-{first + 1} 与 {last}-{last + 1}）：8月1日及以后产生的学分计入下个学年度，"
            f"请以7月31日为界分两条登记。"
        )
    return ""


def quantity_problem(item, quantity: Decimal, *, started_on=None, ended_on=None) -> str:
    """Whole counts for count items, the per-entry and per-day maxima of the catalogue."""
    unit = item.unit_label
    if getattr(item, "whole_quantity", False) and quantity != quantity.to_integral_value():
        return f"「{item.name}」按{unit}计，数量须为整数（不能填 {_fmt(quantity)}）。"
    per_entry = getattr(item, "max_per_entry", None)
    if per_entry is not None and quantity > per_entry:
        return f"「{item.name}」每条登记最多 {_fmt(per_entry)} {unit}（每张证书或每学年单独登记一条）。"
    per_day = getattr(item, "max_per_day", None)
    if per_day is not None and isinstance(started_on, datetime.date):
        days = days_spanned(started_on, ended_on)
        limit = Decimal(per_day) * days
        if quantity > limit:
            return (
                f"「{item.name}」每天最多 {_fmt(per_day)} {unit}：{days} 天的活动最多 {_fmt(limit)} {unit}，"
                f"申报了 {_fmt(quantity)}。请核对起止日期和数量。"
            )
    return ""


def in_probation(teacher, start_year: int) -> bool:
    """A new teacher whose probation year (the 学年 of the probation start) is `start_year`."""
    if not (getattr(teacher, "is_new_teacher", False) and getattr(teacher, "probation_start", None)):
        return False
    return AcademicYear.start_year_for(teacher.probation_start) == start_year


def eligibility_problem(item, teacher, *, start_year: int, option: str = "") -> str:
    """Who may claim the item: school category, a profile attribute, options by 学段."""
    from accounts.models import SchoolCategory, Stage

    categories = getattr(item, "eligible_school_categories", None) or []
    if categories and teacher.school.category not in categories:
        names = "、".join(dict(SchoolCategory.choices).get(c, c) for c in categories)
        return f"「{item.name}」只限{names}学校的教师登记（{item.clause}），{teacher.name}所在的{teacher.school.name}不是。"
    attribute = getattr(item, "eligible_attribute", "") or ""
    if attribute:
        label = ATTRIBUTE_LABELS.get(attribute, attribute)
        if attribute == "new_teacher_in_probation":
            ok = in_probation(teacher, start_year)
            why = (
                f"{teacher.name}的教师信息中未登记为新任教师（含试用期开始日期）"
                if not (teacher.is_new_teacher and teacher.probation_start)
                else f"{teacher.name}的试用期在{AcademicYear.start_year_for(teacher.probation_start)}学年度，"
                     f"不是{start_year}-{start_year + 1}学年"
            )
        else:
            ok = bool(getattr(teacher, attribute, False))
            why = f"{teacher.name}的教师信息中未登记为{label}"
        if not ok:
            return f"「{item.name}」只限{label}登记（{item.clause}）：{why}。如信息有误，请学校管理员在教师信息中更正。"
    allowed = (getattr(item, "stage_options", None) or {}).get(teacher.stage)
    if allowed is not None and option and option not in allowed:
        stage = dict(Stage.choices).get(teacher.stage, teacher.stage)
        labels = "、".join(item.option_label(k) for k in allowed) or "无"
        return f"{stage}教师的「{item.name}」只能选：{labels}（{item.clause}）。"
    return ""

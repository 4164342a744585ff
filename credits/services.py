"""Writes of the credits app: an entry's stored credits, and new versions of catalogue items."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.bulk import insert_rows

from . import rules as R
from .models import AcademicYear, CapGroup, CreditEntry, CreditItem

# Changing one of these changes what an entry is worth: it needs a new version of the item.
VALUE_FIELDS = ("category", "kind", "conversion", "rate", "unit_size", "options", "cap", "cap_group")


class CatalogueError(Exception):
    """A refused catalogue change; the message is Chinese and shown as is."""


def academic_year_ensure(day: datetime.date) -> AcademicYear:
    """The 学年 `day` falls in, created with the notice's calendar if it does not exist yet.
    Called where something is written in it (a registration, a feed), at sign-in and by the
    nightly task, never by a page view (AcademicYear.for_date only reads)."""
    start = AcademicYear.start_year_for(day)
    year, _ = AcademicYear.objects.get_or_create(start_year=start, defaults=AcademicYear.default_calendar(start))
    return year


def entry_refresh_credits(entry: CreditEntry, *, save: bool = True):
    """Recompute entry.credits (its standalone value) from its item row, quantity and option.
    Saves only that field when the entry already exists and `save` is true."""
    entry.credits = R.entry_credits(R.rule_from_item(entry.item), entry.quantity, entry.option)
    if save and entry.pk:
        entry.save(update_fields=["credits", "updated_at"])
    return entry.credits


def _value(item: CreditItem, name: str):
    value = getattr(item, name)
    if name == "options":
        # Labels and the 待确认 flag don't change what an option is worth.
        return {str(o.get("key")): Decimal(str(o.get("credits"))) for o in value or [] if isinstance(o, dict)}
    if name in ("rate", "unit_size", "cap") and value is not None:
        return Decimal(str(value))
    return value


def item_changed_values(item: CreditItem) -> list[str]:
    """Value fields of `item` (an edited, unsaved instance) that differ from its stored row."""
    if not item.pk:
        return []
    stored = CreditItem.objects.get(pk=item.pk)
    return [f for f in VALUE_FIELDS if _value(stored, f) != _value(item, f)]


def item_has_entries(item: CreditItem) -> bool:
    return bool(item.pk) and CreditEntry.objects.filter(item_id=item.pk).exists()


@transaction.atomic
def items_confirm_values(*, items) -> int:
    """City staff confirm the values of these items as they stand: the item flag and every
    option's 待确认 flag are cleared. Values are unchanged, so entries are untouched."""
    n = 0
    for item in CreditItem.objects.select_for_update().filter(pk__in=[i.pk for i in items]):
        item.unconfirmed = False
        item.options = [{k: v for k, v in o.items() if k != "unconfirmed"} for o in item.options or []]
        item.save(update_fields=["unconfirmed", "options"])
        n += 1
    return n


def new_version_problem(current: CreditItem, valid_from: int) -> str:
    """Why `current` cannot get a new version from 学年 `valid_from` ("" when it can)."""
    if valid_from <= current.valid_from:
        return f"新版本的适用学年须晚于当前版本（{current.valid_from}-{current.valid_from + 1} 学年）。"
    if CreditItem.objects.filter(code=current.code, valid_from=valid_from).exists():
        return f"项目 {current.code} 在 {valid_from}-{valid_from + 1} 学年已有版本。"
    if CreditEntry.objects.filter(item=current, academic_year__start_year__gte=valid_from).exists():
        return f"{valid_from}-{valid_from + 1} 学年及以后已有按当前版本登记的学分，新版本只能从其后的学年起适用。"
    return ""


@transaction.atomic
def item_save_new_version(*, item: CreditItem, valid_from: int) -> CreditItem:
    """Save the edited `item` as a new row valid from 学年 `valid_from`, leaving the stored row
    (and every entry pointing at it, with its stored credits) unchanged.

    Refused when the new version would start before or with the current one, when that version
    already exists, or when entries of 学年 ≥ valid_from already use the current row: a changed
    value applies from a 学年 on, never to credits already registered in it."""
    if not item.pk:
        raise CatalogueError("新项目直接保存即可，无需另存为新版本。")
    current = CreditItem.objects.select_for_update().get(pk=item.pk)
    problem = new_version_problem(current, valid_from)
    if problem:
        raise CatalogueError(problem)
    new = CreditItem.objects.get(pk=item.pk)
    for f in item._meta.concrete_fields:
        if not f.primary_key:
            setattr(new, f.attname, getattr(item, f.attname))
    new.pk = None
    new._state.adding = True
    new.code = current.code
    new.valid_from = valid_from
    new.save()
    return new


def cap_group_new_version_problem(current: CapGroup, valid_from: int) -> str:
    """Why the group cap cannot get a new version from 学年 `valid_from` ("" when it can)."""
    if valid_from <= current.valid_from:
        return f"新版本的适用学年须晚于当前版本（{current.valid_from}-{current.valid_from + 1} 学年）。"
    if CapGroup.objects.filter(code=current.code, valid_from=valid_from).exists():
        return f"上限组 {current.code} 在 {valid_from}-{valid_from + 1} 学年已有版本。"
    return ""


def cap_group_has_entries(group: CapGroup) -> bool:
    return CreditEntry.objects.filter(item__cap_group=group.code, academic_year__start_year__gte=group.valid_from).exists()


@transaction.atomic
def cap_group_save_new_version(*, group: CapGroup, valid_from: int) -> CapGroup:
    """Save the edited group cap as a new row valid from 学年 `valid_from`; earlier years keep
    the cap they were counted with."""
    current = CapGroup.objects.select_for_update().get(pk=group.pk)
    problem = cap_group_new_version_problem(current, valid_from)
    if problem:
        raise CatalogueError(problem)
    new = CapGroup(code=current.code, name=group.name, cap=group.cap, clause=group.clause, valid_from=valid_from)
    new.save()
    return new


# --- the per-teacher-per-学年 totals table ----------------------------------------------------


def teacher_year_totals_refresh(*, teacher_id: int, academic_year_id: int):
    """Recompute one teacher's row of the totals table for one 学年 (in the caller's transaction).

    Called from the audit record that every change of an entry writes
    (``reviews.services._common.record``), so the table changes in the same transaction as the
    entry; a rolled-back change rolls back its totals too."""
    from .models import AcademicYear, TeacherYearTotal
    from .selectors import year_figures

    start_year = AcademicYear.objects.values_list("start_year", flat=True).get(pk=academic_year_id)
    figures = year_figures(teacher_ids=[teacher_id], academic_year=start_year)[teacher_id]
    row, _ = TeacherYearTotal.objects.update_or_create(
        teacher_id=teacher_id, academic_year_id=academic_year_id, defaults=figures.columns()
    )
    return row


def teacher_year_totals_rebuild(*, academic_year, write: bool = True, batch: int = 2000) -> dict:
    """The full recompute: every teacher with entries (or a row) in the 学年, set-based
    (``selectors.YearCalc``: one grouped query per range of `batch` teacher ids, the caps in
    Python), compared with the stored table. With `write`, rows that differ are corrected and
    missing rows created. Returns {"checked", "differ": [(teacher_id, [fields])], "written"}."""
    from accounts.models import TeacherProfile

    from .models import AcademicYear, TeacherYearTotal
    from .selectors import YearCalc

    year = academic_year if isinstance(academic_year, AcademicYear) else AcademicYear.objects.get(start_year=int(academic_year))
    calc = YearCalc(year)
    names = TeacherYearTotal.FIGURES
    first = TeacherProfile.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    last = TeacherProfile.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last = max(last, TeacherYearTotal.objects.filter(academic_year=year).order_by("-teacher_id")
               .values_list("teacher_id", flat=True).first() or 0)
    checked, differ, written = 0, [], 0
    now = timezone.now()
    for lo in range(first, last + 1, batch):
        hi = lo + batch - 1
        pooled = calc.pooled("teacher_id BETWEEN %s AND %s", [lo, hi])
        stored = {r[0]: r[1:] for r in TeacherYearTotal.objects.filter(academic_year=year, teacher_id__gte=lo, teacher_id__lte=hi)
                  .values_list("teacher_id", *names)}
        create, stale = [], []
        for t in sorted(set(pooled) | set(stored)):
            columns = calc.figures(t, pooled.get(t, ())).columns()
            row = stored.get(t)
            if row is None:
                differ.append((t, ["(缺少)"]))
            else:
                fields = [name for name, old in zip(names, row, strict=True) if old != columns[name]]
                if not fields:
                    continue
                differ.append((t, fields))
                stale.append(t)
            create.append((t, year.pk, now, *columns.values()))
        checked += len(set(pooled) | set(stored))
        if write and create:
            with transaction.atomic():
                # Replaced rather than bulk_update'd (one CASE per column and row is slow in the
                # ORM), and written by COPY: the generator's rebuild creates every row.
                TeacherYearTotal.objects.filter(academic_year=year, teacher_id__in=stale).delete()
                written += insert_rows(TeacherYearTotal, ("teacher", "academic_year", "updated_at", *names), create)
    return {"checked": checked, "differ": differ, "written": written}

"""Explaining a number: one entry's credits, step by step, from the same engine that
totals the year — the item and its clause, the conversion, the quantity pooled with the
teacher's other entries of the item, what a cap cut, what rests on an unconfirmed value.

Only reads; the page that shows it adds who approved the entry and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from . import rules as R
from . import selectors
from .models import COUNTED_STATUSES, CreditEntry


@dataclass(frozen=True)
class Explanation:
    entry: CreditEntry
    conversion_text: str
    quantity: Decimal  # what this entry counts with (approved when a reviewer cut it)
    option_label: str
    standalone: Decimal  # this entry alone, before pooling and caps
    counted: bool  # the entry's state counts in the year's total
    siblings: list[CreditEntry]  # the teacher's other counted entries of the item in the 学年
    pooled_quantity: Decimal  # counted quantity of the item (and option) in the 学年
    item_total: R.ItemTotal | None  # the item in the year's totals (counted entries only)
    cap: Decimal | None
    cap_group: str
    group_cap: Decimal | None
    unconfirmed: bool
    year_total: Decimal

    @property
    def pooled(self) -> bool:
        return bool(self.siblings) and self.entry.item.conversion in ("per_unit", "per_count", "by_option")


def explain_entry(entry: CreditEntry) -> Explanation:
    item = entry.item
    rule = R.rule_from_item(item)
    option = entry.option if rule.conversion == R.BY_OPTION else ""
    standalone = R.entry_credits(rule, entry.quantity, option)
    totals = selectors.teacher_year_totals(teacher=entry.teacher, academic_year=entry.academic_year)
    siblings = list(
        CreditEntry.objects.filter(teacher_id=entry.teacher_id, academic_year_id=entry.academic_year_id,
                                   item__code=item.code, status__in=COUNTED_STATUSES)
        .exclude(pk=entry.pk).select_related("item").order_by("started_on", "id")
    )
    same_option = [e for e in siblings if (e.option if rule.conversion == R.BY_OPTION else "") == option]
    counted = entry.status in COUNTED_STATUSES
    pooled = sum((e.quantity for e in same_option), Decimal("0")) + (entry.quantity if counted else Decimal("0"))
    group_caps = selectors.group_caps_for(entry.academic_year)
    return Explanation(
        entry=entry, conversion_text=item.conversion_text(), quantity=entry.quantity,
        option_label=item.option_label(entry.option) if entry.option else "", standalone=standalone,
        counted=counted, siblings=siblings, pooled_quantity=pooled, item_total=totals.by_item.get(item.code),
        cap=rule.cap, cap_group=rule.cap_group, group_cap=group_caps.get(rule.cap_group) if rule.cap_group else None,
        unconfirmed=rule.is_unconfirmed(option), year_total=totals.total,
    )

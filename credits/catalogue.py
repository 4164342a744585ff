"""The rule catalogue (every version of every ``CreditItem`` and ``CapGroup``), read once per
process and kept until it changes.

A page that computes a teacher's totals, the preview, every entry write (its totals row) and
every ``YearCalc`` need the catalogue; it changes a few times a year. ``current()`` costs one
primary-key read of ``CatalogueStamp``, whose value database triggers change in the same
transaction as any write to the two tables (migration ``credits 0008``). So the catalogue kept
here is exact, not "probably right":

- the stamp is read first, then the rows: what is kept under a stamp is never older than the
  catalogue that stamp stands for (a change committed in between only makes it newer, and the
  next reader sees the new stamp and reads again);
- a change and the computation after it in the same transaction see the new stamp (triggers
  run in the writer's transaction); if it rolls back, its random stamp is never seen again;
- without the stamp row (a flushed test database before its next catalogue write) nothing is
  kept: the rows are read on every call.

The engine (``credits.rules``) stays pure: this module hands it ``ItemRule`` values. Model
instances handed out are copies, so a caller that edits one edits nobody else's.
"""

from __future__ import annotations

import copy
import threading
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from . import rules as R
from .models import CapGroup, CatalogueStamp, CreditItem

_JSON_FIELDS = ("options", "eligible_school_categories", "stage_options")


def _copy(item: CreditItem) -> CreditItem:
    clone = copy.copy(item)  # Model.__getstate__ copies _state and its fields cache
    for name in _JSON_FIELDS:
        setattr(clone, name, copy.deepcopy(getattr(item, name)))
    return clone


class Catalogue:
    """Every version of the catalogue as read under one stamp, with what is derived from it
    (rules per 学年, cap groups per 学年, the compiled per-year calculators of ``YearCalc``)."""

    def __init__(self, stamp: str | None, items: Iterable[CreditItem], groups: Iterable[CapGroup]):
        self.stamp = stamp
        self.items = tuple(sorted(items, key=lambda i: (i.code, i.valid_from)))
        self.groups = tuple(sorted(groups, key=lambda g: (g.code, g.valid_from)))
        self.versions: dict[str, list[CreditItem]] = defaultdict(list)
        for item in self.items:
            self.versions[item.code].append(item)
        self.code_by_pk = {item.pk: item.code for item in self.items}
        self._rules = {item.pk: R.rule_from_item(item) for item in self.items}
        self._rules_of_year: dict[int, dict[str, R.ItemRule]] = {}
        self._memo: dict[tuple, object] = {}
        self._lock = threading.Lock()

    # --- items ------------------------------------------------------------------------------

    def _version(self, code: str, year: int) -> CreditItem | None:
        valid = [v for v in self.versions.get(code, ()) if v.valid_from <= year]
        return valid[-1] if valid else None

    def item_for(self, code: str, year: int) -> CreditItem | None:
        """A copy of the version of `code` valid in `year` (None when it starts later)."""
        item = self._version(code, year)
        return None if item is None else _copy(item)

    def items_in(self, year: int, *, active_only: bool = True) -> list[CreditItem]:
        """Copies of every item as it stands in `year` (one per code), in catalogue order."""
        rows = [v for v in (self._version(code, year) for code in self.versions) if v is not None]
        rows = [i for i in rows if i.is_active or not active_only]
        return [_copy(i) for i in sorted(rows, key=lambda i: (i.category != "regulated", i.order, i.code))]

    def items_by_pk(self, pks: Iterable[int]) -> list[CreditItem]:
        wanted = set(pks)
        return [_copy(i) for i in self.items if i.pk in wanted]

    # --- rules and caps ---------------------------------------------------------------------

    def rules_of_year(self, year: int) -> dict[str, R.ItemRule]:
        """code → the rule of the version valid in `year`; a code whose first version starts
        later keeps its earliest one (an entry is never dropped for want of a rule). Shared:
        callers that change the mapping take ``rules_by_year``'s fresh dicts."""
        rules = self._rules_of_year.get(year)
        if rules is None:
            rules = {}
            for code, rows in self.versions.items():
                valid = [r for r in rows if r.valid_from <= year]
                rules[code] = self._rules[(valid[-1] if valid else rows[0]).pk]
            self._rules_of_year[year] = rules
        return rules

    def rules_by_year(self, years: Iterable[int], codes: Iterable[str] | None = None) -> dict[int, dict[str, R.ItemRule]]:
        wanted = None if codes is None else set(codes)
        return {year: {c: r for c, r in self.rules_of_year(year).items() if wanted is None or c in wanted}
                for year in set(years)}

    def group_caps(self, year: int) -> dict[str, Decimal]:
        caps: dict[str, Decimal] = {}
        for g in self.groups:  # ascending valid_from: the last one valid in `year` wins
            if g.valid_from <= year:
                caps[g.code] = Decimal(g.cap)
        return dict(sorted(caps.items()))

    def groups_in(self, year: int) -> dict[str, CapGroup]:
        """code → a copy of the cap group's version valid in `year`."""
        out: dict[str, CapGroup] = {}
        for g in self.groups:
            if g.valid_from <= year:
                out[g.code] = g
        return {code: copy.copy(g) for code, g in out.items()}

    def memo(self, key: tuple, build):
        """A value derived from this catalogue alone (``YearCalc``'s compiled rules of a 学年),
        built once."""
        value = self._memo.get(key)
        if value is None:
            with self._lock:
                value = self._memo.get(key)
                if value is None:
                    value = self._memo[key] = build()
        return value


# Stamp → catalogue. Two, not one: a process reading inside ``core.db.reading_replica()`` may see
# the replica's older stamp while its other requests see the primary's.
_KEEP = 2
_kept: dict[str, Catalogue] = {}
_kept_lock = threading.Lock()


def stamp() -> str | None:
    rows = CatalogueStamp.objects.filter(pk=1).values_list("stamp", flat=True)[:1]
    return next(iter(rows), None)


def current() -> Catalogue:
    """The catalogue as the database has it now: one query when it has not changed since this
    process last read it, three when it has."""
    value = stamp()
    if value is not None:
        kept = _kept.get(value)
        if kept is not None:
            return kept
    catalogue = Catalogue(value, CreditItem.objects.all(), CapGroup.objects.all())
    if value is not None:
        with _kept_lock:
            while len(_kept) >= _KEEP:
                _kept.pop(next(iter(_kept)))
            _kept[value] = catalogue
    return catalogue


def forget() -> None:
    """Drop what this process keeps (tests that measure the first read)."""
    with _kept_lock:
        _kept.clear()

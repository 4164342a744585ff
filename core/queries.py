"""Several counts in one round trip: a page that shows many numbers (a home's queue and card
counts) asks the database once, so its query count does not grow with the cards a user's roles
bring (issue 15: at most 15 queries a page)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet


@dataclass(frozen=True)
class Count:
    """The rows of `qs`; with `bound`, counted only up to bound + 1 rows (a city's queue holds
    millions: "10000+" is all a card says)."""

    qs: QuerySet
    bound: int | None = None

    def sql(self, connection) -> tuple[str, list]:
        qs = self.qs.order_by().values("pk")
        if self.bound is not None:
            qs = qs[: self.bound + 1]
        sql, params = qs.query.get_compiler(connection=connection).as_sql()
        return sql, list(params)

    def split(self, n: int) -> tuple[int, bool]:
        """(count, more) of a bounded count: at most `bound`, and whether there are more."""
        if self.bound is None:
            return n, False
        return min(n, self.bound), n > self.bound


def counts(parts: dict[str, Count], *, using: str = "default") -> dict[str, int]:
    """Each part's count, all in one SELECT of scalar subqueries (none when there is nothing to
    count; a part over an empty queryset, ``.none()``, is 0 without asking)."""
    connection = connections[using]
    out: dict[str, int] = {}
    selects: list[str] = []
    params: list = []
    names: list[str] = []
    for name, part in parts.items():
        try:
            sql, p = part.sql(connection)
        except EmptyResultSet:
            out[name] = 0
            continue
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS part_{len(names)})")
        params.extend(p)
        names.append(name)
    if selects:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(selects), params)
            row = cursor.fetchone()
        out.update(zip(names, (int(v) for v in row), strict=True))
    return {name: out[name] for name in parts}

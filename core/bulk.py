"""Many new rows into one table at once: COPY on PostgreSQL, one executemany elsewhere.

The ORM's bulk_create prepares every value of every row through its field (half a million calls
for the 15,000 snapshots of a seal) and sends them as one large parameter list; COPY streams the
rows as they are. Ids come from the table's sequence, so concurrent writers (several Celery
workers) never collide."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection


def insert_rows(model, names: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert `rows` (tuples in the order of the field names `names`) into `model`'s table in the
    caller's transaction; no signals, no defaults: every column not named must have a database
    default or be nullable. Returns how many rows were inserted."""
    fields = [model._meta.get_field(name) for name in names]
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(f.column) for f in fields)
    n = 0
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # COPY takes Python values as they are; only JSON needs the field's adapter.
            json = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
            with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    if json:
                        row = list(row)
                        for i in json:
                            row[i] = fields[i].get_db_prep_save(row[i], connection)
                    copy.write_row(row)
                    n += 1
        else:
            data = [tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)) for row in rows]
            if data:
                marks = ", ".join(["%s"] * len(fields))
                cur.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", data)
            n = len(data)
    return n

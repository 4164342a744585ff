"""Append-only tables: the one way this project declares them (DESIGN.md 7).

`append_only(name)` is the PostgreSQL trigger (pgtrigger generates its SQL) that refuses UPDATE
and DELETE of a row, whatever the path: the services, the admin, raw SQL, the shell, another
program. TRUNCATE is left to `manage.py flush` (the tests' teardown); the seal's own triggers
(sealing/sql.py) refuse it while a 学年 is sealed. Models add Python guards as well so that the
ORM answers with a Chinese PermissionError before the database does.
"""

import pgtrigger
from django.db import models


def append_only(name: str, *, condition=None) -> list:
    """The triggers of an append-only table (for Meta.triggers); `condition`: only rows it matches
    (e.g. a roster once approved)."""
    kwargs = {"condition": condition} if condition is not None else {}
    return [pgtrigger.Protect(name=name, operation=pgtrigger.Update | pgtrigger.Delete, **kwargs)]


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk update and delete of an append-only table are refused in Python as well (the trigger
    refuses them in PostgreSQL); subclasses name the table in the message."""

    refused_update = "该记录只可追加，不可修改。"
    refused_delete = "该记录只可追加，不可删除。"

    def update(self, **kwargs):
        raise PermissionError(self.refused_update)

    def delete(self):
        raise PermissionError(self.refused_delete)

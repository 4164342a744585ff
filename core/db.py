"""Reads from a PostgreSQL streaming replica, only where a caller asks for it.

``REPLICA_DATABASE_URL`` (settings) adds the database alias ``"replica"``. ``ReplicaRouter``
sends a read there only inside ``with reading_replica():`` (a context variable, so a Celery
worker's or a web process's other work is untouched); everywhere else, and for every write,
Django's default alias, the primary. So pages keep showing what was just written, and only the
big read-only builds that opt in (the 学年档案, a district's exports) take load off the primary.

A replica lags the primary by the time its WAL takes to arrive and replay (milliseconds to
seconds; minutes while it catches up after a restart). Inside the scope a build therefore sees
the database as it was that long ago: an open 学年's report may miss the last seconds' changes;
a sealed 学年 never changes once its seal has reached the replica, which ``caught_up`` checks.

Stays on the primary even inside the scope:

- every write (``db_for_write``), and reads inside a transaction on the primary (they may have
  to see that transaction's own writes, and a replica read cannot);
- ``PRIMARY_ONLY`` models: a job's bookkeeping (``accounts.Job``) that the job itself writes and
  reads back (its progress, its resume point).

Without ``REPLICA_DATABASE_URL`` the router answers nothing and every query uses ``default``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

REPLICA = "replica"
PRIMARY = "default"
# Models (app_label.model_name) whose rows a job writes and reads back while it runs.
PRIMARY_ONLY = frozenset({"accounts.job"})

_reading_replica: ContextVar[bool] = ContextVar("jixiao_reading_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def in_replica_scope() -> bool:
    """True inside ``reading_replica()`` when a replica is configured (and caught up)."""
    return _reading_replica.get() and replica_configured()


@contextmanager
def reading_replica(*, caught_up: Callable[[], bool] | None = None) -> Iterator[bool]:
    """Reads inside go to the replica (when one is configured); yields whether they do.

    `caught_up` is asked on the replica first: False (the replica has not yet received what the
    build needs, e.g. the committed seal of the 学年) keeps the whole scope on the primary.
    Also a decorator: ``@reading_replica()``."""
    on = replica_configured()
    if on and caught_up is not None:
        token = _reading_replica.set(True)
        try:
            on = bool(caught_up())
        finally:
            _reading_replica.reset(token)
    token = _reading_replica.set(on)
    try:
        yield on
    finally:
        _reading_replica.reset(token)


class ReplicaRouter:
    """``DATABASE_ROUTERS``: the replica for reads inside ``reading_replica()``, else no opinion
    (Django's default: the primary)."""

    def db_for_read(self, model, **hints):
        if not in_replica_scope():
            return None
        if model._meta.label_lower in PRIMARY_ONLY or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints):
        # Also for an instance read from the replica: it is saved where it came from otherwise.
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # One database and its copy: an object read from either may point at one from the other.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA, None}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica is a physical copy of the primary: migrations reach it by replication.
        return False if db == REPLICA else None

"""The error every refused workflow action raises: a `core.errors.DomainError`.

`TransitionError(message, kind=...)` still takes the workflow's finer reasons — "state" (409:
already reviewed / wrong state), "stale" (409: changed since the reviewer saw it),
"permission" (403), "window" and "sealed" (400, outside the calendar), "invalid" (400) — and
maps them onto the common kinds; the finer reason stays in `.reason`."""

from core.errors import REASON_KINDS, DomainError


class TransitionError(DomainError):
    def __init__(self, message: str, *, kind: str = "invalid", field: str | None = None,
                 details: dict | None = None):
        super().__init__(message, kind=REASON_KINDS[kind], reason=kind, field=field, details=details)

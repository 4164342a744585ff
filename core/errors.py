"""The one error model of the project.

Every refusal a service makes is a `DomainError` (or a subclass: `reviews.errors.TransitionError`,
`accounts.errors.AccountError`). It carries:

- `kind`: what sort of refusal it is, which decides the answer — `invalid` (400), `not_found`
  (404), `forbidden` (403), `conflict` (409);
- `message`: Chinese, fit to show to the user as is;
- `field`: the form / API field it concerns, or None;
- `reason`: an optional finer code (e.g. "window", "sealed", "state", "stale") for callers and tests.

The page handler (`core.handlers.DomainErrorMiddleware`) and the API handler
(`core.handlers.api_exception_handler`) turn it into the answer, so views need no try/except.
"""

from __future__ import annotations

INVALID = "invalid"
NOT_FOUND = "not_found"
FORBIDDEN = "forbidden"
CONFLICT = "conflict"
KINDS = (INVALID, NOT_FOUND, FORBIDDEN, CONFLICT)

HTTP_STATUS = {INVALID: 400, NOT_FOUND: 404, FORBIDDEN: 403, CONFLICT: 409}

# Finer reasons used by the workflow before the common model existed, and the kind each one is.
REASON_KINDS = {
    "invalid": INVALID,
    "window": INVALID,
    "sealed": INVALID,
    "state": CONFLICT,
    "stale": CONFLICT,
    "permission": FORBIDDEN,
    "not_found": NOT_FOUND,
    "forbidden": FORBIDDEN,
    "conflict": CONFLICT,
}


class DomainError(Exception):
    """A refused action. Nothing was changed."""

    default_kind = INVALID

    def __init__(self, message: str, *, kind: str | None = None, field: str | None = None,
                 reason: str | None = None, details: dict | None = None):
        super().__init__(message)
        kind = kind or self.default_kind
        if kind not in KINDS:
            raise ValueError(f"unknown error kind {kind!r}")
        self.message = message
        self.kind = kind
        self.field = field
        self.reason = reason or kind
        # Machine-readable extras for the API body (e.g. what changed since the version seen).
        self.details = details or {}

    @property
    def status_code(self) -> int:
        return HTTP_STATUS[self.kind]

    def __str__(self):
        return self.message


class Invalid(DomainError):
    default_kind = INVALID


class NotFound(DomainError):
    default_kind = NOT_FOUND


class Forbidden(DomainError):
    default_kind = FORBIDDEN


class Conflict(DomainError):
    default_kind = CONFLICT

"""Logs an operator can search: security events on the ``jixiao.security`` logger, and the
formatters LOGGING picks with LOG_FORMAT (``json`` in production: one JSON object a line;
``plain`` by default: the message, then the event's fields as key=value).

An event carries ids only — the user's id, a hash of the typed 账号, a hash of the client
address, the path without its query string, the refusal's kind — never a 身份证号, a name, a
message text (a DomainError's text may name a school or quote a masked number) or a password.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging

security = logging.getLogger("jixiao.security")

# The attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


def short_hash(value: str) -> str:
    """A stable, non-reversible reference (the same 账号 or address gives the same hash, so an
    operator can follow one across lines without the log holding it)."""
    return hashlib.sha256(value.encode()).hexdigest()[:16] if value else ""


def event(name: str, *, level: int = logging.INFO, **fields) -> None:
    """One security event. Callers pass ids and hashes only (see the module docstring)."""
    security.log(level, name, extra={"event": name, **fields})


def request_fields(request) -> dict:
    """Who and where, for an event raised while answering a request."""
    from .net import client_ip

    user = getattr(request, "user", None)
    return {
        "user_id": user.pk if user is not None and user.is_authenticated else None,
        "method": request.method, "path": request.path, "client": short_hash(client_ip(request)),
    }


def _extras(record: logging.LogRecord) -> dict:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            **_extras(record),
        }
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class KeyValueFormatter(logging.Formatter):
    """The plain format of development, with an event's fields appended as key=value."""

    def __init__(self, *args, **kwargs):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = _extras(record)
        if extras:
            line += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        return line

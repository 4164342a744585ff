"""Throttled sign-in: after LOGIN_FAILURE_LIMIT failures within LOGIN_FAILURE_WINDOW_SECONDS for
one 账号, or LOGIN_ADDRESS_FAILURE_LIMIT (default ten times as many) from one client address,
sign-in is refused until the window has passed.
Counters live in the cache (Redis in production), so every web worker sees them."""

from __future__ import annotations

import datetime
import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from core.net import client_ip  # noqa: F401 (accounts.throttle.client_ip is how the views ask)


def _keys(username: str, ip: str) -> list[str]:
    from .models import normalize_username

    # The account's counter whatever spelling was typed ('ＴＥＡＣＨＥＲ' is 'teacher').
    name = hashlib.sha256(normalize_username(username).encode()).hexdigest()[:32]
    return [f"login-fail:user:{name}", f"login-fail:ip:{ip or '-'}"]


def _limits() -> list[int]:
    """The account's limit, then the address's: one school's teachers share the school's
    address, so a handful of typos there must not lock the whole school out."""
    limit = settings.LOGIN_FAILURE_LIMIT
    return [limit, settings.LOGIN_ADDRESS_FAILURE_LIMIT]


def blocked_until(username: str, ip: str) -> datetime.datetime | None:
    """When sign-in may be tried again, or None when it may be tried now."""
    now = timezone.now().timestamp()
    latest = None
    for key, limit in zip(_keys(username, ip), _limits(), strict=False):
        count, until = cache.get(key), cache.get(f"{key}:until")
        if count is not None and until is not None and count >= limit and until > now:
            latest = max(latest or 0, until)
    return datetime.datetime.fromtimestamp(latest, tz=datetime.UTC) if latest else None


def _who(username: str, ip: str) -> dict:
    # Hashes only, in the security log: the typed 账号 may be someone's 身份证号 or name.
    from core.logs import short_hash

    from .models import normalize_username

    return {"account": short_hash(normalize_username(username)), "client": short_hash(ip)}


def refused_until(username: str, ip: str) -> datetime.datetime | None:
    """`blocked_until` for a sign-in being tried: a refusal is logged as a `login_locked` event.
    Every sign-in (the site's, the admin's, the API's token) asks this."""
    until = blocked_until(username, ip)
    if until is not None:
        from core import logs

        logs.event("login_locked", level=logging.WARNING, **_who(username, ip), until=until.isoformat())
    return until


def record_failure(username: str, ip: str) -> None:
    """Counted with the cache's atomic add/incr: guesses sent in parallel are each counted
    (a read-then-write counter would let them overwrite one another)."""
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    now = timezone.now().timestamp()
    for key in _keys(username, ip):
        until = cache.get(f"{key}:until")
        if until is not None and until <= now:
            # The window has passed (the cache may keep the keys a moment longer): start over.
            cache.delete_many([key, f"{key}:until"])
        timeout = window + 1
        cache.add(f"{key}:until", now + window, timeout=timeout)
        cache.add(key, 0, timeout=timeout)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=timeout)
    from core import logs

    logs.event("login_failed", level=logging.WARNING, **_who(username, ip),
               locked=blocked_until(username, ip) is not None)


def record_success(username: str) -> None:
    """A good password clears the account's counter; the address keeps its own."""
    key = _keys(username, "")[0]
    cache.delete_many([key, f"{key}:until"])


def retry_message(until: datetime.datetime) -> str:
    local = timezone.localtime(until)
    minutes = max(1, int((until - timezone.now()).total_seconds() + 59) // 60)
    return f"登录失败次数过多，已暂停登录。请于 {local:%H:%M}（约 {minutes} 分钟后）再试，或联系学校管理员重置密码。"


# Other attempts worth counting per account (a 身份证号 that clashes with an account out of the
# actor's scope): the same atomic counter, keyed by kind and account id.
def attempts_blocked_until(kind: str, account_id, *, limit: int | None = None) -> datetime.datetime | None:
    key = f"attempts:{kind}:{account_id}"
    limit = limit if limit is not None else settings.ID_CLASH_LIMIT
    count, until = cache.get(key), cache.get(f"{key}:until")
    now = timezone.now().timestamp()
    if count is not None and until is not None and count >= limit and until > now:
        return datetime.datetime.fromtimestamp(until, tz=datetime.UTC)
    return None


def attempts_record(kind: str, account_id, *, window: int) -> None:
    key = f"attempts:{kind}:{account_id}"
    now = timezone.now().timestamp()
    until = cache.get(f"{key}:until")
    if until is not None and until <= now:
        cache.delete_many([key, f"{key}:until"])
    cache.add(f"{key}:until", now + window, timeout=window + 1)
    cache.add(key, 0, timeout=window + 1)
    try:
        cache.incr(key)
    except ValueError:
        cache.add(key, 1, timeout=window + 1)


def id_clash_message(until: datetime.datetime) -> str:
    local = timezone.localtime(until)
    return f"填写的身份证号无法使用的次数过多，已暂停核对。请于 {local:%m月%d日 %H:%M} 后再试，或联系学校管理员。"

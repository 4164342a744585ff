"""Throttled sign-in: after LOGIN_FAILURE_LIMIT failures within LOGIN_FAILURE_WINDOW_SECONDS,
for one 账号 or from one client address, sign-in is refused until the window has passed.
Counters live in the cache (Redis in production), so every web worker sees them."""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone


def _keys(username: str, ip: str) -> list[str]:
    name = hashlib.sha256((username or "").strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:user:{name}", f"login-fail:ip:{ip or '-'}"]


def client_ip(request) -> str:
    """The client's address. X-Forwarded-For is read only behind LOGIN_TRUSTED_PROXIES proxies,
    and from the right: the left part is whatever the client sent, so trusting it would let
    anyone dodge the address counter or lock out someone else's address."""
    proxies = getattr(settings, "LOGIN_TRUSTED_PROXIES", 0)
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def blocked_until(username: str, ip: str) -> datetime.datetime | None:
    """When sign-in may be tried again, or None when it may be tried now."""
    limit = settings.LOGIN_FAILURE_LIMIT
    now = timezone.now().timestamp()
    latest = None
    for key in _keys(username, ip):
        data = cache.get(key)
        if data and data["count"] >= limit and data["until"] > now:
            latest = max(latest or 0, data["until"])
    return datetime.datetime.fromtimestamp(latest, tz=datetime.UTC) if latest else None


def record_failure(username: str, ip: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    now = timezone.now().timestamp()
    for key in _keys(username, ip):
        data = cache.get(key)
        if not data or data["until"] <= now:
            data = {"count": 0, "until": now + window}
        data["count"] += 1
        cache.set(key, data, timeout=max(1, int(data["until"] - now) + 1))


def record_success(username: str) -> None:
    """A good password clears the account's counter; the address keeps its own."""
    cache.delete(_keys(username, "")[0])


def retry_message(until: datetime.datetime) -> str:
    local = timezone.localtime(until)
    minutes = max(1, int((until - timezone.now()).total_seconds() + 59) // 60)
    return f"登录失败次数过多，已暂停登录。请于 {local:%H:%M}（约 {minutes} 分钟后）再试，或联系学校管理员重置密码。"

"""The client's address, for the sign-in counters (accounts.throttle) and the security log (core.logs)."""

from django.conf import settings


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

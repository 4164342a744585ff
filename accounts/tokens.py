"""API tokens and the forced password change.

Tokens are django-rest-knox tokens: stored as a digest (never the key itself), expiring after
`API_TOKEN_TTL_HOURS`, issued only to accounts with `User.api_access` (the systems that push
feeds or integrate) and never to one that must still change its password. Every token of a
user is revoked when the password changes (by the user, by an admin's reset, in the Django
admin) and when the account is deactivated.

The forced password change is decided by one predicate, `password_change_required`, used by
the page middleware (sessions) and by the API's authentication classes (after DRF has
authenticated the request, whatever the header's spacing), so no route around it exists.
"""

from __future__ import annotations

import logging

from django.conf import settings
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.models import AuthToken
from rest_framework import exceptions
from rest_framework.authentication import (
    SessionAuthentication as DrfSessionAuthentication,
)

logger = logging.getLogger("jixiao.security")

FIRST_LOGIN_MESSAGE = "请先修改初始密码后再使用平台。"
INVALID_TOKEN = "令牌无效或已过期，请重新申请。"
NO_API_ACCESS = "该账号未开通 API 访问（仅对接平台的系统账号可申请令牌），请使用网页登录。"
CHANGE_FIRST = "请先登录网页修改初始密码，再申请 API 令牌。"


def password_change_required(user) -> bool:
    """The one rule: a signed-in account created or reset by an admin must first choose its
    own password; until then it may only change the password or sign out."""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and getattr(user, "must_change_password", False))


class PasswordChangeRequired(exceptions.PermissionDenied):
    default_detail = FIRST_LOGIN_MESSAGE
    default_code = "password_change_required"


def _enforce(result):
    if result is not None and password_change_required(result[0]):
        raise PasswordChangeRequired()
    return result


class TokenAuthentication(KnoxTokenAuthentication):
    """knox tokens ("Authorization: Token <key>"; DRF splits the header on any whitespace),
    with Chinese refusals and the forced password change applied to the user it finds."""

    def authenticate(self, request):
        try:
            result = super().authenticate(request)
        except exceptions.AuthenticationFailed:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN) from None
        return _enforce(result)

    def validate_user(self, auth_token):
        if not auth_token.user.is_active:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        return (auth_token.user, auth_token)


class SessionAuthentication(DrfSessionAuthentication):
    """A browser session on the API: the same predicate as the page middleware."""

    def authenticate(self, request):
        return _enforce(super().authenticate(request))


def token_issue(user) -> tuple[AuthToken, str]:
    """A new token for an account that may use the API. Raises PermissionDenied otherwise."""
    if password_change_required(user):
        raise exceptions.PermissionDenied(CHANGE_FIRST)
    if not user.api_access:
        raise exceptions.PermissionDenied(NO_API_ACCESS)
    # Old expired tokens of this user go; a limit keeps a leaked password from minting thousands.
    AuthToken.objects.filter(user=user, expiry__lt=_now()).delete()
    limit = settings.API_TOKEN_LIMIT_PER_USER
    live = AuthToken.objects.filter(user=user).order_by("-created")
    for stale in live[limit - 1:]:
        stale.delete()
    return AuthToken.objects.create(user=user)


def tokens_revoke(user, *, reason: str) -> int:
    """Every API token of the user stops working now."""
    count, _ = AuthToken.objects.filter(user=user).delete()
    if count:
        logger.info("api tokens revoked", extra={"event": "tokens_revoked", "user_id": user.pk, "reason": reason,
                                                 "count": count})
    return count


def _now():
    from django.utils import timezone

    return timezone.now()


def _register_schema_extensions() -> None:
    """drf-spectacular's extensions for the two classes above (their parents' match exactly)."""
    from drf_spectacular.authentication import SessionScheme
    from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme

    class TokenScheme(KnoxTokenScheme):
        target_class = "accounts.tokens.TokenAuthentication"
        name = "tokenAuth"

    class SessionCookieScheme(SessionScheme):
        target_class = "accounts.tokens.SessionAuthentication"


_register_schema_extensions()

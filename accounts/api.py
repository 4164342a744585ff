"""API tokens: 账号 + 密码 → an expiring token (DRF)."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.api import REFUSALS, ErrorSerializer

from . import throttle
from .tokens import token_issue


class TokenThrottle(AnonRateThrottle):
    """Guessing passwords through the token endpoint is as slow as through the login page."""

    rate = "10/minute"


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label="账号", max_length=150)
    password = serializers.CharField(label="密码", max_length=128, trim_whitespace=False,
                                     style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(label="令牌")
    expiry = serializers.DateTimeField(label="到期时间")


class ObtainTokenView(APIView):
    """账号 + 密码 → an expiring token, for the systems that call the API (feeds, integrations).
    Counted against the same failed-sign-in limits as the login page, so the API is no way
    around the lockout; only accounts with API access that need no password change get one."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes = [TokenThrottle]

    @extend_schema(summary="申请 API 令牌（仅开通 API 访问的系统账号）", request=TokenRequestSerializer,
                   responses={**REFUSALS, 200: TokenSerializer, 429: ErrorSerializer})
    def post(self, request, *args, **kwargs):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        ip = throttle.client_ip(request)
        until = throttle.refused_until(username, ip)
        if until is not None:
            return Response({"detail": throttle.retry_message(until)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        user = authenticate(request, username=username, password=data.validated_data["password"])
        if user is None:
            throttle.record_failure(username, ip)
            return Response({"detail": "账号或密码不正确。"}, status=status.HTTP_400_BAD_REQUEST)
        throttle.record_success(username)
        token, key = token_issue(user)
        return Response({"token": key, "expiry": token.expiry})

"""What every app's API shares: the id pattern of its routes, the error body and the refusals
each action documents (the body comes from core.handlers.api_exception_handler)."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

# A number too big for the database is "not found", never an overflow error.
ID_PATTERN = r"[0-9]{1,15}"


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


REFUSALS = {
    400: OpenApiResponse(ErrorSerializer, description="输入有误或不在办理时间内"),
    403: OpenApiResponse(ErrorSerializer, description="无权办理"),
    404: OpenApiResponse(ErrorSerializer, description="不存在或不在管理范围内"),
    409: OpenApiResponse(ErrorSerializer, description="该记录已被审核或状态已变化"),
}


def responses(ok):
    return {**REFUSALS, 200: ok}

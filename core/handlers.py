"""The two places a refusal becomes an answer: one for the API (DRF's EXCEPTION_HANDLER) and
one for the pages (a middleware for DomainError; handler403/404/500 in core.views).

Every text either handler returns is Chinese: a message without Chinese (Django's
"No CreditEntry matches the given query.", Python's JSON parser) is replaced by the
Chinese text for its status."""

from __future__ import annotations

import logging
import re

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from . import logs
from .errors import DomainError

_CJK = re.compile(r"[\u3400-\u9fff]")

# The Chinese answer for a status when the exception's own text is not Chinese.
STATUS_TEXTS = {
    400: "请求有误，请检查后重试。",
    401: "身份认证信息未提供或已失效，请重新登录。",
    403: "您没有执行该操作的权限。",
    404: "未找到该记录，或不在您的管理范围内。",
    405: "不支持该请求方式。",
    406: "无法按请求的格式返回内容。",
    409: "该记录已被他人处理或已变化，请刷新后查看。",
    413: "上传的内容过大。",
    415: "不支持该请求内容类型。",
    429: "请求过于频繁，请稍后再试。",
    500: "服务器出现错误，请稍后再试；如果问题持续，请联系管理员。",
}
PARSE_ERROR_TEXT = "请求内容无法解析：请提交有效的 JSON 或表单数据。"


def is_chinese(text) -> bool:
    return bool(text) and bool(_CJK.search(str(text)))


def chinese_or(text, status: int) -> str:
    """`text` when it is Chinese, otherwise the Chinese text for `status`."""
    return str(text) if is_chinese(text) else STATUS_TEXTS.get(status, STATUS_TEXTS[400])


def error_body(exc: DomainError) -> dict:
    body = {"detail": exc.message, "kind": exc.kind}
    if exc.reason != exc.kind:
        body["reason"] = exc.reason
    if exc.field:
        body["field"] = exc.field
    body.update(exc.details)
    return body


def _chinese_detail(data, status: int):
    """Replaces non-Chinese `detail` texts DRF produced itself (validation messages of fields
    are DRF's own translated texts and stay as they are)."""
    if isinstance(data, dict) and "detail" in data and not is_chinese(data["detail"]):
        data = {**data, "detail": STATUS_TEXTS.get(status, STATUS_TEXTS[400])}
    return data


def log_refusal(request, exc: DomainError) -> None:
    """A refusal as an event: its kind, reason and status, never its text (which may name a school
    or quote a masked 身份证号)."""
    fields = logs.request_fields(request) if request is not None else {}
    logs.event("refused", level=logging.WARNING, kind=exc.kind, reason=exc.reason, status=exc.status_code,
               error=type(exc).__name__, **fields)


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: a DomainError answers with its status, its Chinese message, its
    kind and field; everything else goes through DRF's own handler and is made Chinese."""
    from rest_framework import exceptions
    from rest_framework.response import Response
    from rest_framework.views import exception_handler

    request = context.get("request")
    if isinstance(exc, DomainError):
        log_refusal(request, exc)
        return Response(error_body(exc), status=exc.status_code)
    if isinstance(exc, Http404):
        message = exc.args[0] if exc.args else ""
        exc = exceptions.NotFound(chinese_or(message, 404))
    elif isinstance(exc, PermissionDenied):
        message = exc.args[0] if exc.args else ""
        exc = exceptions.PermissionDenied(chinese_or(message, 403))
    elif isinstance(exc, exceptions.ParseError) and not is_chinese(exc.detail):
        exc = exceptions.ParseError(PARSE_ERROR_TEXT)
    response = exception_handler(exc, context)
    if response is not None and response.status_code == 403 and request is not None:
        logs.event("permission_denied", level=logging.WARNING, status=403, **logs.request_fields(request))
    if response is not None:
        response.data = _chinese_detail(response.data, response.status_code)
    return response


class DomainErrorMiddleware:
    """A DomainError no page view caught becomes the site's error page with its message and
    status (403 forbidden, 404 not found, 409 conflict, 400 invalid)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        log_refusal(request, exception)
        if request.path.startswith("/api/"):
            from django.http import JsonResponse

            return JsonResponse(error_body(exception), status=exception.status_code)
        return error_page(request, exception.status_code, exception.message)


TITLES = {400: "无法办理", 403: "没有权限", 404: "页面不存在", 409: "记录已变化", 500: "服务器错误"}


def error_page(request, status: int, message: str = ""):
    return render(request, "error.html", {
        "status": status, "title": TITLES.get(status, "无法办理"), "message": chinese_or(message, status),
    }, status=status)


DATABASE_DOWN_TEXT = "数据库暂时无法连接，请稍后再试；如果问题持续，请联系管理员。"


class DatabaseUnavailableMiddleware:
    """A lost or refused database connection answers 503 in Chinese (a plain page: the layout
    itself reads the database), never a traceback; Django drops the broken connection at the
    end of the request, and CONN_HEALTH_CHECKS makes the next request check before using one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import InterfaceError, OperationalError

        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        import logging

        logging.getLogger(__name__).error("database unavailable: %s", exception.__class__.__name__)
        return database_unavailable(request)


def database_unavailable(request):
    from django.http import HttpResponse, JsonResponse
    from django.template import loader

    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": DATABASE_DOWN_TEXT, "kind": "unavailable"}, status=503)
    else:
        html = loader.render_to_string("500_plain.html", {"message": DATABASE_DOWN_TEXT, "title": "暂时无法访问"})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = "30"
    return response


class RequestSizeLimitMiddleware:
    """Refuses a request whose declared body exceeds REQUEST_MAX_BYTES with a Chinese 413, before
    Django reads or spools any of it (the proxy in front refuses the same size first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            from django.http import HttpResponse, JsonResponse

            limit = settings.REQUEST_MAX_BYTES // (1024 * 1024)
            message = f"提交的内容过大（上限 {limit}MB），请压缩或分批上传。"
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "kind": "invalid"}, status=413)
            from django.template import loader

            html = loader.render_to_string("500_plain.html", {"message": message, "title": "内容过大"})
            return HttpResponse(html, status=413)
        return self.get_response(request)


class HealthCheckMiddleware:
    """/healthz/ answered first, before host validation and the HTTPS redirect: the container's
    and the proxy's healthchecks call it on 127.0.0.1 over plain HTTP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz/":
            from .views import healthz

            return healthz(request)
        return self.get_response(request)

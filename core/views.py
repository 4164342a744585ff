"""The site's own error pages (handler403/404/500, the CSRF failure view): Chinese, inside the
site's layout, with the message and a way back. The API's /api/… paths answer JSON."""

import logging

from django.http import HttpResponse, JsonResponse
from django.template import loader

from . import logs
from .handlers import STATUS_TEXTS, chinese_or, error_page

logger = logging.getLogger(__name__)


def _message(exception) -> str:
    return exception.args[0] if exception is not None and getattr(exception, "args", None) else ""


def _answer(request, status: int, message: str):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": chinese_or(message, status)}, status=status)
    return error_page(request, status, message)


def bad_request(request, exception=None):
    return _answer(request, 400, _message(exception))


def permission_denied(request, exception=None):
    logs.event("permission_denied", level=logging.WARNING, status=403, **logs.request_fields(request))
    return _answer(request, 403, _message(exception))


def page_not_found(request, exception=None):
    return _answer(request, 404, _message(exception))


def server_error(request):
    import sys

    from django.db import InterfaceError, OperationalError

    # Called while the exception is being handled: a lost database is a 503, said plainly.
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        from .handlers import database_unavailable

        return database_unavailable(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": STATUS_TEXTS[500]}, status=500)
    try:
        return error_page(request, 500)
    except Exception:  # the layout itself failed (e.g. the database is down): a plain page
        logger.exception("error page failed")
        html = loader.render_to_string("500_plain.html", {"message": STATUS_TEXTS[500]})
        return HttpResponse(html, status=500)


def csrf_failure(request, reason=""):
    return _answer(request, 403, "页面已过期或请求来源无法验证，请刷新页面后重试。")


def healthz(request):
    """For the proxy's and compose's healthchecks: 200 when the database answers, else 503."""
    from django.db import connection

    from .handlers import database_unavailable

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return database_unavailable(request)
    return HttpResponse("ok", content_type="text/plain")

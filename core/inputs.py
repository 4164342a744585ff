"""What no input may carry: control characters (NUL first of all: PostgreSQL refuses it in
text, so a `?q=%00` became a 500) anywhere in a query, a form or an API body, and format
characters (zero-width space, joiners, direction marks) in names, where they make two spellings
of one name.

`ControlCharacterMiddleware` refuses such a request before any view runs, with a Chinese 400
(a page, or JSON under /api/). Tab, line feed and carriage return stay allowed (text areas).
"""

from __future__ import annotations

import json
import re
import unicodedata

# C0 controls but \t \n \r, DEL, and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MESSAGE = "提交的内容含有不允许的控制字符（如 NUL、退格等不可见字符），请删除后重试。"
# JSON bodies larger than this are not walked here (DRF's own limits and the proxy cap them).
_JSON_WALK_LIMIT = 2 * 1024 * 1024


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text))


def strip_format_characters(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _json_has_control(value) -> bool:
    if isinstance(value, str):
        return has_control_characters(value)
    if isinstance(value, dict):
        return any(_json_has_control(k) or _json_has_control(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_json_has_control(v) for v in value)
    return False


def request_has_control_characters(request) -> bool:
    if has_control_characters(request.path):
        return True
    for key, values in request.GET.lists():
        if has_control_characters(key) or any(has_control_characters(v) for v in values):
            return True
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        content_type = request.content_type or ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, values in request.POST.lists():
                if has_control_characters(key) or any(has_control_characters(v) for v in values):
                    return True
            for upload in request.FILES.values():
                if has_control_characters(upload.name or ""):
                    return True
        elif content_type.endswith("json"):
            length = int(request.META.get("CONTENT_LENGTH") or 0)
            if 0 < length <= _JSON_WALK_LIMIT:
                try:
                    return _json_has_control(json.loads(request.body))
                except (ValueError, UnicodeDecodeError):
                    return False  # not JSON: the parser answers that itself
    return False


class ControlCharacterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request_has_control_characters(request):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse({"detail": MESSAGE, "kind": "invalid"}, status=400)
            from .handlers import error_page

            return error_page(request, 400, MESSAGE)
        return self.get_response(request)

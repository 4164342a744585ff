"""The site's URLs plus a few that fail on purpose, to see each kind of error answered."""

from django.urls import include, path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from core.errors import DomainError


def boom(request):
    raise RuntimeError("a server error on purpose")


def refuse(request, kind):
    raise DomainError(f"测试拒绝：{kind}", kind=kind, field="quantity")


@api_view(["GET", "POST"])
@permission_classes([AllowAny])
def api_refuse(request, kind):
    raise DomainError(f"测试拒绝：{kind}", kind=kind, field="quantity")


@api_view(["POST"])
@permission_classes([AllowAny])
def api_echo(request):
    return {"ok": bool(request.data)}


urlpatterns = [
    path("test-boom/", boom),
    path("test-refuse/<str:kind>/", refuse),
    path("api/test-refuse/<str:kind>/", api_refuse),
    path("api/test-echo/", api_echo),
    path("", include("jixiao.urls")),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

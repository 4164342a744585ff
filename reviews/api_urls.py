from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("entries", api.EntryViewSet, basename="entry")
router.register("evidence", api.EvidenceViewSet, basename="evidence")
router.register("rosters", api.RosterViewSet, basename="roster")
router.register("feeds", api.FeedViewSet, basename="feed")
router.register("items", api.CreditItemViewSet, basename="item")

urlpatterns = [
    # 账号 + 密码 → token, for systems that call the API (the feeds) without a browser session.
    path("token/", api.ObtainTokenView.as_view(), name="api-token"),
    re_path(r"^teachers/(?P<teacher_id>[0-9]{1,15})/totals/$", api.TeacherTotalsView.as_view(), name="teacher-totals"),
    path("me/totals/", api.MyTotalsView.as_view(), name="my-totals"),
    path("windows/extend/", api.WindowExtensionView.as_view(), name="window-extend"),
    *router.urls,
]

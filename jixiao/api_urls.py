"""The REST API's routes: each app's viewsets and views (its api.py, next to its services) on one router."""

from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from credits import api as credits_api
from reviews import api as reviews_api

router = DefaultRouter()
router.register("entries", reviews_api.EntryViewSet, basename="entry")
router.register("evidence", reviews_api.EvidenceViewSet, basename="evidence")
router.register("rosters", reviews_api.RosterViewSet, basename="roster")
router.register("feeds", reviews_api.FeedViewSet, basename="feed")
router.register("items", credits_api.CreditItemViewSet, basename="item")

urlpatterns = [
    # 账号 + 密码 → token, for systems that call the API (the feeds) without a browser session.
    path("token/", accounts_api.ObtainTokenView.as_view(), name="api-token"),
    re_path(r"^teachers/(?P<teacher_id>[0-9]{1,15})/totals/$", credits_api.TeacherTotalsView.as_view(),
            name="teacher-totals"),
    path("me/totals/", credits_api.MyTotalsView.as_view(), name="my-totals"),
    path("windows/extend/", reviews_api.WindowExtensionView.as_view(), name="window-extend"),
    *router.urls,
]

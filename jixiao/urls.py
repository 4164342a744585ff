from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.forms import AdminLoginForm
from certificates import views as certificate_views
from core import views as core_views

from . import help, views

admin.site.site_header = "成都市中小学教师继续教育学分平台 · 管理后台"
admin.site.site_title = "继教学分平台管理后台"
admin.site.index_title = "市教科院教师发展研究所"
# The admin's own login page would otherwise let anyone guess staff passwords unthrottled.
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", help.help_page, name="help"),
    # Browsers ask for /favicon.ico on their own, whatever the page links.
    path("favicon.ico", help.favicon),
    path("healthz/", core_views.healthz, name="healthz"),
    path("jobs/<int:pk>/", views.job_status, name="job_status"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("accounts/", include("accounts.urls")),
    path("credits/", include("credits.urls")),
    path("reviews/", include("reviews.urls")),
    path("", include("reports.urls")),  # /reports/…, and reports pages that kept their /reviews/ and /sealing/ paths
    path("certificates/", include("certificates.urls")),
    path("verify/", certificate_views.verify, name="verify_form"),
    path("verify/<str:code>/", certificate_views.verify, name="verify"),
    path("audits/", include("audits.urls")),
    path("sealing/", include("sealing.urls")),
    path("api/", include("jixiao.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

# The site's own error pages: Chinese, in the site's layout, with the message and a way back.
handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

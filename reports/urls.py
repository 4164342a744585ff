from django.urls import include, path

from . import views

app_name = "reports"

# The 审证 package under /reports/. The compliance page and the dashboards were the reviews app's
# pages, the 学年档案 the sealing app's: they keep their addresses (users have bookmarks), hence
# the include at "".
urlpatterns = [
    path("reports/", include([
        path("", views.index, name="index"),
        path("precheck/", views.precheck_page, name="precheck"),
        path("statement.pdf", views.statement, name="statement"),
        path("statements.pdf", views.statements, name="statements"),
        path("submission/", views.submission, name="submission"),
        path("form3/", views.form3, name="form3"),
        path("form2/", views.form2_page, name="form2"),
        path("form2.pdf", views.form2_pdf, name="form2_pdf"),
        path("form2/scans/<int:pk>/", views.form2_scan, name="form2_scan"),
        path("roster-template.xlsx", views.roster_template, name="roster_template"),
        path("compliance.xlsx", views.compliance_export, name="compliance_export"),
        path("district-submission.xlsx", views.district_submission, name="district_submission"),
        path("package/", views.package, name="package"),
        path("package/<int:pk>/download/", views.package_download, name="package_download"),
        path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    ])),
    path("reviews/compliance/", views.compliance, name="compliance"),
    path("reviews/dashboard/", views.dashboard, name="dashboard"),
    path("sealing/archive/", views.archive, name="archive"),
    path("sealing/archive/<int:pk>/download/", views.archive_download, name="archive_download"),
]

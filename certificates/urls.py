from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("applications/", views.applications, name="applications"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("planner/", views.planner, name="planner"),
]

urlpatterns += [
    path("issue/", views.issue_list, name="issue_list"),
    path("issue/download.zip", views.school_zip, name="school_zip"),
    path("issue/merged.pdf", views.school_merged, name="school_merged"),
    path("<int:pk>/", views.certificate_detail, name="certificate_detail"),
    path("<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
]

urlpatterns += [
    path("statements/", views.statements, name="statements"),
    path("statements/<int:start_year>/pdf/", views.statement_pdf, name="statement_pdf"),
]

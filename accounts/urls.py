from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("profile/", views.profile, name="profile"),
    path("teachers/", views.teacher_list, name="teacher_list"),
    path("teachers/add/", views.teacher_add, name="teacher_add"),
    path("teachers/import/", views.teacher_import, name="teacher_import"),
    path("teachers/import/template.xlsx", views.teacher_import_template, name="teacher_import_template"),
    path("teachers/import/<int:pk>/", views.teacher_import_job, name="teacher_import_job"),
    path("teachers/import/<int:pk>/passwords/", views.teacher_import_passwords, name="teacher_import_passwords"),
    path("teachers/import/<int:pk>/resume/", views.teacher_import_resume, name="teacher_import_resume"),
    path("teachers/<int:pk>/", views.teacher_detail, name="teacher_detail"),
    path("teachers/<int:pk>/edit/", views.teacher_edit, name="teacher_edit"),
    path("teachers/<int:pk>/deactivate/", views.teacher_deactivate, name="teacher_deactivate"),
    path("teachers/<int:pk>/reactivate/", views.teacher_reactivate, name="teacher_reactivate"),
    path("teachers/<int:pk>/transfer/", views.teacher_transfer, name="teacher_transfer"),
    path("teachers/<int:pk>/reset-password/", views.teacher_reset_password, name="teacher_reset_password"),
    path("approvals/", views.account_approvals, name="account_approvals"),
    path("approvals/<int:pk>/approve/", views.account_approve, name="account_approve"),
    path("approvals/<int:pk>/reject/", views.account_reject, name="account_reject"),
    path("changes/", views.change_requests, name="change_requests"),
    path("changes/new/", views.change_request_new, name="change_request_new"),
    path("changes/<int:pk>/check/", views.change_request_check, name="change_request_check"),
    path("changes/<int:pk>/decide/", views.change_request_decide, name="change_request_decide"),
]

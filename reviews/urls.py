from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("entries/", views.my_entries, name="my_entries"),
    path("entries/register/", views.entry_register, name="entry_register"),
    path("entries/declare/", views.entry_declare, name="entry_declare"),
    path("entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("entries/<int:pk>/explain/", views.entry_explain, name="entry_explain"),
    path("entries/<int:pk>/review/<slug:step>/", views.entry_review, name="entry_review"),
    path("entries/<int:pk>/withdraw/", views.entry_withdraw, name="entry_withdraw"),
    path("entries/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("form2/", views.form2, name="form2"),
    path("queue/<slug:step>/", views.queue, name="queue"),
    path("register/", views.admin_register, name="admin_register"),
    path("schedule/", views.schedule, name="schedule"),
    path("rosters/", views.rosters, name="rosters"),
    path("rosters/template.xlsx", views.roster_template, name="roster_template"),
    path("rosters/<int:pk>/", views.roster_detail, name="roster_detail"),
]

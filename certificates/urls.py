from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("applications/", views.applications, name="applications"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("planner/", views.planner, name="planner"),
]

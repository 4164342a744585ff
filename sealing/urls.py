from django.urls import path

from . import views

app_name = "sealing"

urlpatterns = [
    path("", views.console, name="console"),
    path("<int:pk>/progress/", views.progress, name="progress"),
]

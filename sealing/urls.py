from django.urls import path

from . import views

app_name = "sealing"

urlpatterns = [
    path("", views.console, name="console"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("archive/", views.archive, name="archive"),
    path("archive/<int:pk>/download/", views.archive_download, name="archive_download"),
]

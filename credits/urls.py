from django.urls import path

from . import views

app_name = "credits"

urlpatterns = [
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/unconfirmed/", views.unconfirmed, name="unconfirmed"),
    path("preview/", views.preview, name="preview"),
]

from django.urls import path

from . import views

app_name = "audits"

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
    path("schedule/", views.schedule_edit, name="schedule_edit"),
    path("hand-in/", views.hand_in, name="hand_in"),
    path("hand-ins/", views.hand_ins, name="hand_ins"),
    path("hand-ins/<int:pk>/", views.hand_in_detail, name="hand_in_detail"),
    path("check/", views.check, name="check"),
]

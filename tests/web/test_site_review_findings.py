"""Defects found in review of the site-wide pages (jixiao/views.py); each failed before its fix."""

import pytest
from django.urls import reverse

from accounts.models import Notification

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/login", "/\\evil.example"])
def test_marking_a_notification_read_does_not_redirect_off_site(teacher_client, target):
    client, user = teacher_client
    note = Notification.objects.create(recipient=user, title="账号已审核")
    response = client.post(reverse("notification_read", args=[note.pk]), {"next": target})
    assert response.status_code == 302 and response.url == reverse("notifications")


def test_marking_a_notification_read_keeps_a_local_next(teacher_client):
    client, user = teacher_client
    note = Notification.objects.create(recipient=user, title="账号已审核")
    response = client.post(reverse("notification_read", args=[note.pk]), {"next": "/notifications/?show=unread"})
    assert response.url == "/notifications/?show=unread"


def test_following_a_notification_never_leaves_the_site(teacher_client):
    client, user = teacher_client
    note = Notification.objects.create(recipient=user, title="外链", url="https://evil.example/")
    response = client.post(reverse("notification_read", args=[note.pk]), {"follow": "1"})
    assert response.url == reverse("notifications")


@pytest.mark.parametrize("year", ["99999999999999999999", "２０１８", "abc"])
def test_home_with_an_odd_year_parameter_is_a_404_not_a_server_error(teacher_client, year):
    client, _ = teacher_client
    assert client.get(reverse("home"), {"year": year}).status_code == 404

import pytest
from django.urls import reverse

from accounts.models import Notification
from tests.factories import TeacherProfileFactory

pytestmark = pytest.mark.django_db


def test_unread_count_shows_in_the_top_bar(teacher_client):
    client, user = teacher_client
    Notification.objects.create(recipient=user, title="您的登记被退回")
    Notification.objects.create(recipient=user, title="已读的", read_at="2018-01-01T00:00:00+08:00")
    html = client.get(reverse("notifications")).content.decode()
    assert 'data-testid="unread-count">1<' in html
    assert "您的登记被退回" in html


def test_marking_one_read_lowers_the_count(teacher_client):
    client, user = teacher_client
    note = Notification.objects.create(recipient=user, title="账号已审核")
    client.post(reverse("notification_read", args=[note.pk]))
    note.refresh_from_db()
    assert note.read_at is not None


def test_following_a_notification_opens_its_link(teacher_client):
    client, user = teacher_client
    note = Notification.objects.create(recipient=user, title="退回", url="/notifications/?show=unread")
    response = client.post(reverse("notification_read", args=[note.pk]), {"follow": "1"})
    assert response.status_code == 302 and response.url == "/notifications/?show=unread"


def test_nobody_can_mark_another_users_notification(teacher_client):
    client, _ = teacher_client
    other = TeacherProfileFactory().user
    note = Notification.objects.create(recipient=other, title="别人的")
    assert client.post(reverse("notification_read", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_read_all_marks_only_own_notifications(teacher_client):
    client, user = teacher_client
    other = TeacherProfileFactory().user
    Notification.objects.create(recipient=user, title="一")
    Notification.objects.create(recipient=user, title="二")
    theirs = Notification.objects.create(recipient=other, title="别人的")
    client.post(reverse("notifications_read_all"))
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_unread_filter_and_search(teacher_client):
    client, user = teacher_client
    Notification.objects.create(recipient=user, title="登记被退回")
    Notification.objects.create(recipient=user, title="账号已审核", read_at="2018-01-01T00:00:00+08:00")
    html = client.get(reverse("notifications"), {"show": "unread"}).content.decode()
    assert "登记被退回" in html and "账号已审核" not in html
    html = client.get(reverse("notifications"), {"q": "账号"}).content.decode()
    assert "账号已审核" in html and "登记被退回" not in html


def test_the_list_paginates(teacher_client):
    client, user = teacher_client
    for i in range(25):
        Notification.objects.create(recipient=user, title=f"通知{i}")
    html = client.get(reverse("notifications")).content.decode()
    assert html.count('data-testid="notification"') == 20 and "第 1 / 2 页" in html

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


def test_job_progress_never_repeats_initial_passwords(client, django_capture_on_commit_callbacks):
    """The initial passwords of an import are handed out once, as a download; the progress poll
    must not serve them too."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from accounts import services
    from accounts.models import Role, Stage
    from tests.factories import SchoolFactory, UserFactory, grant, make_id_number

    school = SchoolFactory(stages=[Stage.PRIMARY])
    admin = grant(UserFactory(username="imp_admin"), Role.SCHOOL_ADMIN, school=school)
    admin.save()
    wb = Workbook()
    wb.active.append(["姓名*", "性别*", "身份证号*", "学段*"])
    wb.active.append(["导入教师", "女", make_id_number(5, birth="19900101"), "小学"])
    buf = io.BytesIO()
    wb.save(buf)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.teachers_import_excel(actor=admin, school=school,
                                             upload=SimpleUploadedFile("t.xlsx", buf.getvalue()))
    job.refresh_from_db()
    from core import vault

    waiting = job.initial_passwords.get()
    password = vault.unseal(waiting.secret)
    assert password and waiting.user.check_password(password)
    client.force_login(admin)
    data = client.get(reverse("job_status", args=[job.pk])).json()
    assert data["status"] == "done" and data["result"]["created"] == 1
    assert "passwords" not in data["result"]
    assert password not in str(data) and waiting.secret not in str(data)


def test_home_with_a_superscript_digit_year_is_a_404(teacher_client):
    """'²'.isdigit() is True but int('²') fails: such input must not become a server error."""
    client, _ = teacher_client
    assert client.get(reverse("home"), {"year": "²"}).status_code == 404


def test_pages_refuse_framing(teacher_client):
    client, _ = teacher_client
    assert client.get(reverse("home")).headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("name,args", [("notifications_read_all", ()), ("accounts:logout", ())])
def test_posts_without_a_csrf_token_are_refused(name, args):
    from django.test import Client

    from tests.factories import TeacherProfileFactory

    profile = TeacherProfileFactory()
    profile.user.save()
    note = Notification.objects.create(recipient=profile.user, title="未读")
    client = Client(enforce_csrf_checks=True)
    client.force_login(profile.user)
    assert client.post(reverse(name, args=args)).status_code == 403
    note.refresh_from_db()
    assert note.read_at is None and "_auth_user_id" in client.session

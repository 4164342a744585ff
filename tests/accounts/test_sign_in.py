"""Sign-in by 账号, forced change of the initial password, throttled failures, logout."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts import services
from accounts.models import AccountEvent
from tests.factories import make_id_number

LOGIN = "accounts:login"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def new_teacher(admin_a, school_a):
    return services.teacher_create(actor=admin_a, school=school_a, name="新老师", gender="male",
                                   id_number=make_id_number(300), stage="primary")


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse(LOGIN), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_by_account_name(client, teacher_a):
    teacher_a.user.set_password("Correct-horse-9")
    teacher_a.user.save()
    response = _login(client, teacher_a.user.username, "Correct-horse-9")
    assert response.status_code == 302 and response.url == reverse("home")


def test_first_login_is_sent_to_change_the_password(client, new_teacher):
    _login(client, new_teacher.profile.user.username, new_teacher.password)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:password_change"))
    assert client.get(reverse("accounts:password_change")).status_code == 200


def test_changing_the_initial_password_lifts_the_block_and_is_recorded(client, new_teacher):
    user = new_teacher.profile.user
    _login(client, user.username, new_teacher.password)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": new_teacher.password, "new_password1": "Jixiao-2018-ok", "new_password2": "Jixiao-2018-ok"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password("Jixiao-2018-ok")
    assert client.get(reverse("accounts:profile")).status_code == 200
    event = AccountEvent.objects.get(user=user, action="password_changed")
    assert event.comment == "首次登录修改初始密码"


def test_weak_new_password_is_refused_in_place(client, new_teacher):
    user = new_teacher.profile.user
    _login(client, user.username, new_teacher.password)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": new_teacher.password, "new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200 and response.context["form"].errors["new_password2"]
    user.refresh_from_db()
    assert user.must_change_password


def test_repeated_failures_block_the_account_with_a_retry_time(client, teacher_a, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    teacher_a.user.set_password("Correct-horse-9")
    teacher_a.user.save()
    for i in range(3):
        _login(client, teacher_a.user.username, "wrong", ip=f"10.0.0.{i}")
    # Even the right password is refused now, from any address.
    response = _login(client, teacher_a.user.username, "Correct-horse-9", ip="10.9.9.9")
    assert response.status_code == 200
    message = str(response.context["form"].non_field_errors())
    assert "登录失败次数过多" in message and "再试" in message
    assert "_auth_user_id" not in client.session


def test_repeated_failures_from_one_address_block_that_address(client, teacher_a, teacher_b, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    teacher_b.user.set_password("Correct-horse-9")
    teacher_b.user.save()
    for name in ("a1", "a2", "a3"):
        _login(client, name, "wrong", ip="10.1.1.1")
    assert "登录失败次数过多" in str(_login(client, teacher_b.user.username, "Correct-horse-9", ip="10.1.1.1").context["form"].non_field_errors())
    assert _login(client, teacher_b.user.username, "Correct-horse-9", ip="10.2.2.2").status_code == 302


def test_block_ends_after_the_window(client, teacher_a, settings, monkeypatch):
    from django.utils import timezone

    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 600
    teacher_a.user.set_password("Correct-horse-9")
    teacher_a.user.save()
    for _ in range(2):
        _login(client, teacher_a.user.username, "wrong")
    later = timezone.now() + datetime.timedelta(seconds=601)
    monkeypatch.setattr("accounts.throttle.timezone.now", lambda: later)
    assert _login(client, teacher_a.user.username, "Correct-horse-9").status_code == 302


def test_success_resets_the_account_counter(client, teacher_a, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    teacher_a.user.set_password("Correct-horse-9")
    teacher_a.user.save()
    _login(client, teacher_a.user.username, "wrong", ip="10.0.0.7")
    _login(client, teacher_a.user.username, "wrong", ip="10.0.0.8")
    assert _login(client, teacher_a.user.username, "Correct-horse-9", ip="10.0.0.9").status_code == 302
    client.post(reverse("accounts:logout"))
    _login(client, teacher_a.user.username, "wrong", ip="10.0.0.10")
    assert _login(client, teacher_a.user.username, "Correct-horse-9", ip="10.0.0.11").status_code == 302


def test_deactivated_account_cannot_sign_in(client, teacher_a, admin_a):
    teacher_a.user.set_password("Correct-horse-9")
    teacher_a.user.save()
    services.teacher_deactivate(actor=admin_a, profile=teacher_a, reason="退休")
    response = _login(client, teacher_a.user.username, "Correct-horse-9")
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_logout_is_post_only(client, teacher_a):
    client.force_login(teacher_a.user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_admin_pages_are_in_chinese_and_audit_is_read_only(client, teacher_a, admin_a, db):
    from accounts.models import User

    staff = User.objects.create_superuser("boss", password="Boss-pass-2018")
    services.teacher_password_reset(actor=admin_a, profile=teacher_a)
    client.force_login(staff)
    for url in ["/admin/", "/admin/accounts/teacherprofile/", "/admin/accounts/accountevent/",
                "/admin/accounts/school/", "/admin/accounts/user/", "/admin/accounts/profilechangerequest/",
                f"/admin/accounts/teacherprofile/{teacher_a.pk}/change/"]:
        response = client.get(url, {"q": "甲"} if url.endswith("teacherprofile/") else None)
        assert response.status_code == 200, url
    assert "教师信息" in client.get("/admin/").content.decode()
    event = AccountEvent.objects.first()
    assert client.post(f"/admin/accounts/accountevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AccountEvent.objects.filter(pk=event.pk).exists()


def test_profile_edited_in_the_admin_is_recorded(client, teacher_a, db):
    from accounts.models import User

    staff = User.objects.create_superuser("boss2", password="Boss-pass-2018")
    client.force_login(staff)
    url = f"/admin/accounts/teacherprofile/{teacher_a.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("user", "created_at", "updated_at")}
    data.update(school=teacher_a.school_id, subject="体育", is_head_teacher="", is_new_teacher="",
                is_new_principal="")
    data = {k: v for k, v in data.items() if v != ""}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AccountEvent.objects.get(user=teacher_a.user, action="changed")
    assert (event.before["subject"], event.after["subject"], event.actor) == ("语文", "体育", staff)


@pytest.mark.parametrize("proxies,forwarded,expected", [
    (0, "1.1.1.1", "10.0.0.5"),             # no proxy: the header is the client's own and ignored
    (1, "6.6.6.6, 1.1.1.1", "1.1.1.1"),     # one proxy: the address it appended
    (2, "6.6.6.6, 1.1.1.1, 10.0.0.2", "1.1.1.1"),
    (1, "", "10.0.0.5"),
])
def test_client_address_for_the_throttle(rf, settings, proxies, forwarded, expected):
    from accounts.throttle import client_ip

    settings.LOGIN_TRUSTED_PROXIES = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected

"""Review findings on sign-in: the forced change of an initial password holds everywhere."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts import services
from tests.factories import make_id_number


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def new_teacher(admin_a, school_a):
    return services.teacher_create(actor=admin_a, school=school_a, name="新老师", gender="male",
                                   id_number=make_id_number(301), stage="primary")


def _login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password},
                       REMOTE_ADDR="10.0.0.1")


def test_forced_password_change_cannot_be_bypassed_through_the_api(client, new_teacher):
    _login(client, new_teacher.profile.user.username, new_teacher.password)
    assert "_auth_user_id" in client.session
    for url in ("/api/entries/", "/api/me/totals/", "/api/items/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "修改初始密码" in response.json()["detail"]


def test_api_works_again_after_the_password_is_changed(client, new_teacher):
    _login(client, new_teacher.profile.user.username, new_teacher.password)
    client.post(reverse("accounts:password_change"), {
        "old_password": new_teacher.password, "new_password1": "Jixiao-2018-ok", "new_password2": "Jixiao-2018-ok"})
    assert client.get("/api/items/").status_code == 200


@pytest.mark.parametrize("separator", [" ", "\t", "  ", " \t "])
def test_forced_password_change_holds_for_api_tokens_whatever_the_spacing(client, new_teacher, separator):
    """The header was once parsed by the middleware with partition(" "): a tab between
    "Token" and the key slipped past it while DRF still authenticated the request."""
    from knox.models import AuthToken

    from credits.models import CreditEntry

    _, key = AuthToken.objects.create(user=new_teacher.profile.user)
    before = CreditEntry.objects.count()
    for method, url in (("get", "/api/items/"), ("get", "/api/me/totals/"), ("post", "/api/entries/")):
        response = getattr(client, method)(url, HTTP_AUTHORIZATION=f"Token{separator}{key}")
        assert response.status_code == 403, (url, separator)
        assert "修改初始密码" in response.json()["detail"]
    assert CreditEntry.objects.count() == before


# --- the failed-login throttle ----------------------------------------------------------------


def test_a_school_behind_one_address_is_not_locked_out_by_a_few_typos(client, teacher_a, settings):
    """Teachers of one school share the school's internet address: five colleagues mistyping
    once each must not lock the whole school out."""
    settings.LOGIN_FAILURE_LIMIT = 5
    teacher_a.user.set_password("Correct-horse-9")
    teacher_a.user.save()
    for n in range(5):
        _login(client, f"colleague{n}", "typo")
    assert _login(client, teacher_a.user.username, "Correct-horse-9").status_code == 302


def test_many_failures_from_one_address_still_block_it(client, teacher_a, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    teacher_a.user.set_password("Correct-horse-9")
    teacher_a.user.save()
    for n in range(8):
        _login(client, f"guess{n}", "wrong")
    response = _login(client, teacher_a.user.username, "Correct-horse-9")
    assert response.status_code == 200 and "登录失败次数过多" in str(response.context["form"].non_field_errors())


def test_failures_counted_at_the_same_moment_are_all_counted(settings, monkeypatch):
    """Guesses sent in parallel: a read-then-write counter lets each one overwrite the others'."""
    from accounts import throttle

    settings.LOGIN_FAILURE_LIMIT = 2
    real = throttle.cache

    class Interleaved:
        """Runs a second, concurrent failure right after this request's first cache call."""

        def __init__(self):
            self.fired = False

        def __getattr__(self, name):
            method = getattr(real, name)

            def call(*args, **kwargs):
                result = method(*args, **kwargs)
                if not self.fired:
                    self.fired = True
                    monkeypatch.setattr(throttle, "cache", real)
                    throttle.record_failure("victim", "10.7.7.7")
                    monkeypatch.setattr(throttle, "cache", self)
                return result

            return call

    monkeypatch.setattr(throttle, "cache", Interleaved())
    throttle.record_failure("victim", "10.7.7.7")
    monkeypatch.setattr(throttle, "cache", real)
    assert throttle.blocked_until("victim", "10.8.8.8") is not None


def test_login_never_redirects_off_site(client, teacher_a):
    teacher_a.user.set_password("Correct-horse-9")
    teacher_a.user.save()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        client.post(reverse("accounts:logout"))
        response = client.post(reverse("accounts:login") + f"?next={target}",
                               {"username": teacher_a.user.username, "password": "Correct-horse-9"},
                               REMOTE_ADDR="10.0.0.1")
        assert response.status_code == 302 and response.url == reverse("home"), target


def test_a_deactivated_teacher_is_signed_out_of_open_sessions(client, teacher_a, admin_a):
    client.force_login(teacher_a.user)
    services.teacher_deactivate(actor=admin_a, profile=teacher_a, reason="退休")
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_a_password_reset_by_the_admin_ends_the_teachers_open_sessions(client, teacher_a, admin_a):
    client.force_login(teacher_a.user)
    services.teacher_password_reset(actor=admin_a, profile=teacher_a)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_the_admin_login_is_throttled_like_the_site_login(client, city, settings):
    """City staff sign in to the Django admin too; their passwords must not be open to guessing."""
    settings.LOGIN_FAILURE_LIMIT = 3
    city.is_staff = True
    city.set_password("Correct-horse-9")
    city.save()
    for _ in range(3):
        client.post("/admin/login/", {"username": city.username, "password": "wrong"}, REMOTE_ADDR="10.3.3.3")
    response = client.post("/admin/login/", {"username": city.username, "password": "Correct-horse-9"},
                           REMOTE_ADDR="10.4.4.4")
    assert response.status_code == 200 and "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_site_login_failures_count_for_the_admin_login_too(client, city, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    city.is_staff = True
    city.set_password("Correct-horse-9")
    city.save()
    for _ in range(3):
        _login(client, city.username, "wrong")
    client.post("/admin/login/", {"username": city.username, "password": "Correct-horse-9"}, REMOTE_ADDR="10.4.4.4")
    assert "_auth_user_id" not in client.session


def test_a_signed_in_user_sent_back_to_the_login_page_gets_home_not_a_server_error(client, teacher_a):
    client.force_login(teacher_a.user)
    response = client.get(reverse("accounts:login"), {"next": reverse("accounts:login")})
    assert response.status_code == 302 and response.url == reverse("home")


def test_pages_that_show_an_initial_password_are_not_cached(client, admin_a, teacher_a):
    client.force_login(admin_a)
    response = client.post(reverse("accounts:teacher_reset_password", args=[teacher_a.pk]))
    assert response.status_code == 200 and "no-store" in response.headers.get("Cache-Control", "")
    response = client.post(reverse("accounts:teacher_add"), {
        "name": "新老师", "gender": "male", "id_number": make_id_number(302), "stage": "primary", "title": "none"})
    assert response.status_code == 200 and "no-store" in response.headers.get("Cache-Control", "")


def test_the_forced_change_cannot_keep_the_initial_password(client, new_teacher):
    """The school admin knows the initial password; keeping it would defeat the forced change."""
    user = new_teacher.profile.user
    _login(client, user.username, new_teacher.password)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": new_teacher.password, "new_password1": new_teacher.password,
        "new_password2": new_teacher.password})
    assert response.status_code == 200 and "不能与原密码相同" in str(response.context["form"].errors)
    user.refresh_from_db()
    assert user.must_change_password

"""API tokens: hashed, expiring, only for accounts with API access, revoked when the password
changes (own change, admin reset, Django admin) or the account is deactivated."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import services
from accounts.models import AccountEvent
from tests.factories import make_id_number


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def feed_user(teacher_a):
    user = teacher_a.user
    user.set_password("Feed-system-2018")
    user.api_access = True
    user.save()
    return user


def _obtain(username, password):
    return APIClient().post("/api/token/", {"username": username, "password": password}, format="json",
                            REMOTE_ADDR="10.1.1.1")


def _get(key, url="/api/items/"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(url)


def test_a_token_is_stored_only_as_a_digest_and_expires(feed_user):
    response = _obtain(feed_user.username, "Feed-system-2018")
    assert response.status_code == 200
    key = response.json()["token"]
    stored = AuthToken.objects.get(user=feed_user)
    assert key not in (stored.digest, stored.token_key)
    assert stored.expiry is not None and stored.expiry < timezone.now() + datetime.timedelta(days=2)
    assert _get(key).status_code == 200
    AuthToken.objects.filter(pk=stored.pk).update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    refused = _get(key)
    assert refused.status_code == 401 and "令牌无效或已过期" in refused.json()["detail"]


def test_an_account_without_api_access_gets_no_token(teacher_a):
    teacher_a.user.set_password("Plain-teacher-2018")
    teacher_a.user.save()
    response = _obtain(teacher_a.user.username, "Plain-teacher-2018")
    assert response.status_code == 403 and "未开通 API 访问" in response.json()["detail"]
    assert not AuthToken.objects.filter(user=teacher_a.user).exists()


def test_an_account_that_must_change_its_password_gets_no_token(admin_a, school_a):
    created = services.teacher_create(actor=admin_a, school=school_a, name="新老师", gender="male",
                                      id_number=make_id_number(401), stage="primary")
    user = created.profile.user
    user.api_access = True
    user.save(update_fields=["api_access"])
    response = _obtain(user.username, created.password)
    assert response.status_code == 403 and "修改初始密码" in response.json()["detail"]
    assert not AuthToken.objects.filter(user=user).exists()


def test_a_wrong_password_is_a_chinese_refusal_and_issues_nothing(feed_user):
    response = _obtain(feed_user.username, "wrong")
    assert response.status_code == 400 and response.json()["detail"] == "账号或密码不正确。"
    assert not AuthToken.objects.exists()


def test_tokens_are_capped_per_account(feed_user, settings):
    settings.API_TOKEN_LIMIT_PER_USER = 2
    keys = [_obtain(feed_user.username, "Feed-system-2018").json()["token"] for _ in range(3)]
    assert AuthToken.objects.filter(user=feed_user).count() == 2
    assert _get(keys[0]).status_code == 401
    assert _get(keys[2]).status_code == 200


def _issued(user):
    _, key = AuthToken.objects.create(user=user)
    assert _get(key).status_code == 200
    return key


def test_an_admin_reset_revokes_the_tokens(feed_user, admin_a, teacher_a):
    key = _issued(feed_user)
    services.teacher_password_reset(actor=admin_a, profile=teacher_a)
    assert _get(key).status_code == 401
    assert not AuthToken.objects.filter(user=feed_user).exists()


def test_the_users_own_password_change_revokes_the_tokens(feed_user, client):
    key = _issued(feed_user)
    client.force_login(feed_user)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": "Feed-system-2018", "new_password1": "Another-pass-2019", "new_password2": "Another-pass-2019"})
    assert response.status_code == 302
    assert _get(key).status_code == 401


def test_deactivation_revokes_the_tokens_and_reactivation_does_not_revive_them(feed_user, admin_a, teacher_a):
    key = _issued(feed_user)
    services.teacher_deactivate(actor=admin_a, profile=teacher_a, reason="退休")
    assert _get(key).status_code == 401
    services.teacher_reactivate(actor=admin_a, profile=teacher_a)
    assert _get(key).status_code == 401
    assert not AuthToken.objects.filter(user=feed_user).exists()


def test_a_token_of_an_inactive_user_is_refused_even_if_left_in_the_table(feed_user):
    key = _issued(feed_user)
    type(feed_user).objects.filter(pk=feed_user.pk).update(is_active=False)
    assert _get(key).status_code == 401


def test_a_password_set_in_the_django_admin_is_audited_forces_a_change_and_revokes_tokens(feed_user, client):
    from accounts.models import Role, User
    from tests.factories import grant

    staff = User.objects.create_superuser("city_root", password="Root-pass-2018")
    grant(staff, Role.CITY_STAFF)
    key = _issued(feed_user)
    events = AccountEvent.objects.filter(user=feed_user).count()
    client.force_login(staff)
    response = client.post(reverse("admin:auth_user_password_change", args=[feed_user.pk]),
                           {"password1": "Handed-out-2018", "password2": "Handed-out-2018",
                            "usable_password": "true"})
    assert response.status_code == 302
    feed_user.refresh_from_db()
    assert feed_user.check_password("Handed-out-2018")
    assert feed_user.must_change_password is True
    event = AccountEvent.objects.filter(user=feed_user).first()
    assert AccountEvent.objects.filter(user=feed_user).count() == events + 1
    assert event.action == AccountEvent.Action.PASSWORD_RESET and event.actor == staff
    assert _get(key).status_code == 401


def test_a_refused_admin_password_form_changes_nothing(feed_user, client):
    from accounts.models import User

    staff = User.objects.create_superuser("city_root", password="Root-pass-2018")
    key = _issued(feed_user)
    client.force_login(staff)
    response = client.post(reverse("admin:auth_user_password_change", args=[feed_user.pk]),
                           {"password1": "Handed-out-2018", "password2": "different-2018"})
    assert response.status_code == 200
    feed_user.refresh_from_db()
    assert feed_user.check_password("Feed-system-2018") and not feed_user.must_change_password
    assert not AccountEvent.objects.filter(user=feed_user, action=AccountEvent.Action.PASSWORD_RESET).exists()
    assert _get(key).status_code == 200

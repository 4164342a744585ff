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


def test_forced_password_change_holds_for_api_tokens_too(client, new_teacher):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=new_teacher.profile.user)
    response = client.get("/api/items/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 403 and "修改初始密码" in response.json()["detail"]

"""One error model: every refusal kind answered on the pages (the site's own Chinese pages in
its layout, with the message and a way back) and on the API (a Chinese body, status by kind)."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.errors import AccountError, AccountNotApproved
from core.errors import KINDS, DomainError
from reviews.errors import TransitionError
from tests.factories import TeacherProfileFactory
from tests.reviews.helpers import build_world

CJK = re.compile(r"[\u3400-\u9fff]")
LAYOUT = "成都市中小学教师继续教育 · 学分平台"  # the site's top bar: the page is inside its layout
STATUS = {"invalid": 400, "not_found": 404, "forbidden": 403, "conflict": 409}

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher_client():
    profile = TeacherProfileFactory()
    client = Client()
    client.force_login(profile.user)
    return client


def _assert_site_page(response, status, message=None):
    assert response.status_code == status
    html = response.content.decode()
    assert LAYOUT in html
    assert 'data-testid="error-page"' in html
    assert "回到首页" in html and "返回上一页" in html
    if message:
        assert message in html
    for english in ("Not Found", "Forbidden", "Server Error", "No CreditEntry matches", "matches the given query"):
        assert english not in html


def test_the_workflow_and_account_errors_are_domain_errors():
    assert issubclass(TransitionError, DomainError) and issubclass(AccountError, DomainError)
    assert TransitionError("x", kind="state").kind == "conflict"
    assert TransitionError("x", kind="permission").kind == "forbidden"
    assert TransitionError("x", kind="window").kind == "invalid"
    assert TransitionError("x", kind="stale").status_code == 409
    assert AccountError("x", field="name").field == "name" and AccountError("x").kind == "invalid"
    assert AccountNotApproved("x").kind == "forbidden"
    with pytest.raises(ValueError):
        DomainError("x", kind="teapot")


def test_forbidden_page_shows_the_chinese_permission_message(settings, teacher_client):
    settings.DEBUG = False
    response = teacher_client.get("/reviews/compliance/")
    _assert_site_page(response, 403, "您没有访问该页面的权限。")


def test_missing_page_is_chinese_in_the_layout(settings, teacher_client):
    settings.DEBUG = False
    _assert_site_page(teacher_client.get("/no-such-page/"), 404, "未找到该记录，或不在您的管理范围内。")


def test_missing_object_does_not_show_the_model_name(settings, teacher_client):
    settings.DEBUG = False
    _assert_site_page(teacher_client.get("/reviews/entries/999999/"), 404)


def test_missing_page_for_an_anonymous_visitor_is_chinese(settings):
    settings.DEBUG = False
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


@pytest.mark.urls("tests.core.urls_errors")
def test_server_error_is_a_chinese_page_in_the_layout(settings, teacher_client):
    settings.DEBUG = False
    teacher_client.raise_request_exception = False
    _assert_site_page(teacher_client.get("/test-boom/"), 500, "服务器出现错误")


@pytest.mark.urls("tests.core.urls_errors")
@pytest.mark.parametrize("kind", KINDS)
def test_an_uncaught_domain_error_on_a_page_is_answered_by_kind(settings, teacher_client, kind):
    settings.DEBUG = False
    _assert_site_page(teacher_client.get(f"/test-refuse/{kind}/"), STATUS[kind], f"测试拒绝：{kind}")


@pytest.mark.urls("tests.core.urls_errors")
@pytest.mark.parametrize("kind", KINDS)
def test_an_api_domain_error_is_answered_by_kind_with_its_field(kind):
    response = APIClient().get(f"/api/test-refuse/{kind}/")
    assert response.status_code == STATUS[kind]
    assert response.json() == {"detail": f"测试拒绝：{kind}", "kind": kind, "field": "quantity"}


@pytest.mark.urls("tests.core.urls_errors")
def test_api_parse_error_is_chinese():
    response = APIClient().post("/api/test-echo/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert CJK.search(response.json()["detail"]) and "JSON parse error" not in response.json()["detail"]


def test_api_unauthenticated_is_chinese():
    response = APIClient().get("/api/entries/")
    assert response.status_code in (401, 403)
    assert CJK.search(response.json()["detail"])


def test_api_bad_token_is_chinese():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = client.get("/api/entries/")
    assert response.status_code in (401, 403)
    assert CJK.search(response.json()["detail"])


def test_api_missing_object_does_not_show_the_model_name(teacher_client):
    client = APIClient()
    client.force_authenticate(TeacherProfileFactory().user)
    response = client.get("/api/entries/999999/")
    assert response.status_code == 404
    assert response.json()["detail"] == "未找到该记录，或不在您的管理范围内。"


def test_api_unknown_path_answers_json_in_chinese(settings):
    settings.DEBUG = False
    response = Client().get("/api/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json()["detail"] == "未找到该记录，或不在您的管理范围内。"


def test_api_throttling_is_chinese(settings):
    from django.core.cache import cache

    cache.clear()
    client = APIClient()
    answers = [client.post("/api/token/", {"username": "nobody", "password": "x"}).status_code for _ in range(12)]
    assert 429 in answers
    response = client.post("/api/token/", {"username": "nobody", "password": "x"})
    assert response.status_code == 429
    assert CJK.search(response.json()["detail"]) and "Request was throttled" not in response.json()["detail"]
    cache.clear()


def test_api_refused_transition_is_answered_by_the_one_handler():
    """A workflow refusal raised in an API view (no try/except) reaches the handler as 403."""
    world = build_world()
    from reviews import services as S
    from tests.reviews.helpers import ACTIVITY_DAY, pdf

    entry = S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="培训",
                            started_on=ACTIVITY_DAY, quantity="8", evidence_files=[pdf()],
                            today=ACTIVITY_DAY)
    client = APIClient()
    client.force_authenticate(world.leader)
    response = client.post(f"/api/entries/{entry.pk}/school-review/", {"approve": True, "version": S.entry_version(entry)},
                           format="json")
    assert response.status_code == 403, response.json()
    body = response.json()
    assert body["kind"] == "forbidden" and CJK.search(body["detail"])


def test_csrf_failure_is_a_chinese_page(settings, teacher_client):
    settings.DEBUG = False
    client = Client(enforce_csrf_checks=True)
    client.force_login(TeacherProfileFactory().user)
    response = client.post("/notifications/read-all/")
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()

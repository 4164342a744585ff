"""Logs an operator can use: sign-in failures and lockouts, 403s and DomainError refusals are
events on the `jixiao.security` logger with ids and hashes only — never the 身份证号, the name,
the 账号 as typed, the password or a refusal's text."""

import json
import logging

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from core import logs
from core.errors import DomainError
from core.handlers import DomainErrorMiddleware

SECRET = "Wrong-horse-7"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _events(caplog, name):
    return [r for r in caplog.records if r.name == "jixiao.security" and getattr(r, "event", "") == name]


def _formatted(records) -> str:
    return "\n".join(f.format(r) for r in records for f in (logs.JsonFormatter(), logs.KeyValueFormatter()))


def test_a_lockout_is_logged_as_an_event_without_the_id_number_name_or_password(client, teacher_a, settings, caplog):
    settings.LOGIN_FAILURE_LIMIT = 3
    caplog.set_level(logging.INFO, logger="jixiao.security")
    # Someone types the teacher's 身份证号 as the 账号, then the 账号 itself, with a wrong password.
    for username in [teacher_a.id_number] + [teacher_a.user.username] * 3:
        client.post(reverse("accounts:login"), {"username": username, "password": SECRET}, REMOTE_ADDR="10.0.0.9")
    response = client.post(reverse("accounts:login"), {"username": teacher_a.user.username, "password": SECRET},
                           REMOTE_ADDR="10.0.0.9")
    assert "暂停" in response.content.decode() or "稍后" in response.content.decode()

    failed, locked = _events(caplog, "login_failed"), _events(caplog, "login_locked")
    assert len(failed) == 4 and [r.locked for r in failed] == [False, False, False, True]
    assert len(locked) == 1 and locked[0].levelno == logging.WARNING
    assert locked[0].account == failed[-1].account == logs.short_hash(teacher_a.user.username)
    text = _formatted(caplog.records)
    for personal in (teacher_a.id_number, teacher_a.name, teacher_a.user.username, SECRET, "10.0.0.9"):
        assert personal not in text, personal
    line = json.loads(logs.JsonFormatter().format(locked[0]))
    assert line["event"] == "login_locked" and line["level"] == "WARNING" and line["until"]


def test_a_403_page_is_logged_with_the_user_id_only(client, teacher_a, caplog):
    caplog.set_level(logging.INFO, logger="jixiao.security")
    client.force_login(teacher_a.user)
    assert client.get(reverse("reports:index") + "?q=x").status_code == 403
    (record,) = _events(caplog, "permission_denied")
    assert (record.user_id, record.status, record.path) == (teacher_a.user.pk, 403, reverse("reports:index"))
    assert teacher_a.name not in _formatted([record]) and "q=x" not in _formatted([record])


def test_a_domain_error_refusal_is_logged_by_kind_never_by_its_text(db, teacher_a, caplog):
    caplog.set_level(logging.INFO, logger="jixiao.security")
    request = RequestFactory().post("/accounts/teachers/new/")
    request.user = teacher_a.user
    exc = DomainError(f"身份证号 {teacher_a.id_number} 已登记在{teacher_a.school.name}", kind="conflict")
    response = DomainErrorMiddleware(lambda r: None).process_exception(request, exc)
    assert response.status_code == 409
    (record,) = _events(caplog, "refused")
    assert (record.kind, record.status, record.user_id) == ("conflict", 409, teacher_a.user.pk)
    text = _formatted([record])
    assert teacher_a.id_number not in text and teacher_a.school.name not in text


def test_the_plain_format_appends_the_fields_as_key_value(caplog):
    caplog.set_level(logging.INFO, logger="jixiao.security")
    logs.event("tokens_revoked", user_id=7, count=2)
    (record,) = _events(caplog, "tokens_revoked")
    line = logs.KeyValueFormatter().format(record)
    assert line.endswith("event=tokens_revoked user_id=7 count=2") and "INFO jixiao.security" in line

"""With the broker unreachable, importing answers at once with a Chinese message: no 500, no
19-second hang, the job marked failed and the uploaded sheet of 身份证号 deleted from disk.
The broker is a closed local port (nothing listens on 1), so no real broker is needed."""

import time

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from accounts import services
from accounts.errors import AccountError
from accounts.jobs import BROKER_DOWN_MESSAGE
from accounts.models import Job, TeacherProfile

from .test_import import _row, _workbook

CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_down(settings, monkeypatch):
    from jixiao.celery import app

    saved = app.conf.broker_url, app.conf.task_always_eager
    settings.CELERY_BROKER_URL = CLOSED_PORT
    # Celery's conf.broker_url prefers the CELERY_BROKER_URL environment variable (CI sets it).
    monkeypatch.setenv("CELERY_BROKER_URL", CLOSED_PORT)
    app.conf.broker_url = CLOSED_PORT
    app.conf.task_always_eager = False
    app._pool = None  # connections are pooled per broker URL: start from none
    app.amqp._producer_pool = None
    yield
    app.conf.broker_url, app.conf.task_always_eager = saved
    app._pool = None
    app.amqp._producer_pool = None


def _files():
    try:
        return default_storage.listdir("imports/teachers")[1]
    except FileNotFoundError:
        return []


@pytest.mark.django_db(transaction=True)
def test_import_page_with_the_broker_down_answers_quickly_in_chinese(client, admin_a, broker_down):
    client.force_login(admin_a)
    started = time.monotonic()
    response = client.post(reverse("accounts:teacher_import"), {"file": _workbook([_row(1), _row(2)])})
    elapsed = time.monotonic() - started
    print(f"\nimport with the broker down answered in {elapsed:.2f} s")
    assert response.status_code == 200 and elapsed < 15  # unbounded it took 19 s; loose for a loaded machine
    assert BROKER_DOWN_MESSAGE in response.content.decode()
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED and job.error == BROKER_DOWN_MESSAGE
    # Nothing imported, no sheet of 身份证号 left on disk.
    assert not TeacherProfile.objects.exists()
    assert _files() == [] and not default_storage.exists(job.result["file"])


@pytest.mark.django_db(transaction=True)
def test_the_service_refuses_with_the_message_and_leaves_no_file(admin_a, school_a, broker_down):
    with pytest.raises(AccountError, match="无法连接"):
        services.teachers_import_excel(actor=admin_a, school=school_a, upload=_workbook([_row(1)]))
    assert Job.objects.get().status == Job.Status.FAILED
    assert not TeacherProfile.objects.exists() and _files() == []

"""An import whose worker dies mid-way (SIGKILL, out of memory, redeploy) loses nothing: the job is
seen as stale, resumes after its last persisted row, and every initial password is handed out
exactly once. The passwords wait encrypted, never in Job.result, never on an admin page."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts import imports, services
from accounts.errors import AccountError
from accounts.jobs import job_is_stale
from accounts.models import InitialPassword, Job, TeacherProfile, User
from core import vault

from .test_import import _row, _workbook


class WorkerKilled(BaseException):
    """What SIGKILL looks like from inside: nothing below it runs, no `except Exception` sees it."""


def _kill_after(monkeypatch, n_created: int):
    real = services.teacher_create
    calls = {"n": 0}

    def dying(**kwargs):
        calls["n"] += 1
        if calls["n"] > n_created:
            raise WorkerKilled()
        return real(**kwargs)

    monkeypatch.setattr(services, "teacher_create", dying)
    return real


def _start_and_kill(admin, school, monkeypatch, *, rows: int, killed_after: int, capture) -> Job:
    real = _kill_after(monkeypatch, killed_after)
    with pytest.raises(WorkerKilled), capture(execute=True):
        services.teachers_import_excel(actor=admin, school=school, upload=_workbook([_row(n) for n in range(1, rows + 1)]))
    monkeypatch.setattr(services, "teacher_create", real)
    return Job.objects.get()


def _age(job: Job, seconds: int = 600) -> None:
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(seconds=seconds))


def test_a_killed_import_is_stale_resumes_where_it_stopped_and_hands_out_every_password_once(
        client, admin_a, school_a, monkeypatch, django_capture_on_commit_callbacks):
    job = _start_and_kill(admin_a, school_a, monkeypatch, rows=40, killed_after=10,
                          capture=django_capture_on_commit_callbacks)
    # The worker died after row 10: the job says so, nothing pretends it finished.
    assert (job.status, job.done, job.total) == (Job.Status.RUNNING, 10, 40)
    assert TeacherProfile.objects.count() == 10 and job.initial_passwords.count() == 10
    assert not job_is_stale(job)  # it beat just now: could be a slow live worker
    _age(job)
    assert job_is_stale(job)

    client.force_login(admin_a)
    page = client.get(reverse("accounts:teacher_import_job", args=[job.pk])).content.decode()
    assert "继续导入" in page and "10/40" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:teacher_import_resume", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.error == ""
    assert (job.result["created"], job.result["skipped"], job.result["failed"]) == (40, 0, 0)
    assert job.result["resumes"] == 1
    assert TeacherProfile.objects.count() == 40

    response = client.post(reverse("accounts:teacher_import_passwords", args=[job.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    job.refresh_from_db()
    assert job.result["passwords_taken"] and not InitialPassword.objects.exists()


def test_every_password_of_a_resumed_import_opens_its_account_and_comes_once(
        admin_a, school_a, monkeypatch, django_capture_on_commit_callbacks):
    # Killed at row 15: between two checkpoints (every 10 rows), rows 11-14 were created after
    # the last persisted row. The resumed run must count them as created, with their passwords.
    job = _start_and_kill(admin_a, school_a, monkeypatch, rows=40, killed_after=14,
                          capture=django_capture_on_commit_callbacks)
    assert job.done == 10 and TeacherProfile.objects.count() == 14
    _age(job)
    with django_capture_on_commit_callbacks(execute=True):
        assert imports.resume_stale_imports() == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.result["created"], job.result["skipped"]) == (Job.Status.DONE, 40, 0)
    rows = imports.take_initial_passwords(job=job, user=admin_a)
    assert sorted(r["row"] for r in rows) == list(range(2, 42))
    assert len({r["username"] for r in rows}) == 40
    for r in rows:
        user = User.objects.get(username=r["username"])
        assert user.check_password(r["password"]) and user.must_change_password
    with pytest.raises(AccountError, match="仅可下载一次"):
        imports.take_initial_passwords(job=job, user=admin_a)
    # The uploaded sheet of 身份证号 is gone once the job ended.
    from django.core.files.storage import default_storage

    assert not default_storage.exists(job.result["file"])


def test_a_live_run_is_not_resumed_beside_itself(admin_a, school_a, monkeypatch, django_capture_on_commit_callbacks):
    """A redelivered message or a resume click while the worker still beats changes nothing."""
    job = _start_and_kill(admin_a, school_a, monkeypatch, rows=20, killed_after=10,
                          capture=django_capture_on_commit_callbacks)
    before = (Job.objects.values("status", "done", "result").get(pk=job.pk), TeacherProfile.objects.count(),
              InitialPassword.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        assert imports.import_resume(job=job) is False
    imports.teachers_import_run(job_id=job.pk)
    assert imports.resume_stale_imports() == []
    after = (Job.objects.values("status", "done", "result").get(pk=job.pk), TeacherProfile.objects.count(),
             InitialPassword.objects.count())
    assert after == before


def test_a_job_that_keeps_killing_its_worker_ends_failed_and_keeps_its_passwords(
        admin_a, school_a, monkeypatch, django_capture_on_commit_callbacks):
    job = _start_and_kill(admin_a, school_a, monkeypatch, rows=20, killed_after=10,
                          capture=django_capture_on_commit_callbacks)
    Job.objects.filter(pk=job.pk).update(result={**job.result, "resumes": imports.MAX_RESUMES})
    _age(job)
    with django_capture_on_commit_callbacks(execute=True):
        assert imports.import_resume(job=job) is False
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "已停止" in job.error
    assert TeacherProfile.objects.count() == 10
    assert len(imports.take_initial_passwords(job=job, user=admin_a)) == 10


def test_initial_passwords_are_encrypted_at_rest_and_absent_from_the_admin(
        client, admin_a, school_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.teachers_import_excel(actor=admin_a, school=school_a, upload=_workbook([_row(1), _row(2)]))
    waiting = list(InitialPassword.objects.filter(job=job))
    passwords = [vault.unseal(p.secret) for p in waiting]
    assert all(passwords) and all(p.user.check_password(pw) for p, pw in zip(waiting, passwords, strict=True))
    # Nowhere in the database in plain text: neither the job's result nor the stored secret.
    with connection.cursor() as cursor:
        cursor.execute("SELECT result FROM accounts_job")
        dumped = " ".join(str(r) for r in cursor.fetchall())
        cursor.execute("SELECT secret FROM accounts_initialpassword")
        dumped += " ".join(str(r) for r in cursor.fetchall())
    assert not any(pw in dumped for pw in passwords)

    staff = User.objects.create_superuser("city_root", password="Root-pass-2018")
    client.force_login(staff)
    page = client.get(reverse("admin:accounts_job_change", args=[job.pk])).content.decode()
    assert "新建：2" in page
    assert not any(pw in page for pw in passwords) and not any(p.secret in page for p in waiting)
    # The waiting passwords have no admin page of their own.
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        reverse("admin:accounts_initialpassword_changelist")


def test_passwords_not_downloaded_in_time_are_deleted(admin_a, school_a, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.teachers_import_excel(actor=admin_a, school=school_a, upload=_workbook([_row(1)]))
    InitialPassword.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    # Expired is refused even before the purge ran, and the refusal changes nothing.
    with pytest.raises(AccountError, match="已过期"):
        imports.take_initial_passwords(job=job, user=admin_a)
    assert InitialPassword.objects.count() == 1
    assert imports.purge_initial_passwords() == 1
    job.refresh_from_db()
    assert not InitialPassword.objects.exists() and job.result["passwords_expired"]


def test_a_token_no_key_opens_reads_as_missing(settings):
    token = vault.seal("abc234")
    assert vault.unseal(token) == "abc234" and "abc234" not in token
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "rotated-key"
    assert vault.unseal(token) == "abc234"  # the old key, kept as a fallback, still opens it
    settings.SECRET_KEY_FALLBACKS = []
    assert vault.unseal(token) is None


def test_the_initial_password_download_is_recorded_once_and_a_second_try_records_nothing(
        client, admin_a, school_a, django_capture_on_commit_callbacks):
    from accounts.models import ExportDownload

    with django_capture_on_commit_callbacks(execute=True):
        services.teachers_import_excel(actor=admin_a, school=school_a, upload=_workbook([_row(n) for n in range(1, 4)]))
    job = Job.objects.get()
    client.force_login(admin_a)
    url = reverse("accounts:teacher_import_passwords", args=[job.pk])
    assert client.post(url)["Content-Type"].startswith("application/vnd.openxmlformats")
    row = ExportDownload.objects.get()
    assert (row.user, row.export, row.rows, row.params) == (admin_a, "initial_passwords", 3, {"pk": str(job.pk)})
    # Handed out once: the second try is refused (a redirect with a message) and leaves no row.
    assert client.post(url).status_code == 302
    assert ExportDownload.objects.count() == 1

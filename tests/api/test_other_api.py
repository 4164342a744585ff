"""Rosters, feeds, catalogue and window extensions over the API."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import BaseLevel
from credits.models import CreditEntry
from tests.reviews.helpers import PDF_BYTES, base_school, roster_xlsx


def test_catalogue_is_read_only(world, client_for):
    client = client_for(world.teacher.user)
    items = client.get("/api/items/?academic_year=2017").json()
    assert {"putonghua", "micro_course"} <= {i["code"] for i in items["results"]}
    assert client.post("/api/items/", {"code": "x"}, format="json").status_code == 405


def test_feed_api_twice_changes_nothing(world, client_for):
    client = client_for(world.city)
    payload = {"channel": "micro_course", "records": [
        {"external_id": "w1", "username": world.teacher.user.username, "date": "2018-03-01", "quantity": "6"}]}
    first = client.post("/api/feeds/", payload, format="json")
    assert first.status_code == 201 and first.json()["created_count"] == 1
    second = client.post("/api/feeds/", payload, format="json")
    assert second.json()["created_count"] == 0 and second.json()["skipped_count"] == 1
    assert CreditEntry.objects.count() == 1


def test_feed_import_is_throttled(world, client_for, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    cache.clear()
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"imports": "2/hour"})
    try:
        client = client_for(world.city)
        payload = {"channel": "reading_note", "records": []}
        codes = [client.post("/api/feeds/", payload, format="json").status_code for _ in range(3)]
        assert codes == [201, 201, 429]
        assert client.get("/api/feeds/").status_code == 200
    finally:
        cache.clear()


def test_feed_file_upload(world, client_for):
    world.teacher.is_party_member = True  # 党员e家 is for 党员教师 (二(三)2(14))
    world.teacher.save(update_fields=["is_party_member"])
    csv = f"编号,账号,日期,学时\nf1,{world.teacher.user.username},2018-03-01,9\n".encode()
    response = client_for(world.city).post("/api/feeds/upload/", {
        "channel": "party_e_home", "file": SimpleUploadedFile("e.csv", csv)}, format="multipart")
    assert response.status_code == 201 and response.json()["created_count"] == 1


def test_feeds_refused_to_non_city(world, client_for):
    response = client_for(world.district_admin).post("/api/feeds/", {"channel": "micro_course", "records": []},
                                                     format="json")
    assert response.status_code == 403


def test_roster_upload_and_template(world, client_for):
    school, admin = base_school(world, BaseLevel.DISTRICT)
    client = client_for(admin)
    template = client.get("/api/rosters/template/?academic_year=2017")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    t = world.teacher
    response = client.post("/api/rosters/", {
        "school": school.pk, "academic_year": 2017, "plan_file": SimpleUploadedFile("计划.pdf", PDF_BYTES),
        "summary_file": SimpleUploadedFile("总结.pdf", PDF_BYTES),
        "roster_file": roster_xlsx([(1, "", t.user.username, t.name, "", "", 8, 8)]),
    }, format="multipart")
    # The real date decides whether the 2017-2018 deadline (6月20日) has passed.
    if datetime.date.today() > datetime.date(2018, 6, 20):
        assert response.status_code == 400 and "6月20日" in response.json()["detail"]
    else:
        assert response.status_code == 201


def test_window_extension_api(world, client_for):
    payload = {"academic_year": 2017, "window": "district_review", "until": "2018-11-20", "reason": "系统维护顺延"}
    assert client_for(world.district_admin).post("/api/windows/extend/", payload, format="json").status_code == 403
    response = client_for(world.city).post("/api/windows/extend/", payload, format="json")
    assert response.status_code == 201 and response.json()["until"] == "2018-11-20"


@pytest.mark.parametrize("url", ["/api/entries/", "/api/items/", "/api/rosters/template/", "/api/me/totals/"])
def test_a_non_ascii_digit_year_is_ignored_not_a_server_error(world, client_for, url):
    """'²⁰¹⁷'.isdigit() is True but int() refuses it."""
    assert client_for(world.teacher.user).get(url, {"academic_year": "²⁰¹⁷"}).status_code == 200


def test_a_large_feed_file_is_imported_by_a_job_with_progress_not_in_the_request(
        world, client_for, settings, monkeypatch, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    from accounts import jobs
    from accounts.models import Job
    from reviews.models import FeedImport
    from reviews.services import feeds

    settings.FEED_SYNC_MAX_BYTES = 10  # this small file counts as large
    monkeypatch.setattr(feeds, "PROGRESS_EVERY", 1)
    seen = []
    real_progress = jobs.job_progress

    def progress(job, **kwargs):
        seen.append((kwargs["done"], kwargs.get("total")))
        real_progress(job, **kwargs)

    monkeypatch.setattr(jobs, "job_progress", progress)
    world.teacher.is_party_member = True
    world.teacher.save(update_fields=["is_party_member"])
    u = world.teacher.user.username
    csv = f"编号,账号,日期,学时\nf1,{u},2018-03-01,9\nf2,{u},2018-03-02,9\nf3,nobody,2018-03-03,9\n".encode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(world.city).post("/api/feeds/upload/", {
            "channel": "party_e_home", "file": SimpleUploadedFile("e.csv", csv)}, format="multipart")
    # Answered before anything was parsed or imported: the job is queued, the file waits for it.
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job"])
    assert job.kind == "feed_import" and not FeedImport.objects.exists()
    kept = job.result["file"]
    assert default_storage.exists(kept)
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and (job.done, job.total) == (3, 3)
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]  # persisted record by record as the job went
    feed = FeedImport.objects.get(pk=job.result["feed"])
    assert (job.result["created"], job.result["errors"]) == (2, 1) == (feed.created_count, feed.error_count)
    # The job's copy is gone; the file stays only where every feed's file is kept (FeedImport.file).
    assert not default_storage.exists(kept) and feed.file and feed.filename == "e.csv"
    assert job.percent == 100


def test_a_large_feed_file_from_a_non_importer_is_refused_and_leaves_no_job(world, client_for, settings):
    from accounts.models import Job

    settings.FEED_SYNC_MAX_BYTES = 10
    response = client_for(world.district_admin).post("/api/feeds/upload/", {
        "channel": "party_e_home", "file": SimpleUploadedFile("e.csv", b"a,b\n1,2\n")}, format="multipart")
    assert response.status_code == 403 and not Job.objects.exists()


@pytest.mark.django_db(transaction=True)  # the job is published on commit, as in production
def test_a_large_feed_file_with_the_broker_down_answers_at_once_and_keeps_no_file(
        world, client_for, settings, monkeypatch):
    from django.core.files.storage import default_storage

    from accounts.jobs import BROKER_DOWN_MESSAGE
    from accounts.models import Job
    from jixiao.celery import app
    from reviews import tasks
    from reviews.models import FeedImport

    settings.FEED_SYNC_MAX_BYTES = 10

    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.feed_import_task, "apply_async", unreachable)
    csv = f"编号,账号,日期,学时\nf1,{world.teacher.user.username},2018-03-01,9\n".encode()
    saved, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        response = client_for(world.city).post("/api/feeds/upload/", {
            "channel": "party_e_home", "file": SimpleUploadedFile("e.csv", csv)}, format="multipart")
    finally:
        app.conf.task_always_eager = saved
    assert response.status_code == 503 and response.json()["detail"] == BROKER_DOWN_MESSAGE
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED and not FeedImport.objects.exists()
    assert not default_storage.exists(job.result["file"])

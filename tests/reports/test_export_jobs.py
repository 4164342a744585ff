"""A district's 送审报表 and the district / city 达标情况 as jobs of parts (a batch of schools each,
taken by several workers) merged into one workbook: the same workbook as the single-process
build, redelivered or killed parts change nothing, the owner alone downloads it, the page shows
its progress, and a refused start starts nothing."""

import pytest
from django.urls import reverse

from accounts.models import ExportDownload, Job
from reports import documents as D
from reports import exports
from reports.models import ExportPart
from tests.factories import DistrictFactory, SchoolFactory, TeacherProfileFactory, UserFactory, grant
from tests.reports.parts import WorkerKilled, assert_part_left_undone, assert_redelivery_changes_nothing, parts_of

from . import xlsx_reference as ref
from .conftest import counted


@pytest.fixture
def schools(world, monkeypatch):
    monkeypatch.setattr(D, "SCHOOL_BATCH", 1)  # one school a part: three parts and the merge
    counted(world.junior, "admin_training", 60)
    counted(world.junior, "school_based_training", 51)
    counted(world.senior, "admin_training", 30)
    for y in range(2013, 2017):
        counted(world.senior, "admin_training", 100, year=y)
    third = SchoolFactory(name="双流实验小学", district=world.district)
    TeacherProfileFactory(school=third, name="-实验老师", stage="primary", subject="+1")
    TeacherProfileFactory(school=world.other_school, name="小学老师", stage="primary")
    return [world.school, world.other_school, third]


def _start(world, schools, export=exports.SUBMISSION, level="district"):
    return exports.export_start(actor=world.district_admin, export=export, schools=schools, level=level,
                                title="双流区", academic_year=world.year)


def _file(job):
    from django.core.files.storage import default_storage

    job.refresh_from_db()
    return default_storage.path(job.result["file"])


@pytest.mark.parametrize(("export", "level"), [(exports.SUBMISSION, "district"), (exports.COMPLIANCE, "district"),
                                               (exports.COMPLIANCE, "city")])
def test_parts_and_merge_give_the_single_process_workbook(world, schools, tmp_path, export, level,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = _start(world, schools, export, level)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.done == job.total == 3 + 1
    assert [p.rows for p in parts_of(job)] == [3, 1, 1]
    if export == exports.SUBMISSION:
        D.district_submission_xlsx(schools, world.year, tmp_path / "one.xlsx", title="双流区")
    else:
        D.compliance_xlsx(schools, world.year, tmp_path / "one.xlsx", level=level, title="双流区")
    assert ref.cells(_file(job)) == ref.cells(tmp_path / "one.xlsx")
    assert job.result["filename"] == f"双流区-2017-2018-{exports.LABELS[export]}.xlsx"


def test_a_redelivered_part_or_merge_changes_nothing(world, schools):
    job = _start(world, schools)  # the test's transaction never commits: nothing is enqueued
    assert_redelivery_changes_nothing(job, exports.export_part_run, exports.export_merge_run, done_after_first=(1,))


def test_a_part_killed_mid_way_is_done_again_by_the_redelivered_task(world, schools, monkeypatch, tmp_path):
    job = _start(world, schools)
    first = parts_of(job)[0]
    real = exports._rows

    def dying(*args):
        yield from []
        raise WorkerKilled

    monkeypatch.setattr(exports, "_rows", dying)
    with pytest.raises(WorkerKilled):
        exports.export_part_run(part_id=first.pk)
    assert_part_left_undone(job, first)
    monkeypatch.setattr(exports, "_rows", real)
    for part in parts_of(job):
        assert exports.export_part_run(part_id=part.pk) is True
    assert exports.export_merge_run(job_id=job.pk) is True
    D.district_submission_xlsx(schools, world.year, tmp_path / "one.xlsx", title="双流区")
    assert ref.cells(_file(job)) == ref.cells(tmp_path / "one.xlsx")


def test_a_failing_part_ends_the_job_with_a_chinese_message(world, schools, monkeypatch):
    job = _start(world, schools)

    def broken(*args):
        raise ValueError("数据库连接中断")

    monkeypatch.setattr(exports, "_rows", broken)
    with pytest.raises(ValueError):
        exports.export_part_run(part_id=parts_of(job)[0].pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.error == "生成送审报表失败：数据库连接中断"
    assert exports.export_part_run(part_id=parts_of(job)[1].pk) is False  # the others stop


def test_only_the_owner_downloads_the_workbook(world, schools, client, django_capture_on_commit_callbacks):
    client.force_login(world.district_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:district_submission"),
                               {"scope": "district", "district": world.district.pk, "year": "2017"})
    job = Job.objects.get(kind="reports_district_submission")
    assert response.status_code == 302 and f"job={job.pk}" in response["Location"]
    url = reverse("reports:export_download", args=[job.pk])
    colleague = grant(UserFactory(username="d2"), "district_admin", district=world.district)
    for other in (colleague, world.city, world.school_admin):
        client.force_login(other)
        assert client.get(url).status_code == 404
        assert client.get(reverse("job_status", args=[job.pk])).status_code == 404
    assert not ExportDownload.objects.exists()
    client.force_login(world.district_admin)
    download = client.get(url)
    assert download.status_code == 200 and download["Content-Type"] == D.XLSX
    assert b"".join(download.streaming_content)[:2] == b"PK"
    row = ExportDownload.objects.get()
    assert row.user == world.district_admin and row.export == "district_submission" and row.params["pk"] == str(job.pk)
    assert row.params["title"] == "双流区" and row.params["level"] == "district"


def test_the_page_shows_the_jobs_progress_and_then_the_download(world, schools, client):
    client.force_login(world.district_admin)
    response = client.post(reverse("reports:compliance_export"),
                           {"scope": "district", "district": world.district.pk, "year": "2017"})
    job = Job.objects.get(kind="reports_compliance")
    exports.export_part_run(part_id=parts_of(job)[0].pk)  # one part of three done, as a worker would
    page = client.get(response["Location"]).content.decode()
    assert "<progress" in page and 'value="25"' in page and "进行中 1/4" in page and "后台生成中" in page
    assert reverse("reports:export_download", args=[job.pk]) not in page
    assert client.get(reverse("job_status", args=[job.pk])).json()["percent"] == 25
    for part in parts_of(job)[1:]:
        exports.export_part_run(part_id=part.pk)
    exports.export_merge_run(job_id=job.pk)
    page = client.get(response["Location"]).content.decode()
    assert reverse("reports:export_download", args=[job.pk]) in page and "双流区-2017-2018-达标情况.xlsx" in page


def test_a_refused_start_starts_nothing(world, schools, client):
    stranger = grant(UserFactory(username="jj"), "district_admin", district=DistrictFactory(code="510104"))
    client.force_login(stranger)
    for name, data in (("reports:district_submission", {"scope": "district", "district": world.district.pk}),
                       ("reports:compliance_export", {"scope": "district", "district": world.district.pk}),
                       ("reports:compliance_export", {"scope": "city"}),
                       ("reports:district_submission", {"scope": "district", "district": "city"})):
        assert client.post(reverse(name), {**data, "year": "2017"}).status_code == 404, (name, data)
    assert not Job.objects.exists() and not ExportPart.objects.exists()

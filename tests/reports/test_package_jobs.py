"""The 审证 package as a job of parts (a chunk of the statements bundle each, taken by several
workers) and a merge: the same package as the one-task build, redelivered or killed parts change
nothing, a failing part fails the job with a Chinese message, the bar moves a teacher a step, and a
refused start creates nothing."""

import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from accounts.jobs import job_create
from accounts.models import Job
from reports import documents as D
from reports import exports
from reports import package as P
from reports.models import ExportPart
from tests.reports.parts import WorkerKilled, assert_part_left_undone, assert_redelivery_changes_nothing, parts_of

from . import xlsx_reference as ref
from .conftest import RARE_NAME, counted, pdf_pages, pdf_text
from .test_pages import _scan


@pytest.fixture
def chunked(world, monkeypatch):
    monkeypatch.setattr(D, "STATEMENT_CHUNK", 1)  # a teacher a part: three parts and the merge
    counted(world.junior, "admin_training", 60)
    counted(world.senior, "admin_training", 30)
    counted(world.senior, "school_based_training", 20)
    return world


def _start(world, school=None):
    return P.package_start(actor=world.school_admin, school=school or world.school, academic_year=world.year,
                           applicant_ids=[world.senior.pk])


def _zip(job) -> zipfile.ZipFile:
    job.refresh_from_db()
    with default_storage.open(job.result["file"], "rb") as fh:
        return zipfile.ZipFile(io.BytesIO(fh.read()))


def _one_task(world, school):
    """The reference: the same package built by the one-task run."""
    job = job_create(kind=P.KIND, owner=world.school_admin)
    job.result = {"school": school.pk, "year": world.year.start_year, "applicants": [world.senior.pk]}
    job.save(update_fields=["result"])
    P.package_run(job_id=job.pk)
    return job


def _run_all(job):
    for part in parts_of(job):
        assert P.package_part_run(part_id=part.pk) is True
    assert P.package_merge_run(job_id=job.pk) is True


def _same_package(parted: zipfile.ZipFile, single: zipfile.ZipFile, tmp_path):
    assert parted.namelist() == single.namelist()
    for name in parted.namelist():
        a, b = parted.read(name), single.read(name)
        if name.endswith(".pdf") and "扫描件" not in name:  # rendered here (the scans are the uploads)
            assert pdf_pages(a) == pdf_pages(b), name
            assert pdf_text(a, tmp_path, "a") == pdf_text(b, tmp_path, "b"), name
        elif name.endswith(".xlsx"):
            (tmp_path / "a.xlsx").write_bytes(a)
            (tmp_path / "b.xlsx").write_bytes(b)
            assert ref.cells(tmp_path / "a.xlsx") == ref.cells(tmp_path / "b.xlsx"), name
        else:
            assert a == b, name


def test_the_package_built_in_parts_is_the_one_task_package(chunked, client, tmp_path):
    world = chunked
    client.force_login(world.school_admin)
    client.post(reverse("reports:form2"), {"teacher": world.junior.pk, "year": "2017", "scan": _scan()})
    job = _start(world)
    assert [p.ids for p in parts_of(job)] == [[t.pk] for t in D.S.ordered_teachers(world.school)]
    _run_all(job)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.done == job.total == 3 + P.EXTRA_STEPS
    assert job.result["filename"] == "棠湖中学-2017-2018-审证材料.zip"
    parted, single = _zip(job), _zip(_one_task(world, world.school))
    _same_package(parted, single, tmp_path)
    bundle = parted.read(parted.namelist()[0])
    assert pdf_pages(bundle) >= 3 and RARE_NAME in pdf_text(bundle, tmp_path)
    assert all(p.file and not default_storage.exists(p.file) for p in parts_of(job))  # the parts' files are gone
    assert exports.PARTS_FOLDER not in job.result["file"]


def test_a_school_without_teachers_gets_the_same_empty_bundle(chunked, tmp_path):
    world = chunked
    job = _start(world, world.other_school)
    assert [p.ids for p in parts_of(job)] == [[]]
    _run_all(job)
    _same_package(_zip(job), _zip(_one_task(world, world.other_school)), tmp_path)


def test_eager_celery_builds_the_package_through_theparts_of(chunked, client, django_capture_on_commit_callbacks):
    client.force_login(chunked.school_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:package"), {"school": chunked.school.pk, "year": "2017"})
    job = Job.objects.get(kind=P.KIND)
    assert response.status_code == 302 and f"job={job.pk}" in response["Location"]
    assert job.status == Job.Status.DONE and len(parts_of(job)) == 3 and all(p.done_at for p in parts_of(job))
    assert reverse("reports:package_download", args=[job.pk]) in client.get(response["Location"]).content.decode()


def test_a_redelivered_part_or_merge_changes_nothing(chunked):
    job = _start(chunked)  # the test's transaction never commits: nothing is enqueued
    assert_redelivery_changes_nothing(job, P.package_part_run, P.package_merge_run, done_after_first=(1, 3 + P.EXTRA_STEPS))


def test_a_part_killed_mid_way_is_done_again_by_the_redelivered_task(chunked, monkeypatch, tmp_path):
    job = _start(chunked)
    first = parts_of(job)[0]
    real = D.statements_chunk_pdf

    def dying(*args, **kwargs):
        raise WorkerKilled

    monkeypatch.setattr(D, "statements_chunk_pdf", dying)
    with pytest.raises(WorkerKilled):
        P.package_part_run(part_id=first.pk)
    assert_part_left_undone(job, first)
    monkeypatch.setattr(D, "statements_chunk_pdf", real)
    _run_all(job)
    _same_package(_zip(job), _zip(_one_task(chunked, chunked.school)), tmp_path)


def test_a_failing_part_ends_the_job_with_a_chinese_message(chunked, monkeypatch):
    job = _start(chunked)

    def broken(*args, **kwargs):
        raise ValueError("字体文件缺失")

    monkeypatch.setattr(D, "statements_chunk_pdf", broken)
    with pytest.raises(ValueError):
        P.package_part_run(part_id=parts_of(job)[0].pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.error == "生成审证材料包失败：字体文件缺失"
    assert P.package_part_run(part_id=parts_of(job)[1].pk) is False  # the others stop
    assert P.package_merge_run(job_id=job.pk) is False
    assert "file" not in job.result


def test_a_refused_start_creates_nothing(chunked, client):
    client.force_login(chunked.other_admin)  # the admin of another school
    response = client.post(reverse("reports:package"), {"school": chunked.school.pk, "year": "2017"})
    assert response.status_code == 404
    assert not Job.objects.exists() and not ExportPart.objects.exists()


def test_the_bars_poll_brings_the_download_button_when_the_job_is_done(chunked, client):
    from reports.archive import KIND as ARCHIVE_KIND

    client.force_login(chunked.school_admin)
    job = _start(chunked)
    url = reverse("job_status", args=[job.pk])
    running = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "完成后此处即出现下载按钮" in running and 'hx-trigger="every 1s"' in running
    assert reverse("reports:package_download", args=[job.pk]) not in running
    _run_all(job)
    done = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert f'href="{reverse("reports:package_download", args=[job.pk])}"' in done
    assert 'data-testid="package-download"' in done and "下载 棠湖中学-2017-2018-审证材料.zip" in done
    assert "hx-trigger" not in done and "完成后此处" not in done  # the poll stops
    archive = job_create(kind=ARCHIVE_KIND, owner=chunked.school_admin)
    archive.status, archive.result = Job.Status.DONE, {"filename": "档案.zip", "files": 9, "file": "x.zip"}
    archive.save()
    page = client.get(reverse("job_status", args=[archive.pk]), headers={"HX-Request": "true"}).content.decode()
    assert reverse("reports:archive_download", args=[archive.pk]) in page and "下载 档案.zip（9 个文件）" in page


def test_a_failed_job_offers_no_download_and_says_why(chunked, client, monkeypatch):
    client.force_login(chunked.school_admin)
    job = _start(chunked)
    monkeypatch.setattr(D, "statements_chunk_pdf", lambda *a, **k: (_ for _ in ()).throw(ValueError("字体文件缺失")))
    with pytest.raises(ValueError):
        P.package_part_run(part_id=parts_of(job)[0].pk)
    page = client.get(reverse("job_status", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()
    assert "生成审证材料包失败：字体文件缺失" in page and "下载" not in page and "完成后此处" not in page

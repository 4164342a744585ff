"""accounts.jobs.job_file_run: the one run of a job whose work is a file (the 审证 package, the
学年档案): the file in storage and the job done with it, or the job failed with the reason."""

import zipfile

import pytest
from django.core.files.storage import default_storage

from accounts.jobs import job_create, job_file_run
from accounts.models import Job
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _job():
    job = job_create(kind="test_file", owner=UserFactory())
    job.result = {"school": 7}
    job.save(update_fields=["result"])
    return job


def test_the_file_is_stored_and_the_job_ends_with_it():
    job = _job()

    def build(params, target, progress):
        with zipfile.ZipFile(target, "w") as zf:
            zf.writestr("a.txt", f"学校 {params['school']}")
        progress(1, 1)
        return ["a.txt"], "材料.zip"

    job_file_run(job_id=job.pk, folder="tests/files", failure="生成失败", build=build)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert (job.result["school"], job.result["filename"], job.result["files"]) == (7, "材料.zip", 1)
    with default_storage.open(job.result["file"]) as fh, zipfile.ZipFile(fh) as zf:
        assert zf.read("a.txt").decode() == "学校 7"
    # Delivered again: left as it is.
    job_file_run(job_id=job.pk, folder="tests/files", failure="生成失败", build=lambda *a: 1 / 0)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE


def test_a_failure_ends_the_job_with_the_reason_and_stores_nothing():
    job = _job()

    def build(params, target, progress):
        raise ValueError("没有该学年")

    with pytest.raises(ValueError):
        job_file_run(job_id=job.pk, folder="tests/files", failure="生成失败", build=build)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.error == "生成失败：没有该学年"
    assert job.result == {"school": 7}
    assert not default_storage.exists("tests/files") or default_storage.listdir("tests/files") == ([], [])

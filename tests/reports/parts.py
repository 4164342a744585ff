"""What every job built in parts (reports.exports: the district exports, the 审证 package) must
do, written once for their tests."""

from accounts.models import Job
from reports.models import ExportPart


class WorkerKilled(BaseException):
    """What a killed worker looks like to the part: it stops mid-way, no handler runs."""


def parts_of(job) -> list[ExportPart]:
    return list(ExportPart.objects.filter(job=job).order_by("index"))


def assert_redelivery_changes_nothing(job, run_part, run_merge, *, done_after_first: tuple) -> None:
    """Three parts: the first delivered twice, the merge sent before its time, the rest, the merge;
    then every part and the merge again. Only the first delivery of each does anything.
    `done_after_first`: the job's (done, total) once the first part is done."""
    first, second, third = parts_of(job)
    assert run_part(part_id=first.pk) is True
    assert run_part(part_id=first.pk) is False  # delivered twice
    job.refresh_from_db()
    assert ((job.done, job.total)[:len(done_after_first)], job.status) == (done_after_first, Job.Status.RUNNING)
    assert run_merge(job_id=job.pk) is False  # sent before its time: parts are missing
    assert run_part(part_id=second.pk) is True
    assert run_part(part_id=third.pk) is True
    assert run_merge(job_id=job.pk) is True
    job.refresh_from_db()
    done = (job.status, job.done, job.result["file"], job.finished_at)
    parts = [(p.file, p.rows, p.done_at) for p in parts_of(job)]
    assert run_part(part_id=second.pk) is False
    assert run_merge(job_id=job.pk) is False
    job.refresh_from_db()
    assert (job.status, job.done, job.result["file"], job.finished_at) == done
    assert [(p.file, p.rows, p.done_at) for p in parts_of(job)] == parts


def assert_part_left_undone(job, part) -> None:
    """After a killed part: nothing of it is there and the job has not moved."""
    part.refresh_from_db()
    job.refresh_from_db()
    assert part.done_at is None and part.file == "" and job.done == 0 and job.status == Job.Status.PENDING

"""Progress of long jobs. A Celery task (eager or on a worker) reports into a Job row;
the page polls `job_status` and draws the bar.

A running job beats (`heartbeat_at`) with every progress step. One that has not beaten for
JOB_STALE_SECONDS lost its worker (killed, out of memory, redeployed): `job_is_stale` tells it,
and `job_claim` lets exactly one run take it over, so a redelivered task and a resume never run
the same job twice at once.
"""

import contextlib
import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.db import reading_replica

from .models import Job

logger = logging.getLogger(__name__)

BROKER_DOWN_MESSAGE = "后台任务服务暂时无法连接，本次未能开始处理，上传的文件已删除。请稍后重新提交；如持续出现，请联系系统管理员。"


def job_create(*, kind: str, owner, total: int = 0) -> Job:
    return Job.objects.create(kind=kind, owner=owner, total=total)


def _stale_before() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=settings.JOB_STALE_SECONDS)


def stale_jobs(kind: str | None = None):
    """Jobs left unfinished by a worker that is gone: running without a recent beat, or queued
    long ago and never started (a lost message)."""
    before = _stale_before()
    qs = Job.objects.filter(
        Q(status=Job.Status.RUNNING) & (Q(heartbeat_at__lt=before) | Q(heartbeat_at__isnull=True, created_at__lt=before))
        | Q(status=Job.Status.PENDING, created_at__lt=before)
    )
    return qs.filter(kind=kind) if kind else qs


def job_is_stale(job: Job) -> bool:
    return stale_jobs().filter(pk=job.pk).exists()


def job_claim(job: Job) -> bool:
    """Takes the job for this run: only if it is queued or its last run stopped beating.
    Returns False while another live run holds it."""
    now = timezone.now()
    claimable = Q(status=Job.Status.PENDING) | Q(status=Job.Status.RUNNING) & (
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=_stale_before()))
    taken = Job.objects.filter(claimable, pk=job.pk).update(status=Job.Status.RUNNING, heartbeat_at=now)
    if taken:
        job.status, job.heartbeat_at = Job.Status.RUNNING, now
    return bool(taken)


def job_progress(job: Job, *, done: int, total: int | None = None, result: dict | None = None) -> None:
    """Written outside the job's own transaction so that pollers see it move; `result` persists
    what a resumed run needs to continue."""
    now = timezone.now()
    fields: dict[str, Any] = {"done": done, "status": Job.Status.RUNNING, "heartbeat_at": now}
    if total is not None:
        fields["total"] = total
    if result is not None:
        fields["result"] = result
    Job.objects.filter(pk=job.pk).update(**fields)
    job.done = done
    job.heartbeat_at = now
    if total is not None:
        job.total = total
    if result is not None:
        job.result = result


def job_finish(job: Job, *, result: dict | None = None, error: str = "") -> None:
    job.status = Job.Status.FAILED if error else Job.Status.DONE
    job.result = result or {}
    job.error = error
    job.done = job.total if not error else job.done
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "result", "error", "done", "finished_at"])


def job_enqueue(job: Job, task, *args, on_failure: Callable[[Job], None] | None = None, fail_job: bool = True) -> bool:
    """Publishes `task(*args)` for `job`. With the broker unreachable (refused, timed out: a
    second or two, see BROKER_CONNECT_TIMEOUT) the job ends as failed with a Chinese message and
    `on_failure` cleans up (the import deletes its uploaded sheet); returns False. Eager (no
    broker) the task runs here and its own errors propagate as before."""
    if task.app.conf.task_always_eager:
        task.delay(*args)
        return True
    try:
        task.apply_async(args=args)
    except Exception:
        logger.exception("job %s (%s): the broker could not be reached", job.pk, job.kind)
        if fail_job:
            job_finish(job, result=job.result, error=BROKER_DOWN_MESSAGE)
        if on_failure is not None:
            on_failure(job)
        return False
    return True


def job_file_run(*, job_id: int, folder: str, failure: str, build: Callable[..., tuple[list, str]],
                 suffix: str = ".zip", replica: bool = False,
                 caught_up: Callable[[dict], bool] | None = None) -> None:
    """The run of a job whose work is one file (a ZIP of documents): ``build(params, target,
    progress)`` writes it to the path `target` and returns (the names inside, the download's file
    name); the file goes to storage under `folder` and the job ends with it (the page's bar and
    accounts.downloads.job_file_response read that). A finished job is left as it is (the task may
    be delivered twice); a failure ends the job with `failure` and the reason, and is raised on.

    `replica`: ``build`` reads from the read replica (``core.db.reading_replica``, when
    ``REPLICA_DATABASE_URL`` is set), seconds behind the primary; the job's own row and every
    write stay on the primary. ``caught_up(params)``, asked on the replica, keeps the build on the
    primary when it says the replica lacks what the build needs (a sealed 学年's seal)."""
    import tempfile
    import uuid

    from django.core.files import File
    from django.core.files.storage import default_storage

    job = Job.objects.get(pk=job_id)
    if job.status in (Job.Status.DONE, Job.Status.FAILED):
        return
    params = dict(job.result or {})
    scope = (reading_replica(caught_up=None if caught_up is None else (lambda: caught_up(params)))
             if replica else contextlib.nullcontext())
    try:
        with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
            with scope:
                names, filename = build(params, tmp.name, lambda d, t: job_progress(job, done=d, total=t))
            with open(tmp.name, "rb") as fh:
                path = default_storage.save(f"{folder}/{uuid.uuid4().hex}{suffix}", File(fh))
    except Exception as exc:  # the page shows the failure on the bar
        job_finish(job, result=params, error=f"{failure}：{exc}")
        raise
    job_finish(job, result={**params, "file": path, "filename": filename, "files": len(names)})

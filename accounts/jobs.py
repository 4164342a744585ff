"""Progress of long jobs. A Celery task (eager or on a worker) reports into a Job row;
the page polls `job_status` and draws the bar."""

from django.utils import timezone

from .models import Job


def job_create(*, kind: str, owner, total: int = 0) -> Job:
    return Job.objects.create(kind=kind, owner=owner, total=total)


def job_progress(job: Job, *, done: int, total: int | None = None) -> None:
    """Written outside the job's own transaction so that pollers see it move."""
    fields = {"done": done, "status": Job.Status.RUNNING}
    if total is not None:
        fields["total"] = total
    Job.objects.filter(pk=job.pk).update(**fields)
    job.done = done
    if total is not None:
        job.total = total


def job_finish(job: Job, *, result: dict | None = None, error: str = "") -> None:
    job.status = Job.Status.FAILED if error else Job.Status.DONE
    job.result = result or {}
    job.error = error
    job.done = job.total if not error else job.done
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "result", "error", "done", "finished_at"])

"""Celery tasks: thin, idempotent, taking ids and calling services."""

import datetime

from celery import shared_task
from django.contrib.auth import get_user_model


@shared_task
def send_deadline_reminders(days: int = 7, today: str | None = None) -> int:
    from .services import deadline_reminders_send

    day = datetime.date.fromisoformat(today) if today else None
    return deadline_reminders_send(today=day, days=days)


@shared_task
def send_reviewer_digests(today: str | None = None) -> int:
    from .services.digest import reviewer_digests_send

    day = datetime.date.fromisoformat(today) if today else None
    return reviewer_digests_send(today=day)


@shared_task
def bulk_review_task(job_id: int, actor_id: int, entry_ids: list[int], step: str, today: str | None = None,
                     versions: dict | None = None) -> None:
    from dataclasses import asdict

    from accounts.jobs import job_finish
    from accounts.models import Job

    from .services import entries_bulk_review

    job = Job.objects.get(pk=job_id)
    if job.status in (Job.Status.DONE, Job.Status.FAILED):
        return
    actor = get_user_model().objects.get(pk=actor_id)
    day = datetime.date.fromisoformat(today) if today else None
    try:
        results = entries_bulk_review(actor=actor, entry_ids=entry_ids, step=step, today=day, job=job,
                                      versions=versions)
    except Exception as exc:  # report any failure on the job the page polls
        job_finish(job, error=str(exc))
        raise
    ok = sum(1 for r in results if r.ok)
    job_finish(job, result={"ok": ok, "failed": len(results) - ok, "results": [asdict(r) for r in results]})


@shared_task
def feed_import_task(job_id: int) -> None:
    from .services.feeds import feed_import_file_run

    feed_import_file_run(job_id=job_id)

"""Celery tasks of 审证: thin, taking ids, calling a service; idempotent (a rerun checks the rest)."""

import datetime

from celery import shared_task


@shared_task
def check_hand_ins_task(job_id: int, actor_id: int, academic_year_id: int, hand_in_ids: list[int],
                        today: str | None = None) -> None:
    from dataclasses import asdict

    from django.contrib.auth import get_user_model

    from accounts.jobs import job_finish
    from accounts.models import Job
    from credits.models import AcademicYear

    from .services import hand_ins_check

    job = Job.objects.get(pk=job_id)
    if job.status in (Job.Status.DONE, Job.Status.FAILED):
        return
    actor = get_user_model().objects.get(pk=actor_id)
    year = AcademicYear.objects.get(pk=academic_year_id)
    day = datetime.date.fromisoformat(today) if today else None
    try:
        results = hand_ins_check(actor=actor, academic_year=year, hand_in_ids=hand_in_ids, today=day, job=job)
    except Exception as exc:  # report any failure on the job the page polls
        job_finish(job, error=str(exc))
        raise
    ok = [r for r in results if r.ok]
    job_finish(job, result={"ok": len(ok), "failed": len(results) - len(ok),
                            "confirmed": sum(r.confirmed for r in ok),
                            "left_warned": sum(r.left_warned for r in ok), "results": [asdict(r) for r in results]})

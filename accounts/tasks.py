"""Celery tasks of the accounts app: thin, take ids, idempotent."""

from celery import shared_task


# acks_late + reject_on_worker_lost: a worker killed mid-import hands the message back at once
# (not after the broker's visibility timeout); the run resumes from its last checkpoint, and
# job_claim keeps a redelivery from running beside a live run.
@shared_task(name="accounts.import_teachers", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def import_teachers(job_id: int) -> None:
    from .imports import teachers_import_run

    teachers_import_run(job_id=job_id)


@shared_task(name="accounts.resume_stale_imports")
def resume_stale_imports() -> list[int]:
    from .imports import resume_stale_imports as resume

    return resume()


@shared_task(name="accounts.purge_initial_passwords")
def purge_initial_passwords() -> int:
    from .imports import purge_initial_passwords as purge

    return purge()


@shared_task(name="accounts.send_notification_emails")
def send_notification_emails(notification_ids: list[int]) -> int:
    from .services import notification_emails_send

    return notification_emails_send(notification_ids=notification_ids)

"""Celery tasks of the accounts app: thin, take ids, idempotent."""

from celery import shared_task


@shared_task(name="accounts.import_teachers")
def import_teachers(job_id: int) -> None:
    from .imports import teachers_import_run

    teachers_import_run(job_id=job_id)


@shared_task(name="accounts.send_notification_emails")
def send_notification_emails(notification_ids: list[int]) -> int:
    from .services import notification_emails_send

    return notification_emails_send(notification_ids=notification_ids)

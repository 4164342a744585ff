"""Celery tasks of the certificates app: thin, take ids, idempotent."""

from celery import shared_task


@shared_task(name="certificates.issue_batch")
def issue_batch(run_id: int) -> None:
    from .services.issue import certificate_batch_run

    certificate_batch_run(run_id=run_id)

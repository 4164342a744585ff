"""Celery tasks of the reports app: thin, take ids, idempotent."""

from celery import shared_task


@shared_task(name="reports.build_package")
def build_package_task(job_id: int) -> None:
    from .package import package_run

    package_run(job_id=job_id)

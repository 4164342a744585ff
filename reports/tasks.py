"""Celery tasks of the reports app: thin, take ids, idempotent."""

from celery import shared_task


@shared_task(name="reports.build_package")
def build_package_task(job_id: int) -> None:
    from .package import package_run

    package_run(job_id=job_id)


# Registered under the name it had in the sealing app, so that a 学年档案 queued before the move
# is still run by the workers.
@shared_task(name="sealing.build_archive")
def build_archive_task(job_id: int) -> None:
    """A sealed 学年's archive of a school or district (idempotent: a finished job is left alone)."""
    from .archive import archive_run

    archive_run(job_id=job_id)

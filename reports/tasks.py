"""Celery tasks of the reports app: thin, take ids, idempotent."""

from celery import shared_task


# The whole package in one task: what a job queued before the package was built in parts runs.
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


# A part or the merge whose worker dies is delivered again (acks_late, reject_on_worker_lost): both
# are idempotent (reports.exports).
@shared_task(name="reports.export_part", acks_late=True, reject_on_worker_lost=True)
def export_part_task(part_id: int) -> bool:
    from .exports import export_part_run

    return export_part_run(part_id=part_id)


@shared_task(name="reports.export_merge", acks_late=True, reject_on_worker_lost=True)
def export_merge_task(job_id: int) -> bool:
    from .exports import export_merge_run

    return export_merge_run(job_id=job_id)


@shared_task(name="reports.package_part", acks_late=True, reject_on_worker_lost=True)
def package_part_task(part_id: int) -> bool:
    from .package import package_part_run

    return package_part_run(part_id=part_id)


@shared_task(name="reports.package_merge", acks_late=True, reject_on_worker_lost=True)
def package_merge_task(job_id: int) -> bool:
    from .package import package_merge_run

    return package_merge_run(job_id=job_id)

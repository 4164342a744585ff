"""Celery tasks of the seal: thin, by id, idempotent (a redelivered task changes nothing), so
they may be acknowledged late and run by any number of workers at once."""

from celery import shared_task


@shared_task(name="sealing.seal_run", acks_late=True)
def seal_run(seal_id: int) -> int:
    """Fan the seal out: one task per batch of chunks (schools) not done yet."""
    from .services import seal_resume

    return seal_resume(seal_id=seal_id)


@shared_task(name="sealing.seal_chunks", acks_late=True, reject_on_worker_lost=True)
def seal_chunks_task(chunk_ids: list[int]) -> int:
    from .services import seal_chunks_run

    return seal_chunks_run(chunk_ids=chunk_ids)


@shared_task(name="sealing.seal_finalize", acks_late=True, reject_on_worker_lost=True)
def seal_finalize_task(seal_id: int) -> bool:
    from .services import seal_finalize

    return seal_finalize(seal_id=seal_id)

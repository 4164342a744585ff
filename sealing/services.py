"""Writes of the seal (notice 三(一)2 "11月……统一核对……所有数据并封存").

- ``seal_start``: city staff seal a 学年 — when every school is ready (nothing open, its hand-in
  reviewed by the district: ``selectors.year_readiness``), or anyway with a reason,
  closing every still-open entry as 未按期审核 (kept, listed, audited). From that moment the
  学年 is locked (``AcademicYear.sealing_started_at``): services and PostgreSQL triggers refuse
  every change. One SealChunk per school; on commit they are enqueued for the Celery workers in
  tasks of about ``SEAL_BATCH_TEACHERS`` teachers (whole schools).
- ``seal_chunks_run``: a batch of schools' teachers: their kept totals rows checked against the
  set-based recompute (``credits.selectors.YearCalc``) and corrected where they differ, a snapshot
  with its digest per teacher — all in one transaction with the chunks' `done_at`, so a killed
  worker leaves its chunks wholly undone.
- ``seal_finalize``: once every chunk is done, the Merkle root, the counts, the seal record
  committed and ``AcademicYear.sealed_at`` — one transaction, so no reader sees half a seal.
- ``seal_resume``: enqueue again whatever is not done (after a worker died); idempotent.
"""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone

from accounts.access import has_role
from accounts.models import Role, School, TeacherProfile
from core.bulk import insert_rows
from credits.models import OPEN_STATUSES, AcademicYear, CreditEntry, EntryStatus, TeacherYearTotal
from credits.selectors import YearCalc

from . import merkle
from .errors import SealError
from .models import SealChunk, SealedSnapshot, SealRecord, SealState

LATE_COMMENT = "市教科院封存学年时仍未审核完毕，按“未按期审核”关闭。"


def _today(today):
    return today if today is not None else timezone.localdate()


def _require_city(actor) -> None:
    if not has_role(actor, Role.CITY_STAFF):
        raise SealError("学年封存由市教科院教师发展研究所办理。", kind="permission")


def open_entries(academic_year):
    """Entries of the 学年 still waiting for someone: they block the seal (or are closed by it)."""
    return CreditEntry.objects.filter(academic_year=academic_year, status__in=OPEN_STATUSES)


@transaction.atomic
def seal_start(*, actor, academic_year: AcademicYear, force: bool = False, reason: str = "",
               today: datetime.date | None = None) -> SealRecord:
    """Start sealing `academic_year`. Refused before the city's check opens (11月), when the year is
    sealed or being sealed, and — unless `force` with a reason — while entries are still open.
    With `force`, every open entry is closed as 未按期审核 with an audit row naming the reason."""
    from accounts.jobs import job_create
    from reviews.models import Action, EntryTransition

    _require_city(actor)
    year = AcademicYear.objects.select_for_update().get(pk=academic_year.pk)
    if year.is_sealed:
        raise SealError(f"{year.label}学年已于{timezone.localtime(year.sealed_at):%Y年%m月%d日}封存。", kind="state")
    if year.sealing_started_at is not None:
        raise SealError(f"{year.label}学年正在封存中，请查看进度。", kind="state")
    from reviews.calendar import window_range
    from reviews.models import Window

    day = _today(today)
    # The window as the calendar has it (city staff may open it earlier, with a reason); a late
    # seal stays possible after 11月30日.
    d = window_range(year, Window.CITY_SEAL).opens
    if day < d:
        raise SealError(f"{year.label}学年的市级核对封存于{d.year}年{d.month}月{d.day}日开始，今天还不能封存。",
                        kind="window")
    reason = (reason or "").strip()
    pending = open_entries(year)
    n_open = pending.count()
    if n_open and not force:
        raise SealError(f"{year.label}学年尚有{n_open}条登记未审核完毕；可待审核完毕后封存，或填写理由后仍然封存。",
                        kind="state")
    # The console's readiness: every school's 学年 reviewed by its district (the city for 市直属)
    # and 核对 by the city.
    from .selectors import year_readiness

    units = year_readiness(academic_year=year)
    waiting = [u for u in units if u.schools_ready < u.schools]
    if waiting and not force:
        names = "、".join(f"{u.label}{u.schools - u.schools_ready}所" for u in waiting[:5])
        raise SealError(f"{year.label}学年尚有学校未完成审核（{names}）；可待审核完毕后封存，或填写理由后仍然封存。",
                        kind="state")
    unchecked = [u for u in units if u.schools_to_check]
    if unchecked and not force:
        names = "、".join(f"{u.label}{u.schools_to_check}所" for u in unchecked[:5])
        raise SealError(f"{year.label}学年尚有学校待市级核对（{names}）；请先在“核对”中确认，或填写理由后仍然封存。",
                        kind="state")
    if force and not reason:
        raise SealError("未全部审核即封存须填写理由。")

    now = timezone.now()
    closed = 0
    if n_open:
        # Closed before the year is locked (the triggers refuse every write after that).
        rows = list(pending.select_for_update(of=("self",)).values_list("pk", "status"))
        CreditEntry.objects.filter(pk__in=[pk for pk, _ in rows]).update(
            status=EntryStatus.LATE, last_comment=LATE_COMMENT, updated_at=now)
        comment = f"{LATE_COMMENT}理由：{reason}"[:500]
        insert_rows(EntryTransition, ("entry", "action", "actor", "role", "at", "from_state", "to_state", "changes",
                                      "comment"),
                    ((pk, Action.CLOSE_LATE.value, actor.pk, Role.CITY_STAFF.value, now, status, EntryStatus.LATE.value,
                      {"status": [status, EntryStatus.LATE.value]}, comment) for pk, status in rows))
        closed = len(rows)
        # The totals table follows, as every service keeps it: no entry of the 学年 is open now.
        TeacherYearTotal.objects.filter(academic_year=year, open_entries__gt=0).update(open_entries=0, updated_at=now)

    school_ids = sorted(set(TeacherProfile.objects.order_by().values_list("school_id", flat=True).distinct()))
    job = job_create(kind="seal", owner=actor, total=len(school_ids) + 1)
    seal = SealRecord.objects.create(
        academic_year=year, state=SealState.RUNNING, started_by=actor, started_at=now, forced=bool(force and (n_open or waiting)),
        reason=reason[:500], closed_late_count=closed, chunk_total=len(school_ids), job=job,
    )
    SealChunk.objects.bulk_create([SealChunk(seal=seal, school_id=s) for s in school_ids], batch_size=1000)
    year.sealing_started_at = now
    year.save(update_fields=["sealing_started_at"])
    seal_pk = seal.pk
    transaction.on_commit(lambda: _enqueue_run(seal_pk))
    return seal


def _enqueue_run(seal_id: int) -> None:
    from .tasks import seal_run

    seal_run.delay(seal_id)


def pending_chunk_ids(seal_id: int) -> list[int]:
    return list(SealChunk.objects.filter(seal_id=seal_id, done_at__isnull=True).order_by("pk").values_list("pk", flat=True))


SNAPSHOT_FIELDS = ("seal", "academic_year", "teacher", "school", "district", "digest", *TeacherYearTotal.FIGURES)


def _year_calc(seal: SealRecord, year: AcademicYear) -> YearCalc:
    """The 学年's compiled rules, built once per seal in a worker process: the year is locked while
    it is sealed, and every chunk of one seal counts with the same catalogue."""
    key = (seal.pk, seal.started_at)  # the start time too: a test database reuses ids
    calc = _CALCS.get(key)
    if calc is None:
        _CALCS.clear()  # one seal at a time is all a worker needs to remember
        calc = _CALCS[key] = YearCalc(year)
    return calc


_CALCS: dict[tuple, YearCalc] = {}


def _snapshot_rows(seal: SealRecord, teachers, year: AcademicYear) -> tuple[list[tuple], list[int]]:
    """Snapshot rows (``SNAPSHOT_FIELDS``, with digests) of `teachers` [(pk, school_id,
    district_id)] from the kept totals table, checked against the full set-based recompute
    (``credits.selectors.YearCalc``): a teacher whose row differs, or is missing, is corrected to
    the recompute before the snapshot is taken. Returns (rows, the school of each corrected teacher).

    After a forced seal ``seal_start`` has already set the closed entries' open counts to zero in
    the table, so in a table kept current nothing differs here."""
    ids = [t[0] for t in teachers]
    figures = _year_calc(seal, year).for_teachers(ids)
    names = TeacherYearTotal.FIGURES
    kept = {r[0]: r[1:] for r in TeacherYearTotal.objects.filter(academic_year=year, teacher_id__in=ids)
            .values_list("teacher_id", *names)}
    corrected, stale, schools = [], [], []
    snaps = []
    for pk, school_id, district_id in teachers:
        f = figures[pk]
        columns = f.columns()
        values = tuple(columns.values())
        row = kept.get(pk)
        if row is None:
            if f.counted_entries or f.open_entries:
                corrected.append(TeacherYearTotal(teacher_id=pk, academic_year=year, **columns))
                schools.append(school_id)
        elif row != values:
            stale.append(pk)
            corrected.append(TeacherYearTotal(teacher_id=pk, academic_year=year, **columns))
            schools.append(school_id)
        else:
            values = row  # the kept row itself: equal to the recompute
        payload = merkle.snapshot_payload(teacher_id=pk, start_year=year.start_year, figures=dict(zip(names, values, strict=True)))
        snaps.append((seal.pk, year.pk, pk, school_id, district_id, merkle.leaf_hash(payload), *values))
    if stale:
        # Replaced rather than bulk_update'd: one CASE per column and row costs ~0.4 s a school in
        # the ORM. The year is locked, so no service writes these rows meanwhile.
        TeacherYearTotal.objects.filter(academic_year=year, teacher_id__in=stale).delete()
    TeacherYearTotal.objects.bulk_create(corrected, batch_size=1000)
    return snaps, schools


def seal_chunk_run(*, chunk_id: int) -> bool:
    """Seal one school's teachers: ``seal_chunks_run`` of one chunk."""
    return seal_chunks_run(chunk_ids=[chunk_id]) == 1


def seal_chunks_run(*, chunk_ids) -> int:
    """Seal the teachers of several schools' chunks in one transaction (one grouped query, one
    COPY: at a chunk a task the seal spent most of its time in per-query round trips). Chunks
    already done, or locked by another worker right now, are skipped, so a redelivered task
    changes nothing. Returns how many chunks this call did."""
    from django.conf import settings

    pause = float(getattr(settings, "SEAL_CHUNK_PAUSE_SECONDS", 0) or 0)
    with transaction.atomic():
        chunks = list(SealChunk.objects.select_for_update(skip_locked=True, of=("self",))
                      .select_related("seal__academic_year")
                      .filter(pk__in=list(chunk_ids), done_at__isnull=True, seal__state=SealState.RUNNING).order_by("pk"))
        if not chunks:
            return 0
        seal, year = chunks[0].seal, chunks[0].seal.academic_year
        chunks = [c for c in chunks if c.seal_id == seal.pk]  # one seal a call (a task is one seal's)
        # Only these schools' teachers without a snapshot (one moved here from a chunk already done
        # keeps that snapshot).
        teachers = list(TeacherProfile.objects.filter(school_id__in=[c.school_id for c in chunks]).order_by("pk")
                        .exclude(Exists(SealedSnapshot.objects.filter(seal=seal, teacher_id=OuterRef("pk"))))
                        .values_list("pk", "school_id", "school__district_id"))
        snaps, corrected = _snapshot_rows(seal, teachers, year)
        insert_rows(SealedSnapshot, SNAPSHOT_FIELDS, snaps)
        if pause:
            import time

            time.sleep(pause * len(chunks))  # SEAL_CHUNK_PAUSE_SECONDS: slows a demo seal down enough to watch it
        now = timezone.now()
        per_school: dict[int, list[int]] = {c.school_id: [0, 0] for c in chunks}
        for row in snaps:
            per_school[row[3]][0] += 1
        for school_id in corrected:
            per_school[school_id][1] += 1
        for c in chunks:
            c.done_at = now
            c.teacher_count, c.corrected_count = per_school[c.school_id]
        SealChunk.objects.bulk_update(chunks, ["done_at", "teacher_count", "corrected_count"])
        # One increment under the seal row's lock, in the chunks' transaction (a chunk is done once):
        # the last chunk to commit is the one that sees every chunk done.
        with connection.cursor() as cur:
            cur.execute(f"UPDATE {SealRecord._meta.db_table} SET chunk_done = chunk_done + %s WHERE id = %s "
                        "RETURNING chunk_done, chunk_total, job_id", [len(chunks), seal.pk])
            chunk_done, chunk_total, job_id = cur.fetchone()
        if job_id:
            from accounts.models import Job

            Job.objects.filter(pk=job_id).update(done=chunk_done, status=Job.Status.RUNNING)
        if chunk_done >= chunk_total:
            seal_pk = seal.pk
            transaction.on_commit(lambda: _enqueue_finalize(seal_pk))
    return len(chunks)


def _enqueue_finalize(seal_id: int) -> None:
    from .tasks import seal_finalize_task

    seal_finalize_task.delay(seal_id)


@transaction.atomic
def seal_finalize(*, seal_id: int) -> bool:
    """Commit the seal: teachers who moved between chunks are caught up, the root is computed over
    every snapshot (by teacher id), the record committed and the 学年's `sealed_at` set."""
    from accounts.jobs import job_finish

    seal = SealRecord.objects.select_for_update(of=("self",)).select_related("academic_year", "job").get(pk=seal_id)
    if seal.state != SealState.RUNNING or SealChunk.objects.filter(seal=seal, done_at__isnull=True).exists():
        return False
    year = seal.academic_year
    done = set(SealedSnapshot.objects.filter(seal=seal).values_list("teacher_id", flat=True))
    missing = [t for t in TeacherProfile.objects.order_by("pk").values_list("pk", "school_id", "school__district_id")
               if t[0] not in done]
    if missing:
        insert_rows(SealedSnapshot, SNAPSHOT_FIELDS, _snapshot_rows(seal, missing, year)[0])
    snaps = SealedSnapshot.objects.filter(seal=seal)
    leaves = list(snaps.order_by("teacher_id").values_list("digest", flat=True))
    sums = snaps.aggregate(total=Sum("total"), entries=Sum("counted_entries"))
    corrected = SealChunk.objects.filter(seal=seal).aggregate(n=Sum("corrected_count"))["n"] or 0
    now = timezone.now()
    seal.merkle_root = merkle.merkle_root(leaves)
    seal.teacher_count = len(leaves)
    seal.entry_count = sums["entries"] or 0
    seal.total_credits = sums["total"] or 0
    seal.corrected_count = corrected
    seal.chunk_done = seal.chunk_total
    seal.state = SealState.COMMITTED
    seal.committed_at = now
    seal.save(update_fields=["merkle_root", "teacher_count", "entry_count", "total_credits", "corrected_count",
                             "chunk_done", "state", "committed_at"])
    year.sealed_at = now
    year.sealed_by_id = seal.started_by_id
    year.save(update_fields=["sealed_at", "sealed_by"])
    if seal.job is not None:
        job_finish(seal.job, result={"seal": seal.pk, "merkle_root": seal.merkle_root, "teachers": seal.teacher_count,
                                     "corrected": corrected})
    return True


def seal_resume(*, seal_id: int) -> int:
    """Enqueue every chunk not done yet, in tasks of about ``SEAL_BATCH_TEACHERS`` teachers (and
    the finalisation if none is left). Safe to call any time: chunks already done or being done
    are skipped by the workers. Returns how many chunks were enqueued."""
    from .tasks import seal_chunks_task, seal_finalize_task

    seal = SealRecord.objects.get(pk=seal_id)
    if seal.state != SealState.RUNNING:
        return 0
    batches = pending_chunk_batches(seal_id)
    for batch in batches:
        seal_chunks_task.delay(batch)
    if not batches:
        seal_finalize_task.delay(seal_id)
    return sum(len(b) for b in batches)


def pending_chunk_batches(seal_id: int) -> list[list[int]]:
    """The chunks not done yet, in school order, cut into batches of about
    ``SEAL_BATCH_TEACHERS`` teachers each (a school larger than that is a batch of its own)."""
    from django.conf import settings
    from django.db.models import Count

    limit = max(1, int(getattr(settings, "SEAL_BATCH_TEACHERS", 2000)))
    pending = list(SealChunk.objects.filter(seal_id=seal_id, done_at__isnull=True).order_by("pk")
                   .values_list("pk", "school_id"))
    sizes = dict(TeacherProfile.objects.filter(school_id__in=[s for _, s in pending]).order_by()
                 .values("school_id").annotate(n=Count("pk")).values_list("school_id", "n"))
    batches: list[list[int]] = []
    batch: list[int] = []
    teachers = 0
    for pk, school_id in pending:
        n = sizes.get(school_id, 0)
        if batch and teachers + n > limit:
            batches.append(batch)
            batch, teachers = [], 0
        batch.append(pk)
        teachers += n
    if batch:
        batches.append(batch)
    return batches


def seal_schools(year: AcademicYear):
    """Schools the seal covers: every school with a teacher account."""
    return School.objects.filter(pk__in=TeacherProfile.objects.values("school_id"))

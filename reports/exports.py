"""A district's 送审报表 and a district's or the city's 达标情况 as a background job split across
workers (issue 15, build item 4), instead of a 10–30 s request.

The click starts a Job (``export_start``) with one ``ExportPart`` per batch of schools
(``documents.SCHOOL_BATCH``, the batch the single-process build reads its totals by). Each part is
its own Celery task, so several workers take parts at once: a part computes its schools' rows
(``documents.district_submission_rows`` / ``compliance_rows``) and writes them to a file in
storage, then marks itself done in one transaction under its row lock (``skip_locked``: a
redelivered or concurrent task finds it done or locked and changes nothing; a killed worker's
transaction rolls back and the redelivered task does the part again) and adds one to the job's
done counter under the job row's lock — the part that brings the counter to the number of parts is
the one that enqueues the merge. The merge (``accounts.jobs.job_file_run``, the one runner of a
job whose work is a file) streams the parts in order into the one write-only workbook
(``documents.write_district_submission`` / ``write_compliance``): the same writer the
single-process build uses, so the workbook is the same cell for cell
(tests/reports/test_export_jobs.py). The owner downloads it (``accounts.access.jobs_for_user``).

The part pieces (``parts_create``, ``part_run``, ``parts_ready``, ``parts_delete``) are the same
for any document built in parts: the 审证 package's statements bundle uses them too
(reports.package), with its own part writer and merge.

Parts store the cells as JSON (Decimals as the numbers the sheet gets, the summaries' Decimals as
text, so the sums are exact). Part files are deleted once the workbook is stored.
"""

from __future__ import annotations

import json
import logging
import tempfile
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.jobs import job_create, job_enqueue, job_file_run, job_finish
from accounts.models import Job, School
from credits.models import AcademicYear

from . import documents as D
from . import selectors as S
from .excel import xlsx_value
from .models import ExportPart

logger = logging.getLogger(__name__)

SUBMISSION = "district_submission"
COMPLIANCE = "compliance"
# Job kinds (accounts.Job.kind); the download view accepts these only.
KINDS = {SUBMISSION: "reports_district_submission", COMPLIANCE: "reports_compliance"}
LABELS = {SUBMISSION: "送审报表", COMPLIANCE: "达标情况"}
PARTS_FOLDER = "reports/exports/parts"


def export_start(*, actor, export: str, schools, level: str, title: str, academic_year: AcademicYear) -> Job:
    """Start the export of `schools` (in report order) as a job of one part per school batch plus
    the merge. The caller has checked the scope (accounts.access.can_export_district /
    can_export_city). Returns the Job; the parts are enqueued when the transaction commits."""
    from .tasks import export_part_task

    ids = [s.pk for s in schools]
    batches = list(S.chunks(ids, D.SCHOOL_BATCH)) or [[]]
    with transaction.atomic():
        job = job_create(kind=KINDS[export], owner=actor, total=len(batches) + 1)  # + the merge
        job.result = {"export": export, "year": academic_year.start_year, "level": level, "title": title,
                      "parts": len(batches), "schools": len(ids)}
        job.save(update_fields=["result"])
        parts_create(job, batches, export_part_task)
    return job


# --- the parts of a job, whatever they hold (these exports, the 审证 package's statements) -----


def parts_create(job: Job, batches: list[list[int]], task) -> None:
    """One ExportPart per batch of ids (in order), each enqueued as `task(part_id)` when the
    transaction commits. Inside the caller's transaction."""
    ExportPart.objects.bulk_create([ExportPart(job=job, index=n, ids=b) for n, b in enumerate(batches)])
    part_ids = list(ExportPart.objects.filter(job=job).order_by("index").values_list("pk", flat=True))
    transaction.on_commit(lambda: _enqueue_parts(job, task, part_ids))


def _enqueue_parts(job: Job, task, part_ids: list[int]) -> None:
    for pk in part_ids:
        if not job_enqueue(job, task, pk):
            return  # the broker is down: the job ended failed with the message; the rest are not sent


def part_run(*, part_id: int, write: Callable[[ExportPart, dict, Any], int], merge_task,
             failure: Callable[[Job], str], weight: Callable[[ExportPart], int] = lambda part: 1,
             suffix: str = ".jsonl") -> bool:
    """Do one part: ``write(part, params, tmp)`` writes its file to the binary file `tmp` and
    returns its row count; the file is stored, the part marked done and the job's bar moved by
    ``weight(part)``. False when it was done already, is being done by another worker (its row is
    locked), or its job has ended (failed): a redelivered task changes nothing. A failure ends the
    job with ``failure(job)`` and the reason (the other parts then stop), and is raised on."""
    try:
        return _part(part_id, write, merge_task, weight, suffix)
    except Exception as exc:
        job = Job.objects.filter(export_parts__pk=part_id).first()
        if job is not None and job.status not in (Job.Status.DONE, Job.Status.FAILED):
            job_finish(job, result=job.result, error=f"{failure(job)}：{exc}")
        raise


def _part(part_id: int, write, merge_task, weight, suffix: str) -> bool:
    with transaction.atomic():
        part = (ExportPart.objects.select_for_update(skip_locked=True, of=("self",)).select_related("job")
                .filter(pk=part_id, done_at__isnull=True).first())
        if part is None or part.job.status in (Job.Status.DONE, Job.Status.FAILED):
            return False
        with tempfile.TemporaryFile("w+b") as tmp:
            count = write(part, part.job.result, tmp)
            tmp.seek(0)
            path = default_storage.save(f"{PARTS_FOLDER}/{part.job_id}/{part.index:05d}-{uuid.uuid4().hex}{suffix}",
                                        File(tmp))
        # Should this transaction roll back now, the file is an orphan in the job's folder, which
        # the merge's cleanup deletes with the rest.
        part.file, part.rows, part.done_at = path, count, timezone.now()
        part.save(update_fields=["file", "rows", "done_at"])
        # The bar moves under the job row's lock, in the part's transaction (a part is done once).
        # Whoever takes that lock second sees the first's part committed (each statement reads
        # what is committed), so the part that commits last is the one that finds no part left
        # and enqueues the merge — once.
        Job.objects.filter(pk=part.job_id).update(done=F("done") + weight(part), status=Job.Status.RUNNING,
                                                  heartbeat_at=timezone.now())
        if not ExportPart.objects.filter(job_id=part.job_id, done_at__isnull=True).exists():
            job_id = part.job_id
            transaction.on_commit(lambda: job_enqueue(Job.objects.get(pk=job_id), merge_task, job_id))
    return True


def parts_ready(job_id: int) -> tuple[Job, list[ExportPart]] | None:
    """The job and its parts in order, for the merge; None (nothing to do) while a part is not
    done or once the job has ended: a redelivered merge, or one sent before its time."""
    job = Job.objects.get(pk=job_id)
    parts = list(ExportPart.objects.filter(job_id=job_id).order_by("index"))
    if job.status in (Job.Status.DONE, Job.Status.FAILED) or not parts or any(p.done_at is None for p in parts):
        return None
    return job, parts


def parts_delete(job_id: int) -> None:
    """The parts' files, orphans of rolled-back parts included; the rows stay (they say what ran)."""
    folder = f"{PARTS_FOLDER}/{job_id}"
    try:
        _dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        default_storage.delete(f"{folder}/{name}")


# --- the district exports' parts and merge ----------------------------------------------------


def _encode(export: str, row) -> list:
    if export == SUBMISSION:
        return [xlsx_value(v) for v in row]
    return [[xlsx_value(v) for v in row.cells], list(row.district), row.school, row.stage, row.ok, row.cycle_ok,
            str(row.short), str(row.regulated), str(row.flexible)]


def _decode(export: str, data: list):
    if export == SUBMISSION:
        return data
    cells, district, school, stage, ok, cycle_ok, short, regulated, flexible = data
    return D.ComplianceRow(cells, tuple(district), school, stage, ok, cycle_ok, Decimal(short), Decimal(regulated),
                           Decimal(flexible))


def _rows(export: str, schools, year):
    return D.district_submission_rows(schools, year) if export == SUBMISSION else D.compliance_rows(schools, year)


def export_part_run(*, part_id: int) -> bool:
    """Write one part's rows (see part_run: a redelivered task changes nothing)."""
    from .tasks import export_merge_task

    return part_run(part_id=part_id, write=_write_part, merge_task=export_merge_task, failure=_failure)


def _failure(job: Job) -> str:
    return f"生成{LABELS.get((job.result or {}).get('export'), '报表')}失败"


def _write_part(part: ExportPart, params: dict, tmp) -> int:
    year = AcademicYear.objects.get(start_year=params["year"])
    by_id = School.objects.select_related("district").in_bulk(part.ids)
    schools = [by_id[pk] for pk in part.ids if pk in by_id]
    count = 0
    for row in _rows(params["export"], schools, year):
        tmp.write(json.dumps(_encode(params["export"], row), ensure_ascii=False).encode() + b"\n")
        count += 1
    return count


def _read(export: str, parts):
    for part in parts:
        with default_storage.open(part.file, "rb") as fh:
            for line in fh:
                yield _decode(export, json.loads(line))


def export_merge_run(*, job_id: int) -> bool:
    """Stream every part, in order, into the one workbook and end the job with it. False (nothing
    done) while a part is not done or once the job has ended (parts_ready)."""
    ready = parts_ready(job_id)
    if ready is None:
        return False
    job, parts = ready

    def build(params, target, progress):
        year = AcademicYear.objects.get(start_year=params["year"])
        rows = _read(params["export"], parts)
        if params["export"] == SUBMISSION:
            D.write_district_submission(rows, target, year=year, title=params["title"])
        else:
            D.write_compliance(rows, target, level=params["level"], year=year, title=params["title"])
        return [p.file for p in parts], f"{params['title']}-{year.label}-{LABELS[params['export']]}.xlsx"

    job_file_run(job_id=job_id, folder="reports/exports", failure=_failure(job), build=build, suffix=".xlsx")
    parts_delete(job_id)
    return True

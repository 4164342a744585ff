"""The school's whole 审证 package for a 学年 as one ZIP (notice 三(一)3, 三(二)3):
the 个人学分统计表 in the order of the 送审报表, the 送审报表 (PDF 一式两份 and Excel), 附件3 for
this year's applicants (Excel and PDF), the signed 附件2 scans, and a 清单 of what is inside.

A job split across workers (issue 15, build item 4), like the district exports (reports.exports,
whose part pieces it uses): ``package_start`` makes one ExportPart per chunk of
``documents.STATEMENT_CHUNK`` teachers of the statements bundle (the chunks the one-process
bundle renders), each its own Celery task (``reports.package_part``) writing its chunk's PDF to
storage; the last part to finish enqueues the merge (``reports.package_merge``), which joins the
chunks in order with pypdf — as ``documents.statements_bundle_pdf`` does — and writes the rest of
the package through ``accounts.jobs.job_file_run``. The statements are most of the work (about a
fifth of a second a teacher), so N workers on free cores build one school's package up to N times
faster, as far as it has chunks (186 teachers: 5; measured 1.9× with 2 workers, README "Scale").
Progress goes to the Job the page polls: a teacher a step, then the four other documents.

``package_run`` is the one-task build (the task ``reports.build_package``, kept for jobs queued
before the parts existed): the same ZIP."""

from __future__ import annotations

import contextlib
import tempfile
import zipfile
from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.db import transaction

from accounts.jobs import job_create, job_file_run
from accounts.models import Job, School, TeacherProfile
from credits.models import AcademicYear

from . import documents as D
from . import selectors as S
from .exports import part_run, parts_create, parts_delete, parts_ready
from .models import ExportPart, SignedForm2

KIND = "reports_package"
FAILURE = "生成审证材料包失败"

EXTRA_STEPS = 4  # 送审报表 PDF, 送审报表 Excel, 附件3, scans


def latest_scans(school: School, year: AcademicYear) -> list[SignedForm2]:
    """The current (latest) signed 附件2 of each teacher of the school for the 学年."""
    seen, out = set(), []
    for scan in (SignedForm2.objects.filter(school=school, academic_year=year)
                 .select_related("teacher").order_by("teacher_id", "-uploaded_at", "-id")):
        if scan.teacher_id not in seen:
            seen.add(scan.teacher_id)
            out.append(scan)
    return out


def build_package(*, school: School, year: AcademicYear, applicants=(), target, progress=None,
                  statements=None) -> list[str]:
    """Write the ZIP to `target` (path or binary file); returns the names inside, in order.
    `statements`: the path of the statements bundle already rendered (by the parts), else it is
    rendered here."""
    teachers = S.ordered_teachers(school)
    total = len(teachers) + EXTRA_STEPS
    step = [0]

    def tick(n=1):
        step[0] += n
        if progress:
            progress(step[0], total)

    names = []
    prefix = f"{school.name}-{year.label}"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf, tempfile.TemporaryDirectory() as tmp:
        bundle = f"{tmp}/statements.pdf"
        done = [0]

        def on_chunk(d, _t):
            tick(d - done[0])
            done[0] = d

        if statements is None:
            D.statements_bundle_pdf(school, year, bundle, progress=on_chunk)
        else:
            bundle = statements
            tick(len(teachers))
        names.append(f"{prefix}/1-个人学分统计表（按送审报表顺序）.pdf")
        zf.write(bundle, names[-1])
        names.append(f"{prefix}/2-送审报表（一式两份）.pdf")
        zf.writestr(names[-1], D.submission_pdf(school, year))
        tick()
        names.append(f"{prefix}/2-送审报表.xlsx")
        zf.writestr(names[-1], D.submission_xlsx(school, year))
        tick()
        applicants = list(applicants)
        if applicants:
            names.append(f"{prefix}/3-附件3 送审报表（评职称用）.xlsx")
            zf.writestr(names[-1], D.form3_xlsx(school, year, applicants))
            names.append(f"{prefix}/3-附件3 送审报表（评职称用）.pdf")
            zf.writestr(names[-1], D.form3_pdf(school, year, applicants))
        tick()
        scans = latest_scans(school, year)
        for scan in scans:
            suffix = PurePosixPath(scan.original_name).suffix.lower() or ".pdf"
            names.append(f"{prefix}/4-附件2 签字盖章扫描件/{scan.teacher.user.username}-{scan.teacher.name}{suffix}")
            with scan.file.open("rb") as fh:
                zf.writestr(names[-1], fh.read())
        tick()
        missing = [t for t in teachers if t.pk not in {s.teacher_id for s in scans}]
        manifest = [f"{school.name} {year.label}学年度 审证材料清单", ""] + [f"· {n.split('/', 1)[1]}" for n in names]
        manifest += ["", f"教师 {len(teachers)} 人；附件2 扫描件 {len(scans)} 份；附件3 申报人 {len(applicants)} 人。"]
        if missing:
            manifest.append("尚未上传附件2 扫描件：" + "、".join(t.name for t in missing[:200])
                            + ("……" if len(missing) > 200 else ""))
        names.append(f"{prefix}/清单.txt")
        zf.writestr(names[-1], "\n".join(manifest) + "\n")
    return names


def _inputs(params: dict):
    school = School.objects.select_related("district").get(pk=params["school"])
    year = AcademicYear.objects.get(start_year=params["year"])
    ids = params.get("applicants") or []
    order = {pk: n for n, pk in enumerate(ids)}
    applicants = sorted(TeacherProfile.objects.filter(pk__in=ids, school=school).select_related("user", "school"),
                        key=lambda t: order[t.pk])
    return school, year, applicants


def package_run(*, job_id: int) -> None:
    """The whole package in one task (accounts.jobs.job_file_run: a finished job is left as it is)."""
    def build(params, target, progress):
        school, year, applicants = _inputs(params)
        names = build_package(school=school, year=year, applicants=applicants, target=target, progress=progress)
        return names, f"{school.name}-{year.label}-审证材料.zip"

    job_file_run(job_id=job_id, folder="reports/packages", failure=FAILURE, build=build)


def package_start(*, actor, school: School, academic_year: AcademicYear, applicant_ids=()) -> Job:
    """The job of the school's package: one part per chunk of the statements bundle, then the
    merge. Returns the Job; the parts are enqueued when the transaction commits."""
    from .tasks import package_part_task

    ids = [t.pk for t in S.ordered_teachers(school)]
    chunks = list(S.chunks(ids, D.STATEMENT_CHUNK)) or [[]]  # no teacher: one part, the empty page
    with transaction.atomic():
        job = job_create(kind=KIND, owner=actor, total=len(ids) + EXTRA_STEPS)
        job.result = {"school": school.pk, "year": academic_year.start_year, "applicants": list(applicant_ids),
                      "parts": len(chunks), "teachers": len(ids)}
        job.save(update_fields=["result"])
        parts_create(job, chunks, package_part_task)
    return job


def package_part_run(*, part_id: int) -> bool:
    """Render one chunk of the statements bundle (see exports.part_run: a redelivered task
    changes nothing)."""
    from .tasks import package_merge_task

    return part_run(part_id=part_id, write=_write_statements, merge_task=package_merge_task,
                    failure=lambda job: FAILURE, weight=lambda part: len(part.ids), suffix=".pdf")


def _write_statements(part: ExportPart, params: dict, tmp) -> int:
    school = School.objects.select_related("district").get(pk=params["school"])
    year = AcademicYear.objects.get(start_year=params["year"])
    if not part.ids:
        D.statements_empty_pdf(school, tmp)
        return 0
    # The teachers as the bundle reads them (report order's objects); one who left the school
    # since the start is left out.
    by_id = {t.pk: t for t in S.ordered_teachers(school)}
    teachers = [by_id[pk] for pk in part.ids if pk in by_id]
    before = ExportPart.objects.filter(job_id=part.job_id, index__lt=part.index).values_list("ids", flat=True)
    D.statements_chunk_pdf(teachers, year, tmp, first_number=1 + sum(len(ids) for ids in before))
    return len(teachers)


def package_merge_run(*, job_id: int) -> bool:
    """Join the parts' PDFs in order into the statements bundle and build the package with it.
    False (nothing done) while a part is not done or once the job has ended."""
    ready = parts_ready(job_id)
    if ready is None:
        return False
    _job, parts = ready

    def build(params, target, progress):
        school, year, applicants = _inputs(params)
        with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as files:
            bundle = f"{tmp}/statements.pdf"
            D.merge_pdfs([files.enter_context(default_storage.open(p.file, "rb")) for p in parts], bundle)
            names = build_package(school=school, year=year, applicants=applicants, target=target, progress=progress,
                                  statements=bundle)
        return names, f"{school.name}-{year.label}-审证材料.zip"

    job_file_run(job_id=job_id, folder="reports/packages", failure=FAILURE, build=build)
    parts_delete(job_id)
    return True

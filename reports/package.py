"""The school's whole 审证 package for a 学年 as one ZIP (notice 三(一)3, 三(二)3):
the 个人学分统计表 in the order of the 送审报表, the 送审报表 (PDF 一式两份 and Excel), 附件3 for
this year's applicants (Excel and PDF), the signed 附件2 scans, and a 清单 of what is inside.

Built into a temporary file (the statements PDF is itself rendered chunk by chunk), then stored
under MEDIA_ROOT; progress goes to the Job the page polls."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import PurePosixPath

from accounts.jobs import job_file_run
from accounts.models import School, TeacherProfile
from credits.models import AcademicYear

from . import documents as D
from . import selectors as S
from .models import SignedForm2

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


def build_package(*, school: School, year: AcademicYear, applicants=(), target, progress=None) -> list[str]:
    """Write the ZIP to `target` (path or binary file); returns the names inside, in order."""
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

        D.statements_bundle_pdf(school, year, bundle, progress=on_chunk)
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


def package_run(*, job_id: int) -> None:
    """The job's work (accounts.jobs.job_file_run: a finished job is left as it is)."""
    def build(params, target, progress):
        school = School.objects.select_related("district").get(pk=params["school"])
        year = AcademicYear.objects.get(start_year=params["year"])
        ids = params.get("applicants") or []
        order = {pk: n for n, pk in enumerate(ids)}
        applicants = sorted(TeacherProfile.objects.filter(pk__in=ids, school=school).select_related("user", "school"),
                            key=lambda t: order[t.pk])
        names = build_package(school=school, year=year, applicants=applicants, target=target, progress=progress)
        return names, f"{school.name}-{year.label}-审证材料.zip"

    job_file_run(job_id=job_id, folder="reports/packages", failure="生成审证材料包失败", build=build)

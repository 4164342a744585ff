"""The yearly archive of a sealed 学年 for a school or a district, to download and keep (notice
三(三)4 "以备查验"): the 个人学分统计表 and the 送审报表 of each school (reports.documents, which
reads a sealed 学年 from its snapshots), for a district also its 送审报表 and 达标情况, the seal's
snapshots of the scope as Excel and JSON — each snapshot with its digest and its Merkle path, so
that the archive alone proves every teacher's figures against the root — and 摘要与根.txt.

The scope is the school (or district) each teacher belonged to when the 学年 was sealed
(``SealedSnapshot.school`` / ``.district``). Built as a Job (progress bar) into a temporary file,
then stored under MEDIA_ROOT.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from dataclasses import dataclass

from django.db import transaction

from accounts.jobs import job_create, job_enqueue, job_file_run
from accounts.models import District, Job, School
from credits.models import AcademicYear
from sealing import merkle
from sealing.errors import SealError
from sealing.models import SealedSnapshot
from sealing.selectors import committed_seal

from . import documents as D

# The job kind and the storage folder keep the names they had when the archive was the sealing
# app's: existing jobs and their files stay downloadable.
KIND = "sealing_archive"
FIGURE_LABELS = [
    ("regulated", "规范性"), ("flexible", "灵活性"), ("total", "合计"), ("raw_total", "上限前合计"),
    ("centralized", "集中培训"), ("school_based", "校本研修"), ("self_directed", "自主研修"),
    ("unconfirmed", "其中待确认"), ("counted_entries", "计入登记数"), ("open_entries", "未审核登记数"),
    ("year_ok", "学年达标"), ("missing_total", "尚缺总学分"), ("missing_regulated", "尚缺规范性"),
    ("missing_flexible", "尚缺灵活性"),
]


@dataclass(frozen=True)
class Scope:
    """A school, or a district (`district` None with `city_direct`: the 市直属学校 together)."""

    school: School | None = None
    district: District | None = None

    @property
    def label(self) -> str:
        return self.school.name if self.school is not None else self.district.name if self.district else "市直属学校"

    def snapshots(self, seal):
        qs = SealedSnapshot.objects.filter(seal=seal)
        if self.school is not None:
            return qs.filter(school=self.school)
        return qs.filter(district=self.district) if self.district is not None else qs.filter(district__isnull=True)

    def schools(self, seal) -> list[School]:
        ids = self.snapshots(seal).order_by().values_list("school_id", flat=True).distinct()
        return list(School.objects.filter(pk__in=ids).select_related("district").order_by("code", "pk"))


def _seal_of(year: AcademicYear):
    seal = committed_seal(year)
    if seal is None:
        raise SealError(f"{year.label}学年尚未封存：学年档案在市教科院封存后生成。", kind="state")
    return seal


def archive_start(*, actor, academic_year: AcademicYear, school: School | None = None,
                  district: District | None = None) -> Job:
    """Start building the archive of `school` or `district` (neither: the 市直属学校) as a Job.
    Refused for a 学年 not sealed, and for a scope outside the actor's (accounts.access)."""
    from accounts import access

    _seal_of(academic_year)
    if school is not None:
        if not access.archive_schools(actor).filter(pk=school.pk).exists():
            raise SealError("只能下载本校（本区县）的学年档案。", kind="permission")
    elif district is not None:
        if not access.archive_districts(actor).filter(pk=district.pk).exists():
            raise SealError("只能下载本区（市）县的学年档案。", kind="permission")
    elif not access.can_seal(actor):
        raise SealError("市直属学校的学年档案由市教科院下载。", kind="permission")
    from .tasks import build_archive_task

    with transaction.atomic():
        job = job_create(kind=KIND, owner=actor, total=0)
        job.result = {"year": academic_year.start_year, "school": getattr(school, "pk", None),
                      "district": getattr(district, "pk", None)}
        job.save(update_fields=["result"])
        transaction.on_commit(lambda: job_enqueue(job, build_archive_task, job.pk))
    return job


def _snapshot_rows(seal, scope: Scope):
    """(snapshot, leaf index, proof) of the scope, by teacher id; the proof runs over every leaf
    of the seal, so it verifies against the seal's root."""
    leaves = list(SealedSnapshot.objects.filter(seal=seal).order_by("teacher_id").values_list("teacher_id", "digest"))
    index = {t: n for n, (t, _) in enumerate(leaves)}
    digests = [d for _, d in leaves]
    levels = merkle.tree(digests)
    snaps = scope.snapshots(seal).select_related("teacher__user", "school", "academic_year").order_by("teacher_id")
    for s in snaps:
        yield s, index[s.teacher_id], merkle.path_in(levels, index[s.teacher_id])


def _snapshots_xlsx(rows, target) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("封存快照")
    ws.append(["教师编号", "账号", "姓名", "封存时学校", *[label for _, label in FIGURE_LABELS], "叶序号", "摘要（SHA-256）"])
    for s, index, _ in rows:
        values = [("是" if getattr(s, name) else "否") if name == "year_ok" else getattr(s, name) for name, _ in FIGURE_LABELS]
        ws.append([s.teacher_id, s.teacher.user.username, s.teacher.name, s.school.name, *values, index, s.digest])
    wb.save(target)


def build_archive(*, scope: Scope, year: AcademicYear, target, progress=None) -> list[str]:
    """Write the archive ZIP to `target`; returns the names inside, in order."""
    seal = _seal_of(year)
    schools = scope.schools(seal)
    total = len(schools) + 3
    step = [0]

    def tick():
        step[0] += 1
        if progress:
            progress(step[0], total)

    prefix = f"{scope.label}-{year.label}学年档案"
    names: list[str] = []
    rows = list(_snapshot_rows(seal, scope))
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf, tempfile.TemporaryDirectory() as tmp:
        for school in schools:
            folder = f"{prefix}/{school.name}" if scope.school is None else prefix
            bundle = f"{tmp}/{school.pk}.pdf"
            D.statements_bundle_pdf(school, year, bundle)
            names.append(f"{folder}/个人学分统计表.pdf")
            zf.write(bundle, names[-1])
            names.append(f"{folder}/送审报表.pdf")
            zf.writestr(names[-1], D.submission_pdf(school, year))
            names.append(f"{folder}/送审报表.xlsx")
            zf.writestr(names[-1], D.submission_xlsx(school, year))
            tick()
        if scope.school is None and schools:
            path = f"{tmp}/district-submission.xlsx"
            D.district_submission_xlsx(schools, year, path, title=scope.label)
            names.append(f"{prefix}/{scope.label}送审报表.xlsx")
            zf.write(path, names[-1])
            path = f"{tmp}/compliance.xlsx"
            D.compliance_xlsx(schools, year, path, level="district", title=scope.label)
            names.append(f"{prefix}/{scope.label}达标情况.xlsx")
            zf.write(path, names[-1])
        tick()
        path = f"{tmp}/snapshots.xlsx"
        _snapshots_xlsx(rows, path)
        names.append(f"{prefix}/封存快照.xlsx")
        zf.write(path, names[-1])
        seal_info = {"学年": year.label, "start_year": year.start_year, "seal_id": seal.pk,
                     "committed_at": seal.committed_at.isoformat(), "merkle_root": seal.merkle_root,
                     "teachers_in_seal": seal.teacher_count, "teachers_here": len(rows)}
        data = {"scope": scope.label, "seal": seal_info, "leaf": "sha256(0x00 + canonical JSON of payload)",
                "node": "sha256(0x01 + left + right)",
                "snapshots": [{"teacher_id": s.teacher_id, "username": s.teacher.user.username, "name": s.teacher.name,
                               "school": s.school.name, "payload": s.payload(), "digest": s.digest, "index": index,
                               "proof": proof} for s, index, proof in rows]}
        names.append(f"{prefix}/封存快照.json")
        zf.writestr(names[-1], json.dumps(data, ensure_ascii=False, indent=1))
        tick()
        digests = [f"{s.teacher_id}\t{s.digest}" for s, _, _ in rows]
        names.append(f"{prefix}/摘要与根.txt")
        zf.writestr(names[-1], "\n".join([
            f"{scope.label} {year.label}学年 封存摘要",
            f"封存记录 {seal.pk}，封存完成 {seal.committed_at:%Y-%m-%d %H:%M}，全市 {seal.teacher_count} 名教师",
            f"Merkle 根 {seal.merkle_root}",
            "叶 = SHA-256(0x00 + 快照的规范 JSON)，节点 = SHA-256(0x01 + 左 + 右)；各教师的证明路径见 封存快照.json。",
            "", "教师编号\t摘要", *digests, ""]))
        names.append(f"{prefix}/清单.txt")
        zf.writestr(names[-1], "\n".join([f"{scope.label} {year.label}学年档案清单（以备查验）", "",
                                          *[f"· {n.split('/', 1)[1]}" for n in names], "",
                                          f"学校 {len(schools)} 所，教师 {len(rows)} 人。", ""]))
        tick()
    return names


def archive_run(*, job_id: int) -> None:
    """The job's work (accounts.jobs.job_file_run: a finished job is left as it is)."""
    def build(params, target, progress):
        year = AcademicYear.objects.get(start_year=params["year"])
        school_id, district_id = params.get("school"), params.get("district")
        scope = Scope(school=School.objects.filter(pk=school_id).first() if school_id else None,
                      district=District.objects.filter(pk=district_id).first() if district_id else None)
        names = build_archive(scope=scope, year=year, target=target, progress=progress)
        return names, f"{scope.label}-{year.label}学年档案.zip"

    def caught_up(params) -> bool:
        # Asked on the replica: once the committed seal is there, so is every snapshot (they were
        # committed before it, and a replica replays commits in order); a sealed 学年 never
        # changes after that, so the replica's archive is the primary's.
        return committed_seal(params["year"]) is not None

    # The folder keeps the name it had in the sealing app: archives built before the move stay where they are.
    job_file_run(job_id=job_id, folder="sealing/archives", failure="生成学年档案失败", build=build,
                 replica=True, caught_up=caught_up)

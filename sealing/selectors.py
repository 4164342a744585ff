"""Reads of the seal: the committed seal of a 学年, the sealed figures (or the provisional ones of
an open year, from the totals table), a teacher's Merkle proof, the console's readiness table,
and the verification that recomputes every digest.

For dashboards, compliance tables and exports (scale / reports engineers):
``year_figures_for(academic_year=…, school_ids=…|district_ids=…|teacher_ids=…)`` returns
``(sealed: bool, queryset)``: the snapshots of the committed seal for a sealed 学年, else the
rows of ``credits.TeacherYearTotal`` — both with the same figure columns and ``teacher_id``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from accounts.models import School, TeacherProfile
from credits.models import OPEN_STATUSES, AcademicYear, CreditEntry
from credits.selectors import year_figures, year_totals_table

from . import merkle
from .models import SealChunk, SealedSnapshot, SealRecord, SealState


def _year(academic_year) -> AcademicYear:
    if isinstance(academic_year, AcademicYear):
        return academic_year
    return AcademicYear.objects.get(start_year=int(academic_year))


def seal_for(academic_year) -> SealRecord | None:
    """The seal record of the 学年 (running or committed), or None."""
    return SealRecord.objects.filter(academic_year=_year(academic_year)).select_related("started_by", "job").first()


def committed_seal(academic_year) -> SealRecord | None:
    return SealRecord.objects.filter(academic_year=_year(academic_year), state=SealState.COMMITTED).first()


def _scope(qs, *, school_ids=None, district_ids=None, teacher_ids=None, school_field="school_id",
           district_field="district_id"):
    if school_ids is not None:
        qs = qs.filter(**{f"{school_field}__in": school_ids})
    if district_ids is not None:
        qs = qs.filter(**{f"{district_field}__in": district_ids})
    if teacher_ids is not None:
        qs = qs.filter(teacher_id__in=teacher_ids)
    return qs


def sealed_figures(*, academic_year, school_ids=None, district_ids=None, teacher_ids=None):
    """Snapshots of the committed seal of the 学年 (empty when it is not sealed), scoped by the
    school and district the teacher belonged to when the year was sealed."""
    seal = committed_seal(academic_year)
    if seal is None:
        return SealedSnapshot.objects.none()
    return _scope(SealedSnapshot.objects.filter(seal=seal), school_ids=school_ids, district_ids=district_ids,
                  teacher_ids=teacher_ids)


def year_figures_for(*, academic_year, school_ids=None, district_ids=None, teacher_ids=None):
    """(sealed, rows): the authoritative figures of a 学年 — snapshots once sealed, the totals
    table (provisional) until then. No reader sees a half-sealed year: snapshots count only once
    their seal has committed."""
    year = _year(academic_year)
    year = AcademicYear.objects.get(pk=year.pk)  # never a stale object: sealed_at is what decides
    if year.is_sealed:
        return True, sealed_figures(academic_year=year, school_ids=school_ids, district_ids=district_ids,
                                    teacher_ids=teacher_ids)
    return False, year_totals_table(academic_year=year, school_ids=school_ids, district_ids=district_ids,
                                    teacher_ids=teacher_ids)


def teacher_sealed_years(*, teacher) -> dict[int, SealedSnapshot]:
    """A teacher's snapshots of every sealed 学年, by start year."""
    rows = SealedSnapshot.objects.filter(teacher=teacher, seal__state=SealState.COMMITTED).select_related("academic_year")
    return {s.academic_year.start_year: s for s in rows}


def teacher_proof(*, teacher, academic_year) -> dict | None:
    """A teacher's place in the sealed 学年, for the 学分证明书: the snapshot's payload, its leaf
    hash, the audit path and the seal's root. ``sealing.merkle.verify(leaf, proof, root)`` checks it."""
    seal = committed_seal(academic_year)
    if seal is None:
        return None
    leaves = list(SealedSnapshot.objects.filter(seal=seal).order_by("teacher_id").values_list("teacher_id", "digest"))
    ids = [t for t, _ in leaves]
    teacher_id = getattr(teacher, "pk", teacher)
    if teacher_id not in ids:
        return None
    index = ids.index(teacher_id)
    snap = SealedSnapshot.objects.select_related("academic_year").get(seal=seal, teacher_id=teacher_id)
    digests = [d for _, d in leaves]
    return {
        "payload": snap.payload(),
        "leaf": snap.digest,
        "index": index,
        "proof": merkle.proof(digests, index),
        "root": seal.merkle_root,
        "seal_id": seal.pk,
        "sealed_at": seal.committed_at,
    }


# --- the console --------------------------------------------------------------------------


@dataclass
class UnitReadiness:
    """One row of the console: a district, or a 市直属学校 (the city plays the district for it)."""

    key: str
    label: str
    district_id: int | None
    school_ids: list[int] = field(default_factory=list)
    schools: int = 0
    schools_ready: int = 0
    schools_to_check: int = 0  # reviewed by the district, not yet 核对 by the city
    open_entries: int = 0
    open_by_status: dict = field(default_factory=dict)
    blockers: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.blockers


def _audits_ready(year: AcademicYear) -> tuple[dict[int, bool], set[int]]:
    """Whether each school's year has been handed in and reviewed, and the reviewed schools the
    city has still to 核对 (audits' hand-in)."""
    from audits.selectors import schools_reviewed, schools_to_check

    return schools_reviewed(year), schools_to_check(year)


def year_readiness(*, academic_year) -> list[UnitReadiness]:
    """Per district and per 市直属学校: schools, schools ready (nothing open, and reviewed where
    the calendar records reviews), entries still open, and what blocks the seal."""
    from credits.models import EntryStatus

    year = _year(academic_year)
    schools = list(School.objects.filter(pk__in=TeacherProfile.objects.values("school_id"))
                   .select_related("district").order_by("district__code", "code"))
    open_rows = (CreditEntry.objects.filter(academic_year=year, status__in=OPEN_STATUSES).order_by()
                 .values("school_id", "status").annotate(n=Count("id")))
    open_by_school: dict[int, dict[str, int]] = defaultdict(dict)
    for r in open_rows:
        open_by_school[r["school_id"]][r["status"]] = r["n"]
    reviewed, to_check = _audits_ready(year)
    units: dict[str, UnitReadiness] = {}
    for s in schools:
        if s.district is None:
            unit = units.setdefault(f"s{s.pk}", UnitReadiness(f"s{s.pk}", f"{s.name}（市直属）", None))
        else:
            unit = units.setdefault(f"d{s.district_id}", UnitReadiness(f"d{s.district_id}", s.district.name,
                                                                        s.district_id))
        unit.school_ids.append(s.pk)
        unit.schools += 1
        counts = open_by_school.get(s.pk, {})
        n = sum(counts.values())
        for status, k in counts.items():
            unit.open_by_status[status] = unit.open_by_status.get(status, 0) + k
        unit.open_entries += n
        school_reviewed = bool(reviewed.get(s.pk))
        if not n and school_reviewed:
            unit.schools_ready += 1
        unit.schools_to_check += s.pk in to_check
    for unit in units.values():
        if unit.open_entries:
            parts = "、".join(f"{EntryStatus(st).label}{k}条" for st, k in sorted(unit.open_by_status.items()))
            unit.blockers.append(f"尚有{unit.open_entries}条登记未审核完毕（{parts}）")
        if unit.schools_ready < unit.schools:
            unit.blockers.append(f"{unit.schools - unit.schools_ready}所学校尚未完成审核")
        if unit.schools_to_check:
            unit.blockers.append(f"{unit.schools_to_check}所学校待市级核对")
    return sorted(units.values(), key=lambda u: (u.district_id is None, u.label))


def open_entries_list(*, academic_year, school_ids=None, limit: int = 200):
    qs = CreditEntry.objects.filter(academic_year=_year(academic_year), status__in=OPEN_STATUSES)
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    return qs.select_related("teacher", "school", "item").order_by("school_id", "teacher_id", "pk")[:limit]


def late_entries(*, academic_year):
    """Entries the seal closed as 未按期审核: kept and listed."""
    from credits.models import EntryStatus

    return (CreditEntry.objects.filter(academic_year=_year(academic_year), status=EntryStatus.LATE)
            .select_related("teacher", "school", "item").order_by("school_id", "teacher_id", "pk"))


def seal_progress(seal: SealRecord) -> dict:
    done = SealChunk.objects.filter(seal=seal, done_at__isnull=False).count()
    return {"state": seal.state, "chunks": seal.chunk_total, "done": done, "percent": seal.percent,
            "root": seal.merkle_root}


# --- verification -------------------------------------------------------------------------


@dataclass
class VerifyReport:
    academic_year: int
    teachers: int = 0
    root_ok: bool = True
    stored_root: str = ""
    computed_root: str = ""
    # teacher_id → what differs ("摘要" the stored digest, a figure name, "缺少快照", "多余快照")
    problems: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.root_ok and not self.problems


def seal_verify(*, academic_year, batch: int = 1000) -> VerifyReport:
    """Recompute every digest of the sealed 学年 from the stored snapshot and every figure from the
    entries (through the rule engine), and the root from the digests: name every teacher whose
    data differs."""
    year = _year(academic_year)
    seal = committed_seal(year)
    report = VerifyReport(academic_year=year.start_year)
    if seal is None:
        report.root_ok = False
        report.problems[0] = ["该学年尚未封存"]
        return report
    snaps = SealedSnapshot.objects.filter(seal=seal).order_by("teacher_id")
    digests = []
    ids = list(snaps.values_list("teacher_id", flat=True))
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        figures = year_figures(teacher_ids=chunk, academic_year=year.start_year)
        for snap in snaps.filter(teacher_id__in=chunk):
            payload = merkle.snapshot_payload(teacher_id=snap.teacher_id, start_year=year.start_year,
                                              figures=snap.figures())
            digests.append(snap.digest)
            wrong = []
            if merkle.leaf_hash(payload) != snap.digest:
                wrong.append("摘要")
            wrong += [name for name, value in figures[snap.teacher_id].columns().items() if getattr(snap, name) != value]
            if wrong:
                report.problems[snap.teacher_id] = wrong
    others = TeacherProfile.objects.exclude(pk__in=ids).filter(
        Q(entries__academic_year=year)).values_list("pk", flat=True).distinct()
    for t in others:
        report.problems[t] = ["缺少快照"]
    report.teachers = len(ids)
    report.stored_root = seal.merkle_root
    report.computed_root = merkle.merkle_root(digests)
    report.root_ok = report.computed_root == seal.merkle_root
    return report

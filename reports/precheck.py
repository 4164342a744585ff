"""The pre-audit check a school runs before its 审证 date: everything the district would send
back, with the days left until the school's appointment in the district's 审证时间安排."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from accounts.models import AccountStatus, School
from credits import rules as R
from credits.models import AcademicYear, CreditEntry, EntryStatus, Flow

from . import selectors as S

PROOF_FLOWS = (Flow.DECLARE, Flow.ADMIN_REGISTER)
LIVE = (*S.OPEN_STATUSES, EntryStatus.DISTRICT_REVIEWED, EntryStatus.CONFIRMED)


@dataclass
class Finding:
    entry: CreditEntry | None
    teacher: object
    text: str


@dataclass
class Precheck:
    school: School
    year: AcademicYear
    today: datetime.date
    appointment: object | None
    open_entries: list = field(default_factory=list)
    missing_proof: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    ineligible: list = field(default_factory=list)
    short: list = field(default_factory=list)
    teacher_count: int = 0

    @property
    def days_left(self) -> int | None:
        return (self.appointment.date - self.today).days if self.appointment else None

    @property
    def problems(self) -> int:
        return (len(self.open_entries) + len(self.missing_proof) + len(self.duplicates) + len(self.ineligible)
                + len(self.short))

    @property
    def sections(self) -> list[tuple[str, str, list]]:
        return [
            ("open", "尚在审核中的登记（区县不会计入）", self.open_entries),
            ("proof", "缺少证明材料的登记", self.missing_proof),
            ("duplicates", "疑似重复登记", self.duplicates),
            ("warnings", "提示（学年上限已截去的学分等）", self.warnings),
            ("ineligible", "不符合登记条件的项目", self.ineligible),
            ("short", "学分未达标的教师（72 / 48 / 24）", self.short),
        ]


def _appointment(school, year):
    from reviews.models import ReviewAppointment

    return ReviewAppointment.objects.filter(academic_year=year, school=school).first()


def precheck(school: School, year: AcademicYear, *, today: datetime.date | None = None) -> Precheck:
    today = today or timezone.localdate()
    result = Precheck(school=school, year=year, today=today, appointment=_appointment(school, year))
    teachers = {t.pk: t for t in S.report_teachers([school.pk])}
    result.teacher_count = len(teachers)
    entries = list(
        CreditEntry.objects.filter(school=school, academic_year=year, status__in=LIVE)
        .select_related("item", "teacher", "teacher__user").annotate(n_evidence=Count("evidence")).order_by("teacher_id", "started_on", "pk")
    )
    seen = defaultdict(list)
    for e in entries:
        label = f"{e.item.name}：{e.title}（{e.started_on:%Y-%m-%d}，{S._fmt(e.quantity)}{e.item.unit_label}）"
        if e.status in S.OPEN_STATUSES:
            result.open_entries.append(Finding(e, e.teacher, f"{label} — {e.get_status_display()}"))
        if e.item.flow in PROOF_FLOWS and not e.n_evidence:
            result.missing_proof.append(Finding(e, e.teacher, label))
        key = (e.teacher_id, e.item.code, e.option, e.started_on, e.title.strip())
        if seen[key]:
            first = seen[key][0]
            result.duplicates.append(Finding(e, e.teacher, f"{label} 与登记 #{first.pk} 的项目、日期和内容相同"))
        seen[key].append(e)
        reasons = []
        if not e.item.is_active:
            reasons.append("项目已停用")
        if e.item.valid_from > year.start_year:
            reasons.append(f"项目自 {e.item.valid_from}-{e.item.valid_from + 1} 学年起适用")
        if e.item.conversion == "by_option" and e.option not in {o["key"] for o in e.item.options or []}:
            reasons.append("所选等级不在目录中")
        if e.teacher.status != AccountStatus.APPROVED:
            reasons.append(f"教师账号{e.teacher.get_status_display()}")
        if e.item.has_unconfirmed_values:
            result.warnings.append(Finding(e, e.teacher, f"{label} 按待确认的预设数值折算"))
        if reasons:
            result.ineligible.append(Finding(e, e.teacher, f"{label} — {'；'.join(reasons)}"))
    totals = S.year_totals(school_ids=[school.pk], academic_year=year)
    for tid, t in teachers.items():
        tt = totals[tid]
        if tt.over_cap > 0:
            result.warnings.append(Finding(None, t, f"学年上限截去 {S._fmt(tt.over_cap)} 学分（不计入合计）"))
        check = R.year_check(tt, year.start_year)
        if not check.ok:
            result.short.append(Finding(None, t, f"规范性 {S._fmt(tt.regulated)}，灵活性 {S._fmt(tt.flexible)}，"
                                                 f"合计 {S._fmt(tt.total)}：{S.missing_text(check)}学分"))
    return result

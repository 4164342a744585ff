"""Each district's 审证时间安排 per 学年 (Shuangliu 2018, 附件2 of its notice): schools → dates,
登记员 and phone. The city publishes the one of the 市直属学校. A new year starts as a copy of
the last one, a year later."""

import datetime
from dataclasses import dataclass

from django.db import transaction

from accounts import access
from accounts.models import School
from credits.models import AcademicYear
from reviews.calendar import ensure_not_sealed, window_range
from reviews.errors import TransitionError
from reviews.models import ReviewAppointment, Window


@dataclass(frozen=True)
class AppointmentRow:
    school: School
    date: datetime.date | None
    group: str = ""
    sequence: int | None = None
    registrar: str = ""
    contact_phone: str = ""


def _a_year_later(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 2月29日
        return day.replace(year=day.year + 1, day=28)


def _require_scope(actor, schools) -> None:
    allowed = set(access.schedule_edit_schools(actor).filter(pk__in=[s.pk for s in schools]).values_list("pk", flat=True))
    if not schools or any(s.pk not in allowed for s in schools):
        raise TransitionError("只能安排本区（市）县学校的审证时间（市直属学校由市教科院安排）。", kind="permission")


def _check_date(academic_year, school, day) -> None:
    rng = window_range(academic_year, Window.DISTRICT_REVIEW, school=school)
    if not rng.contains(day):
        raise TransitionError(f"{school.name}的审证日期须在{rng.describe()}之内。")


@transaction.atomic
def schedule_save(*, actor, academic_year: AcademicYear, rows: list[AppointmentRow]) -> int:
    """Publishes the rows of the schedule: a row with a date sets the school's appointment, one
    without removes it. All rows or none."""
    ensure_not_sealed(academic_year)
    _require_scope(actor, [r.school for r in rows])
    existing = {a.school_id: a for a in ReviewAppointment.objects.select_for_update()
                .filter(academic_year=academic_year, school__in=[r.school.pk for r in rows])}
    changed = 0
    for n, row in enumerate(rows, start=1):
        current = existing.get(row.school.pk)
        if row.date is None:
            if current is not None:
                current.delete()
                changed += 1
            continue
        _check_date(academic_year, row.school, row.date)
        values = {"date": row.date, "group": (row.group or "").strip()[:16] or row.school.get_category_display()[:16],
                  "sequence": row.sequence or n, "registrar": (row.registrar or "").strip()[:32],
                  "contact_phone": (row.contact_phone or "").strip()[:32]}
        if current is None:
            ReviewAppointment.objects.create(academic_year=academic_year, school=row.school, **values)
            changed += 1
        elif any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            current.save(update_fields=list(values))
            changed += 1
    return changed


@transaction.atomic
def schedule_copy_previous(*, actor, academic_year: AcademicYear, schools) -> int:
    """Starts the year's schedule from last year's, a year later, for the schools that have no
    date yet (a date already set is kept)."""
    ensure_not_sealed(academic_year)
    schools = list(schools)
    _require_scope(actor, schools)
    previous = list(ReviewAppointment.objects.filter(academic_year__start_year=academic_year.start_year - 1,
                                                     school__in=[s.pk for s in schools]).select_related("school"))
    if not previous:
        raise TransitionError(f"{academic_year.start_year - 1}-{academic_year.start_year}学年没有可复制的审证时间安排。")
    taken = set(ReviewAppointment.objects.filter(academic_year=academic_year, school__in=[s.pk for s in schools])
                .values_list("school_id", flat=True))
    new = [ReviewAppointment(academic_year=academic_year, school=a.school, group=a.group, sequence=a.sequence,
                             date=_a_year_later(a.date), registrar=a.registrar, contact_phone=a.contact_phone)
           for a in previous if a.school_id not in taken]
    ReviewAppointment.objects.bulk_create(new)
    return len(new)

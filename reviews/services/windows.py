"""Extending a window of the calendar, and the reminders before windows close."""

import datetime

from django.db import transaction
from django.db.models import Q

from accounts.access import has_role
from accounts.models import BaseLevel, Notification, Role, School, User
from credits.models import AcademicYear, CreditEntry, EntryStatus

from ..calendar import ensure_not_sealed, today_or, window_range
from ..errors import TransitionError
from ..models import Roster, Window, WindowExtension


@transaction.atomic
def window_extend(*, actor, academic_year: AcademicYear, window: str, until: datetime.date | None = None,
                  reason: str, district=None, school=None, opens: datetime.date | None = None) -> WindowExtension:
    """City staff widen a window — close it later (`until`), open it earlier (`opens`), or
    both — for the whole city, one district or one school, and say why."""
    if not has_role(actor, Role.CITY_STAFF):
        raise TransitionError("只有市教科院教师发展研究所可以调整时间段。", kind="permission")
    if window not in Window.values:
        raise TransitionError(f"未知的时间段：{window}。")
    ensure_not_sealed(academic_year)
    if district is not None and school is not None:
        raise TransitionError("请只选择一个范围：全市、一个区（市）县或一所学校。")
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError("调整时间段须填写理由。")
    if opens is None and until is None:
        raise TransitionError("请填写提前开放的日期或延后截止的日期。")
    current = window_range(academic_year, window, district_id=district.pk if district else None, school=school)
    if until is not None and until <= current.closes:
        raise TransitionError(f"延长后的截止日期须晚于当前截止日期（{current.closes:%Y-%m-%d}）。")
    if opens is not None and opens >= current.opens:
        raise TransitionError(f"提前后的开放日期须早于当前开放日期（{current.opens:%Y-%m-%d}）。")
    if opens is not None and opens > (until or current.closes):
        raise TransitionError("开放日期不能晚于截止日期。")
    return WindowExtension.objects.create(
        academic_year=academic_year, window=window, district=district, school=school, opens=opens, until=until,
        reason=reason[:300], created_by=actor,
    )


def _users(**role_filter):
    return User.objects.filter(is_active=True, **role_filter).distinct()


def _recipients(year: AcademicYear, window: str):
    """Who must act before `window` closes: only users with something still to do."""
    pending = CreditEntry.objects.filter(academic_year=year)
    if window == Window.REGISTRATION:
        # Teachers whose entry came back for correction.
        yield from _users(teacher_profile__entries__academic_year=year,
                          teacher_profile__entries__status__in=[EntryStatus.RETURNED])
    elif window == Window.SCHOOL_REVIEW:
        admin_schools = pending.filter(status=EntryStatus.SUBMITTED).values("school_id")
        leader_schools = pending.filter(status=EntryStatus.SCHOOL_VERIFIED).values("school_id")
        yield from _users(role_assignments__role=Role.SCHOOL_ADMIN, role_assignments__school__in=admin_schools)
        yield from _users(role_assignments__role=Role.SCHOOL_LEADER, role_assignments__school__in=leader_schools)
    elif window == Window.DISTRICT_REVIEW:
        waiting = pending.filter(status=EntryStatus.SCHOOL_APPROVED)
        districts = waiting.filter(school__district__isnull=False).values("school__district_id")
        yield from _users(role_assignments__role=Role.DISTRICT_ADMIN, role_assignments__district__in=districts)
        if waiting.filter(school__district__isnull=True).exists():
            yield from _users(role_assignments__role=Role.CITY_STAFF)
    elif window == Window.BASE_ROSTER:
        submitted = Roster.objects.filter(academic_year=year).values("school_id")
        schools = School.objects.filter(~Q(base_level=BaseLevel.NONE)).exclude(pk__in=submitted)
        yield from _users(role_assignments__role=Role.BASE_SCHOOL_ADMIN, role_assignments__school__in=schools)
    elif window == Window.CITY_SEAL and pending.filter(status=EntryStatus.DISTRICT_REVIEWED).exists():
        yield from _users(role_assignments__role=Role.CITY_STAFF)


def deadline_reminders_send(*, today: datetime.date | None = None, days: int = 7) -> int:
    """Reminds users whose window closes within `days` days. Idempotent: the dedupe key names
    the window and its closing date, so a rerun sends nothing new, and an extension does."""
    from accounts.services import notify

    today = today_or(today)
    sent = 0
    years = AcademicYear.objects.filter(sealed_at__isnull=True, start_year__in=[today.year - 2, today.year - 1, today.year])
    for year in years:
        for window in Window.values:
            rng = window_range(year, window)
            if not (rng.contains(today) and (rng.closes - today).days <= days):
                continue
            key = f"reminder:{year.start_year}:{window}:{rng.closes.isoformat()}"
            seen = set()
            for user in _recipients(year, window):
                if user.pk in seen:
                    continue
                seen.add(user.pk)
                if Notification.objects.filter(recipient=user, dedupe_key=key).exists():
                    continue
                notify(user, f"{rng.label}即将截止", f"{rng.describe()}，请在截止前完成。", dedupe_key=key)
                sent += 1
    return sent + returned_reminders_send(today=today, years=years, days=days) + appointment_reminders_send(
        today=today, years=years)


def returned_reminders_send(*, today: datetime.date, years, days: int = 7) -> int:
    """A teacher whose entries came back for correction hears, once per deadline, that the
    chance to resubmit them ends with the school's review window (a returned entry may be
    corrected until the district's review ends), with how many are still open."""
    from django.db.models import Count
    from django.urls import reverse

    from accounts.services import notify

    from ..calendar import _cn_date, extensions_for

    sent = 0
    for year in years:
        extensions = extensions_for([year], [Window.SCHOOL_REVIEW])
        rows = (CreditEntry.objects.filter(academic_year=year, status=EntryStatus.RETURNED)
                .values("teacher__user_id", "school_id").annotate(n=Count("id")).order_by("teacher__user_id"))
        schools = School.objects.in_bulk({r["school_id"] for r in rows})
        users = User.objects.filter(is_active=True).in_bulk({r["teacher__user_id"] for r in rows})
        for row in rows:
            user = users.get(row["teacher__user_id"])
            if user is None:
                continue
            rng = window_range(year, Window.SCHOOL_REVIEW, school=schools[row["school_id"]], extensions=extensions)
            if not (rng.contains(today) and (rng.closes - today).days <= days):
                continue
            key = f"returned:{year.start_year}:{rng.closes.isoformat()}"
            if Notification.objects.filter(recipient=user, dedupe_key=key).exists():
                continue
            notify(user, "退回的登记请尽快修改并重新提交",
                   f"您{year.label}学年有 {row['n']} 条学分登记被退回修改，尚未重新提交；"
                   f"{_cn_date(rng.closes)}以后不能再重新提交，未完成的登记不计学分。",
                   reverse("reviews:my_entries") + f"?status=returned&year={year.start_year}", dedupe_key=key)
            sent += 1
    return sent


# The school admins hear of their school's 审证日期 this many days ahead.
APPOINTMENT_NOTICE_DAYS = 3


def appointment_reminders_send(*, today: datetime.date, years) -> int:
    """The district's 审证时间安排 drives reminders too: the school admins of a school whose
    审证日期 is within APPOINTMENT_NOTICE_DAYS days are told the date, the 登记员 and the phone,
    once per date (a moved date is told again)."""
    from accounts.services import notify

    from ..models import ReviewAppointment

    sent = 0
    soon = ReviewAppointment.objects.filter(academic_year__in=years, date__gte=today,
                                            date__lte=today + datetime.timedelta(days=APPOINTMENT_NOTICE_DAYS))
    for appointment in soon.select_related("school", "academic_year"):
        key = f"appointment:{appointment.academic_year.start_year}:{appointment.school_id}:{appointment.date.isoformat()}"
        contact = "".join([f"，登记员{appointment.registrar}" if appointment.registrar else "",
                           f"（{appointment.contact_phone}）" if appointment.contact_phone else ""])
        body = (f"{appointment.school.name}{appointment.academic_year.label}学年的审证日期为"
                f"{appointment.date.year}年{appointment.date.month}月{appointment.date.day}日{contact}，"
                "请带上个人学分统计表和送审报表等规定材料，并在此之前完成上报。")
        admins = _users(role_assignments__role=Role.SCHOOL_ADMIN, role_assignments__school=appointment.school)
        for user in admins:
            if Notification.objects.filter(recipient=user, dedupe_key=key).exists():
                continue
            notify(user, "本校审证日期临近", body, dedupe_key=key)
            sent += 1
    return sent

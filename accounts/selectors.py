"""Reads shared by the accounts pages (and anyone who needs them). Scope always comes from
accounts.access."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from . import access
from .idcard import normalize_id_number
from .models import AccountEvent, Job, ProfileChangeRequest, School, TeacherProfile


def teacher_list(*, user, school_id=None, q: str = "", status: str = "", stage: str = "",
                 id_number: str = "") -> QuerySet[TeacherProfile]:
    """Teacher accounts of the schools the user administers, searched by 姓名/账号 (`q`, from the
    URL) or by 身份证号 (`id_number`, posted: never in a URL, so never in an access log) and
    filtered by status, 学段 and school."""
    qs = TeacherProfile.objects.filter(school__in=access.administered_schools(user).values("pk"))
    if school_id:
        qs = qs.filter(school_id=school_id)
    if q:
        q = q.strip()
        qs = qs.filter(Q(name__icontains=q) | Q(user__username__icontains=q))
    if id_number:
        # Only where the number is shown whole: elsewhere the search would confirm it.
        qs = qs.filter(id_number=normalize_id_number(id_number),
                       school__in=access.full_id_number_schools(user).values("pk"))
    if status:
        qs = qs.filter(status=status)
    if stage:
        qs = qs.filter(stage=stage)
    return qs.select_related("school", "user").order_by("school__code", "name", "pk")


def pending_accounts(*, user, school_id=None, q: str = "") -> QuerySet[TeacherProfile]:
    qs = access.pending_accounts_for(user)
    if school_id:
        qs = qs.filter(school_id=school_id)
    if q:
        qs = qs.filter(Q(name__icontains=q.strip()) | Q(user__username__icontains=q.strip()))
    return qs.select_related("school", "school__district", "user").order_by("school__code", "created_at", "pk")


def change_requests(*, user, status: str = "", q: str = "") -> QuerySet[ProfileChangeRequest]:
    qs = access.change_requests_for(user)
    if status:
        qs = qs.filter(status=status)
    if q.strip():
        qs = qs.filter(Q(profile__name__icontains=q.strip()) | Q(profile__user__username__icontains=q.strip()))
    return qs.select_related("profile", "profile__school", "submitted_by").order_by("-created_at", "-pk")


def account_events(profile: TeacherProfile) -> QuerySet[AccountEvent]:
    return AccountEvent.objects.filter(user_id=profile.user_id).select_related("actor").order_by("-at", "-id")


def review_appointments(school: School):
    """The district's review schedule (审证时间安排) for this school, newest year first. Read through
    the schedule's relation to the school: accounts imports nothing from the apps above it."""
    return school.appointments.select_related("academic_year").order_by("-academic_year__start_year")


def import_jobs(*, user) -> QuerySet[Job]:
    from .imports import JOB_KIND

    return Job.objects.filter(owner=user, kind=JOB_KIND).order_by("-created_at")[:10]


def transfer_targets(*, user, profile: TeacherProfile) -> QuerySet[School]:
    """Schools a teacher can move to: every active school (the receiving school need not be in
    the releasing admin's scope) that teaches the teacher's 学段."""
    return School.objects.filter(is_active=True).exclude(pk=profile.school_id).select_related("district")

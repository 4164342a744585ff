"""Pages of 审证颁证: the school's applicants and their eligibility, the teacher's planner,
issuing, downloads, revocation, the template, and public verification.

Views are thin: scope from ``certificates.access``, numbers from ``certificates.eligibility``,
every change through ``certificates.services`` (which refuse with ``CertificateError``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import AccountStatus, TeacherProfile

from . import access, eligibility, services
from .errors import CertificateError
from .models import TitleApplication, TitleKind


def _int_param(value, default=None):
    value = (value or "").strip()
    # ASCII only: '²'.isdigit() is true as well, and int() refuses it.
    if value.isascii() and value.isdigit() and len(value) <= 9:
        return int(value)
    if value:
        raise Http404
    return default


def _review_year(request) -> int:
    default = eligibility.next_review_year(timezone.localdate())
    year = _int_param(request.GET.get("year") or request.POST.get("year"), default)
    if not (2000 <= year <= 2100):
        raise Http404
    return year


@login_required
def applications(request):
    """The applicants of a school for one review year, each with the five sealed 学年, what they
    have and what they lack, year by year. The school admin marks and withdraws them here; the
    issuing district (or the city for 市直属学校) sees the same list."""
    schools = list(access.application_schools(request.user).select_related("district").order_by("name"))
    if not schools:
        raise PermissionDenied("您没有可查看的学校。")
    school = schools[0]
    school_id = _int_param(request.GET.get("school") or request.POST.get("school"))
    if school_id is not None:
        school = next((s for s in schools if s.pk == school_id), None)
        if school is None:
            raise Http404
    year = _review_year(request)
    can_mark = access.is_school_admin_of(request.user, school.pk)
    if request.method == "POST":
        if not can_mark:
            raise PermissionDenied("只有本校校管理员可以登记申报。")
        teacher = get_object_or_404(TeacherProfile, pk=_int_param(request.POST.get("teacher"), -1), school=school)
        try:
            services.title_application_mark(actor=request.user, teacher=teacher, kind=request.POST.get("kind", ""),
                                            year=year)
            messages.success(request, f"已登记 {teacher.name} 的{TitleKind(request.POST['kind']).label}申报。")
        except CertificateError as exc:
            messages.error(request, exc.message)
        return redirect(f"{reverse('certificates:applications')}?school={school.pk}&year={year}")

    apps = list(
        TitleApplication.objects.filter(school=school, year=year, withdrawn_at__isnull=True)
        .select_related("teacher", "teacher__user", "teacher__school").order_by("teacher__name", "pk")
    )
    results = eligibility.applications_eligibility(apps)
    window = eligibility.window_years(TitleKind.SENIOR, year)
    rows = []
    for a in apps:
        e = results[a.pk]
        by_year = {r.start_year: r for r in e.rows}
        rows.append({"application": a, "e": e, "cells": [by_year.get(y) for y in window]})
    teachers = []
    if can_mark:
        teachers = list(TeacherProfile.objects.filter(school=school, status=AccountStatus.APPROVED)
                        .order_by("name").only("pk", "name", "title"))
    return render(request, "certificates/applications.html", {
        "schools": schools if len(schools) > 1 else [], "school": school, "year": year,
        "years": [year - 1, year, year + 1], "rows": rows, "teachers": teachers, "kinds": TitleKind.choices,
        "can_mark": can_mark, "window": window,
        "eligible_count": sum(1 for r in rows if r["e"].eligible),
        "can_issue": access.can_issue_for(request.user, school),
    })


@login_required
@require_POST
def application_withdraw(request, pk):
    application = get_object_or_404(access.applications_for_user(request.user).select_related("teacher"), pk=pk)
    try:
        services.title_application_withdraw(actor=request.user, application=application,
                                            reason=request.POST.get("reason", ""))
        messages.success(request, f"已撤回 {application.teacher.name} 的申报。")
    except CertificateError as exc:
        if exc.kind == "forbidden":
            raise PermissionDenied(exc.message) from None
        messages.error(request, exc.message)
    return redirect(f"{reverse('certificates:applications')}?school={application.school_id}&year={application.year}")


@login_required
def planner(request):
    """The teacher's own position: for each kind of 职评, the next September's five-year window,
    what is still missing, and the items of this 学年 that are capped and already full."""
    profile = getattr(request.user, "teacher_profile", None)
    if profile is None:
        raise PermissionDenied("只有教师可以查看个人颁证规划。")
    today = timezone.localdate()
    kind = request.GET.get("kind") or TitleKind.SENIOR
    if kind not in TitleKind.values:
        raise Http404
    result = eligibility.plan(teacher=profile, kind=kind, today=today)
    mine = TitleApplication.objects.filter(teacher=profile, withdrawn_at__isnull=True).order_by("-year")
    return render(request, "certificates/planner.html", {
        "plan": result, "kind": kind, "kind_label": TitleKind(kind).label, "kinds": TitleKind.choices,
        "teacher": profile, "applications": mine,
        "certificates": access.certificates_for_user(request.user).filter(teacher=profile).select_related("issuer"),
    })

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

from accounts.downloads import records_download
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
    school = _pick_school(request, schools, "您没有可查看的学校。")
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


# --- public verification --------------------------------------------------------------------------


def _rate_limited(request) -> bool:
    """At most VERIFY_RATE_LIMIT lookups per address per minute (codes are 160 random bits; the
    limit keeps the page from being used to test codes in bulk all the same)."""
    from django.conf import settings
    from django.core.cache import cache

    from accounts.throttle import client_ip

    key = f"verify-rate:{client_ip(request) or '-'}:{int(timezone.now().timestamp() // 60)}"
    if cache.add(key, 1, timeout=70):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=70)
            count = 1
    return count > settings.VERIFY_RATE_LIMIT


def _too_many(request):
    response = render(request, "certificates/verify.html", {"limited": True}, status=429)
    response["Retry-After"] = "60"
    return response


def verify(request, code=""):
    """/verify/<code>: valid / revoked / unknown, the issuer, the date, the masked name and the
    certified totals. No login. Also /verify/ with a form for a code or an uploaded PDF."""
    from . import selectors

    if request.method == "POST":
        if _rate_limited(request):
            return _too_many(request)
        upload = request.FILES.get("pdf")
        if upload is None:
            code = (request.POST.get("code") or "").strip().upper()
            if code:
                return redirect("verify", code=code)
            return render(request, "certificates/verify.html", {"form_error": "请输入验证码或选择 PDF 文件。"})
        report = selectors.check_uploaded_pdf(upload)
        return render(request, "certificates/verify.html", {"upload": report})
    if not code:
        return render(request, "certificates/verify.html", {})
    if _rate_limited(request):
        return _too_many(request)
    found = selectors.verification(code)
    return render(request, "certificates/verify.html", {"result": found, "code": code},
                  status=200 if found.status != "unknown" else 404)


# --- issuing ------------------------------------------------------------------------------------


def _pick_school(request, schools: list, refusal: str):
    """The school the request names (?school= or the posted field) among `schools`, else the
    first; refused with `refusal` when there is none, 404 for a school outside the list."""
    if not schools:
        raise PermissionDenied(refusal)
    school_id = _int_param(request.GET.get("school") or request.POST.get("school"))
    if school_id is None:
        return schools[0]
    school = next((s for s in schools if s.pk == school_id), None)
    if school is None:
        raise Http404("没有该学校。")
    return school


def _issue_school(request):
    schools = list(access.issue_schools(request.user).select_related("district").order_by("name"))
    return schools, _pick_school(request, schools, "只有区（市）县管理员和市教科院可以颁发继教证书。")


@login_required
def issue_list(request):
    """The issuing body's page for one school and year: every applicant, eligible or not (with
    the reasons), the certificate issued, one-at-a-time issue (an override needs a reason), the
    whole list as a batch with a progress bar, and the downloads."""
    from .models import Certificate, GenerationRun
    from .services.issue import issuer_shown_for_school

    schools, school = _issue_school(request)
    year = _review_year(request)
    here = f"{reverse('certificates:issue_list')}?school={school.pk}&year={year}"
    if request.method == "POST":
        try:
            if request.POST.get("action") == "batch":
                job, _ = services.certificate_batch_start(actor=request.user, school=school, year=year)
                messages.success(request, "已开始批量颁发，请稍候。")
                return redirect(f"{here}&job={job.pk}")
            application = get_object_or_404(TitleApplication, pk=_int_param(request.POST.get("application"), -1),
                                            school=school)
            cert = services.certificate_issue(actor=request.user, application=application,
                                              override_reason=request.POST.get("override_reason", ""))
            messages.success(request, f"已颁发 {cert.teacher_name} 的继教证书，编号 {cert.serial}。")
        except CertificateError as exc:
            if exc.kind == "forbidden":
                raise PermissionDenied(exc.message) from None
            messages.error(request, exc.message)
        return redirect(here)

    apps = list(TitleApplication.objects.filter(school=school, year=year, withdrawn_at__isnull=True)
                .select_related("teacher", "teacher__user", "teacher__school").order_by("teacher__name", "pk"))
    results = eligibility.applications_eligibility(apps)
    live = {c.application_id: c for c in Certificate.objects.filter(application__in=apps, revocation__isnull=True)}
    rows = [{"application": a, "e": results[a.pk], "cert": live.get(a.pk)} for a in apps]
    job = None
    job_id = _int_param(request.GET.get("job"))
    if job_id is not None:
        from accounts.models import Job

        job = Job.objects.filter(pk=job_id, owner=request.user).first()
    runs = GenerationRun.objects.filter(school=school, year=year).select_related("started_by").order_by("-started_at")[:10]
    return render(request, "certificates/issue_list.html", {
        "schools": schools if len(schools) > 1 else [], "school": school, "year": year,
        "years": [year - 1, year, year + 1], "rows": rows, "issuer": issuer_shown_for_school(school), "job": job,
        "issued_count": len(live), "eligible_open": sum(1 for r in rows if r["e"].eligible and not r["cert"]),
        "runs": runs,
    })


def _school_certificates(request):
    from .models import Certificate

    _, school = _issue_school(request)
    year = _review_year(request)
    certs = list(Certificate.objects.filter(application__school=school, year=year, revocation__isnull=True)
                 .order_by("number"))
    if not certs:
        raise Http404("该校本年度还没有颁发的证书。")
    return school, year, certs


@login_required
@records_download("certificates_zip")
def school_zip(request):
    """Every live certificate of the school and year, one PDF each, in a ZIP."""
    import tempfile
    import zipfile

    from django.http import FileResponse

    school, year, certs = _school_certificates(request)
    # FileResponse closes the spool when the download ends, so no `with` here.
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as zf:
        for c in certs:
            with c.pdf.open("rb") as fh:
                zf.writestr(f"{c.serial}_{c.teacher_name}.pdf", fh.read())
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=f"{school.name}_{year}_继教证书.zip",
                        content_type="application/zip")


@login_required
@records_download("certificates_merged")
def school_merged(request):
    """The same certificates merged into one PDF for printing. A merged copy carries no valid
    signatures (each signature covers its own file); the page says so."""
    import io

    from django.http import HttpResponse
    from pypdf import PdfWriter

    school, year, certs = _school_certificates(request)
    writer = PdfWriter()
    for c in certs:
        with c.pdf.open("rb") as fh:
            writer.append(io.BytesIO(fh.read()))
    out = io.BytesIO()
    writer.write(out)
    response = HttpResponse(out.getvalue(), content_type="application/pdf")
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{school.name}_{year}_继教证书_合并打印.pdf')}"
    return response


def _certificate_or_404(request, pk):
    return get_object_or_404(access.certificates_for_user(request.user).select_related("issuer", "teacher"), pk=pk)


@login_required
@records_download("certificate_pdf")
def certificate_pdf(request, pk):
    from django.http import FileResponse

    cert = _certificate_or_404(request, pk)
    return FileResponse(cert.pdf.open("rb"), as_attachment=True, filename=f"{cert.serial}_{cert.teacher_name}.pdf",
                        content_type="application/pdf")


@login_required
def certificate_detail(request, pk):
    from .models import CertEvent, Certificate

    cert = _certificate_or_404(request, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "revoke":
                services.certificate_revoke(actor=request.user, certificate=cert, reason=request.POST.get("reason", ""))
                messages.success(request, f"已撤销证书 {cert.serial}。")
            elif action == "reissue":
                new = services.certificate_reissue(actor=request.user, certificate=cert,
                                                   reason=request.POST.get("reason", ""))
                messages.success(request, f"已换发新证书 {new.serial}（替换 {cert.serial}）。")
                return redirect("certificates:certificate_detail", pk=new.pk)
            else:
                raise Http404
        except CertificateError as exc:
            if exc.kind == "forbidden":
                raise PermissionDenied(exc.message) from None
            messages.error(request, exc.message)
        return redirect("certificates:certificate_detail", pk=cert.pk)
    return render(request, "certificates/certificate_detail.html", {
        "cert": cert, "revocation": cert.revocation_or_none,
        "replaced_by": Certificate.objects.filter(replaces=cert).first(),
        "can_revoke": access.can_revoke(request.user, cert),
        "events": CertEvent.objects.filter(certificate=cert).select_related("actor"),
    })


# --- 学分证明书 -----------------------------------------------------------------------------------


@login_required
def statements(request):
    """The teacher's 学分证明书: one per sealed 学年, generated on first download."""
    from credits.models import AcademicYear

    from .models import CreditStatement

    profile = getattr(request.user, "teacher_profile", None)
    if profile is None:
        raise PermissionDenied("只有教师可以下载本人的学分证明书。")
    years = list(AcademicYear.objects.filter(sealed_at__isnull=False).order_by("-start_year"))
    made = {s.academic_year_id: s for s in CreditStatement.objects.filter(teacher=profile)}
    return render(request, "certificates/statements.html", {
        "rows": [{"year": y, "statement": made.get(y.pk)} for y in years], "teacher": profile,
    })


@login_required
@records_download("credit_statement_pdf")
def statement_pdf(request, start_year):
    from django.http import FileResponse

    from credits.models import AcademicYear

    from .services.statements import statement_get_or_create

    profile = getattr(request.user, "teacher_profile", None)
    if profile is None:
        raise PermissionDenied("只有教师可以下载本人的学分证明书。")
    year = get_object_or_404(AcademicYear, start_year=start_year, sealed_at__isnull=False)
    try:
        statement = statement_get_or_create(teacher=profile, year=year, actor=request.user)
    except CertificateError as exc:
        messages.error(request, exc.message)
        return redirect("certificates:statements")
    return FileResponse(statement.pdf.open("rb"), as_attachment=True, content_type="application/pdf",
                        filename=f"{year.label}学年继续教育学分证明书_{profile.name}.pdf")

"""Pages and downloads of the 审证 package, the school's compliance page, the dashboards and the
学年档案 of a sealed 学年. Thin: scope from accounts.access, figures from reports.selectors,
documents from reports.documents, writes from reports.services and reports.archive. Out of scope
answers 404, as missing does."""

from __future__ import annotations

import io
import tempfile
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import access
from accounts.access import (
    administered_schools,
    get_teacher_for_user_or_404,
    has_role,
    schools_for_role,
    teachers_for_user,
)
from accounts.downloads import job_file_response, records_download
from accounts.models import AccountStatus, District, Job, Role, School, Stage
from credits.models import AcademicYear
from credits.rules import year_check
from credits.selectors import review_year
from sealing.errors import SealError

from . import documents as D
from . import exports, services
from . import selectors as S
from .archive import KIND as ARCHIVE_KIND
from .archive import archive_start
from .errors import ReportError
from .models import SignedForm2
from .package import latest_scans
from .precheck import precheck as run_precheck

PDF = "application/pdf"


def _digits(raw: str, n: int | None = None) -> bool:
    return raw.isascii() and raw.isdigit() and (n is None or len(raw) == n) and len(raw) < 16


def _year(request) -> AcademicYear:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    if not raw:
        return review_year()
    if not _digits(raw, 4):
        raise Http404("没有该学年。")
    return get_object_or_404(AcademicYear, start_year=int(raw))


def _years():
    return list(AcademicYear.objects.order_by("-start_year"))


def _download(content: bytes, filename: str, content_type: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    kind = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{kind}; filename*=UTF-8''{quote(filename)}"
    return response


def _file_download(path: str, filename: str, content_type: str) -> FileResponse:
    return FileResponse(open(path, "rb"), as_attachment=True, filename=filename, content_type=content_type)


def _require_admin(user):
    """The compliance page and the dashboards refuse plain teachers (403), whatever the URL they type."""
    if not access.is_admin_user(user):
        raise PermissionDenied("您没有访问该页面的权限。")


def _page(request, rows, size: int = 50):
    return Paginator(rows, size).get_page(request.GET.get("page"))


def _schools(user):
    if not access.is_admin_user(user):
        raise PermissionDenied("该页面供学校、区（市）县和市教科院管理员使用。")
    return administered_schools(user).select_related("district")


def _school(request) -> School:
    """The school named by ?school= among those the user administers (the first by default)."""
    schools = _schools(request.user)
    raw = request.GET.get("school") or request.POST.get("school") or ""
    if raw:
        if not _digits(raw):
            raise Http404
        return get_object_or_404(schools, pk=int(raw))
    school = schools.order_by("name").first()
    if school is None:
        raise Http404("没有可查看的学校。")
    return school


def _teacher(request):
    """The teacher named by ?teacher= within the user's scope, else the user's own profile."""
    raw = request.GET.get("teacher") or request.POST.get("teacher") or ""
    if raw:
        if not _digits(raw):
            raise Http404
        return get_teacher_for_user_or_404(request.user, int(raw))
    profile = getattr(request.user, "teacher_profile", None)
    if profile is None:
        raise Http404("没有教师信息。")
    return profile


def _applicants(request, school):
    """附件3's teachers: those ticked (?t=…) among the school's teachers, in report order."""
    raw = request.GET.getlist("t") + request.POST.getlist("t")
    marked = {t.pk: t for t in S.title_applicants(school, _year(request))}
    if not raw:
        return list(marked.values())
    ids = {int(v) for v in raw if _digits(v)}
    return [marked.get(t.pk, t) for t in S.ordered_teachers(school) if t.pk in ids]


# The jobs the 审证材料 page follows: (heading, download route).
_JOB_PAGES = {
    "reports_package": ("审证材料包", "reports:package_download"),
    exports.KINDS[exports.SUBMISSION]: ("送审报表（全区各校）", "reports:export_download"),
    exports.KINDS[exports.COMPLIANCE]: ("达标情况", "reports:export_download"),
}
# Every job of this app whose work is a file: its download route and the button's test id.
_DOWNLOADS = {**{kind: (route, "package-download") for kind, (_label, route) in _JOB_PAGES.items()},
              ARCHIVE_KIND: ("reports:archive_download", "archive-download")}


def job_file_button(job) -> dict | None:
    """The download of a file job of this app for its progress fragment (includes/job_progress.html),
    or None for another job: the button once the job is done (``url``), the line said while it runs
    before. The bar's poll (jixiao.views.job_status) renders the same, so the page the bar is on
    (the 审证材料 page, the 学年档案) offers the file as soon as the job ends, without a reload."""
    if job.kind not in _DOWNLOADS:
        return None
    route, testid = _DOWNLOADS[job.kind]
    result = job.result or {}
    done = job.status == Job.Status.DONE
    text = f"下载 {result.get('filename', '')}"
    if job.kind == ARCHIVE_KIND:
        text += f"（{result.get('files', 0)} 个文件）"
    return {"url": reverse(route, args=[job.pk]) if done else "", "text": text, "testid": testid,
            "waiting": "后台生成中，完成后此处即出现下载按钮，无需刷新。"}


# --- pages --------------------------------------------------------------------------------------


@login_required
def index(request):
    """审证材料: the school's documents, the pre-audit check and the one-click package; the
    district's and the city's exports."""
    user = request.user
    schools = _schools(user)
    school_level = bool(schools_for_role(user, Role.SCHOOL_ADMIN) | schools_for_role(user, Role.SCHOOL_LEADER))
    if has_role(user, Role.CITY_STAFF):
        listed = []  # the whole city: reached with ?school= from the district lists, not a menu of thousands
    else:
        listed = list(schools.order_by("name"))
    year = _year(request)
    school = _school(request) if (request.GET.get("school") or school_level) else None
    context = {"year": year, "years": _years(), "school": school, "schools": listed if len(listed) > 1 else [],
               "districts": [], "is_city": has_role(user, Role.CITY_STAFF)}
    if school is not None:
        sections = S.ordered_sections(school)
        context["sections"] = sections
        context["teachers"] = [t for s in sections for t in s.teachers]
        scans = {s.teacher_id: s for s in latest_scans(school, year)}
        context["teacher_rows"] = [(t, scans.get(t.pk)) for t in context["teachers"]]
        context["applicant_ids"] = {t.pk for t in S.title_applicants(school, year)}
        context["check"] = run_precheck(school, year)
    if has_role(user, Role.DISTRICT_ADMIN):
        context["districts"] = list(District.objects.filter(
            pk__in=[ra.district_id for ra in access.role_assignments(user) if ra.role == Role.DISTRICT_ADMIN]))
    raw_job = request.GET.get("job", "")
    job = access.jobs_for_user(user).filter(pk=int(raw_job)).first() if _digits(raw_job) else None
    if job is not None and job.kind in _JOB_PAGES:
        label, route = _JOB_PAGES[job.kind]
        context.update(job=job, job_label=label, download=job_file_button(job))
    context["base_schools"] = list(schools_for_role(user, Role.BASE_SCHOOL_ADMIN))
    return render(request, "reports/index.html", context)


@login_required
def precheck_page(request):
    school, year = _school(request), _year(request)
    return render(request, "reports/precheck.html", {"check": run_precheck(school, year), "school": school,
                                                     "year": year, "years": _years()})


@login_required
def form2_page(request):
    """附件2 of a teacher (their own, or one in the admin's scope): the PDF to print and sign,
    and the signed and stamped scans archived with the 学年."""
    teacher, year = _teacher(request), _year(request)
    ctx = D.form2_context(teacher, year)
    if request.method == "POST":
        if not (access.is_school_admin_of(request.user, teacher.school_id) or teacher.user_id == request.user.pk):
            raise PermissionDenied("只有本人或本校校管理员可以上传签字盖章的登记表。")
        upload = request.FILES.get("scan")
        if upload is None:
            messages.error(request, "请选择签字盖章后的登记表扫描件（PDF、JPG 或 PNG）。")
        else:
            try:
                services.form2_scan_upload(actor=request.user, teacher=teacher, academic_year=year, upload=upload)
            except ReportError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "已存档签字盖章的登记表。")
        return redirect(reverse("reports:form2") + f"?teacher={teacher.pk}&year={year.start_year}")
    ctx.update({"years": _years(), "scans": SignedForm2.objects.filter(teacher=teacher, academic_year=year),
                "can_upload": access.is_school_admin_of(request.user, teacher.school_id) or teacher.user_id == request.user.pk})
    return render(request, "reports/form2.html", ctx)


# --- the compliance page and the dashboards (reviews' pages before; their paths kept) -----------

SORTS = {"name": "姓名", "total": "总学分", "regulated": "规范性", "flexible": "灵活性"}


def _compliance_rows(user, year, schools):
    profiles = list(teachers_for_user(user).filter(school__in=schools, status=AccountStatus.APPROVED)
                    .select_related("user", "school").order_by("school_id", "name"))
    totals = S.year_totals_for(teacher_ids=[p.pk for p in profiles], academic_year=year)
    rows = []
    for p in profiles:
        t = totals[p.pk]
        check = year_check(t)
        rows.append({"profile": p, "regulated": t.regulated, "flexible": t.flexible, "total": t.total,
                     "ok": check.ok, "missing": check.missing, "unconfirmed": t.unconfirmed})
    return rows


@login_required
@records_download("school_compliance")
def compliance(request):
    _require_admin(request.user)
    schools = list(administered_schools(request.user).select_related("district").order_by("name"))
    if not schools:
        raise PermissionDenied("您没有可查看的学校。")
    year = _year(request)
    if len(schools) > 1 and not request.GET.get("school"):
        # A district or the city opens on its overview (one line per school), not on whichever school sorts first.
        return _compliance_overview(request, schools, year)
    school = schools[0]
    if request.GET.get("school"):
        school = next((s for s in schools if str(s.pk) == request.GET["school"]), None)
        if school is None:
            raise Http404
    rows = _compliance_rows(request.user, year, [school])
    q = request.GET.get("q", "").strip()
    if q:
        rows = [r for r in rows if q in r["profile"].name or q in r["profile"].user.username]
    stage = request.GET.get("stage", "")
    if stage:
        rows = [r for r in rows if r["profile"].stage == stage]
    only = request.GET.get("only", "")
    if only == "under":
        rows = [r for r in rows if not r["ok"]]
    sort = request.GET.get("sort", "total")
    key = sort.lstrip("-")
    if key not in SORTS:
        key, sort = "total", "total"
    rows.sort(key=(lambda r: r["profile"].name) if key == "name" else (lambda r: r[key]), reverse=sort.startswith("-"))
    if request.GET.get("format") == "xlsx":
        return _compliance_xlsx(school, year, rows)

    return render(request, "reports/compliance.html", {
        "schools": schools if len(schools) > 1 else [], "school": school, "year": year, "years": _years(),
        "page_obj": _page(request, rows), "sort": sort, "sorts": SORTS, "q": q, "only": only,
        "stage": stage, "stages": Stage.choices, "under_count": sum(1 for r in rows if not r["ok"]),
        "row_count": len(rows),
    })


def _compliance_overview(request, schools, year):
    """Per school of the scope: approved teachers, how many reached 72 / 48 / 24, how many not —
    summed in the database (reports.selectors.dashboard_figures), whatever the size of the district."""
    result = S.overview_figures_cached(schools=School.objects.filter(pk__in=[s.pk for s in schools]),
                                       academic_year=year)
    per_school = result.value
    rows = [{"school": s, "teachers": per_school.get(s.pk, (0, 0))[0], "ok": per_school.get(s.pk, (0, 0))[1]}
            for s in schools]
    for r in rows:
        r["under"] = r["teachers"] - r["ok"]
    is_city = has_role(request.user, Role.CITY_STAFF)
    return render(request, "reports/compliance.html", {
        "overview": True, "scope_label": "全市" if is_city else "本区（市）县", "is_city": is_city,
        "schools": schools, "school": None, "year": year, "years": _years(), "page_obj": _page(request, rows),
        "row_count": sum(r["teachers"] for r in rows), "under_count": sum(r["under"] for r in rows),
        "figures": result,
    })


def _compliance_xlsx(school, year, rows):
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from accounts.excel import append_row

    wb = Workbook()
    ws = wb.active
    ws.title = "达标情况"
    append_row(ws, [f"{school.name} {year.label}学年教师继续教育学分达标情况"])
    ws["A1"].font = Font(bold=True, size=13)
    # 其中待确认: of the total, credits resting on 第14–16条 values the city has not confirmed yet.
    head = ["序号", "账号", "姓名", "学科", "学段", "规范性", "灵活性", "合计", "达标", "尚缺", "其中待确认学分"]
    ws.append(head)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    red = PatternFill("solid", fgColor="FDE3E0")
    labels = {"total": "总学分", "regulated": "规范性", "flexible": "灵活性"}
    for n, r in enumerate(rows, 1):
        p = r["profile"]
        missing = "；".join(f"{labels.get(k, k)}{v}" for k, v in r["missing"].items() if v > 0)
        append_row(ws, [n, p.user.username, p.name, p.subject, p.get_stage_display(), r["regulated"],
                        r["flexible"], r["total"], "是" if r["ok"] else "否", missing, r["unconfirmed"]])
        if not r["ok"]:
            for cell in ws[ws.max_row]:
                cell.fill = red
    for col, width in zip("ABCDEFGHIJK", (6, 14, 10, 8, 8, 8, 8, 8, 6, 28, 14), strict=False):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    response = _download(buf.getvalue(), f"{school.name}-{year.label}-达标情况.xlsx", D.XLSX)
    response.export_rows = len(rows)  # type: ignore[attr-defined]  # read by records_download
    return response


@login_required
def dashboard(request):
    """Charts per school and 学段 (district) or per district (city): share of teachers who reached
    the year's 72 / 48 / 24 and credits by kind, summed in the database over the per-teacher totals
    table (the seal's snapshots for a sealed 学年): no recompute over the entries per request."""
    _require_admin(request.user)
    if not access.can_see_dashboards(request.user):
        raise PermissionDenied("统计图表供区（市）县管理员和市教科院使用。")
    is_city = has_role(request.user, Role.CITY_STAFF)
    year = _year(request)
    schools = access.dashboard_schools(request.user)
    result = S.dashboard_summary_cached(schools=schools, academic_year=year, by_district=is_city)
    return render(request, "reports/dashboard.html", {
        "year": year, "years": _years(), **result.value, "is_city": is_city,
        "area_label": "区（市）县" if is_city else "学校", "figures": result,
    })


# --- downloads ----------------------------------------------------------------------------------


@login_required
@records_download("form2_pdf")
def form2_pdf(request):
    teacher, year = _teacher(request), _year(request)
    return _download(D.form2_pdf(teacher, year), f"附件2-{teacher.name}-{year.label}.pdf", PDF)


@login_required
@records_download("form2_scan")
def form2_scan(request, pk):
    scan = get_object_or_404(SignedForm2.objects.filter(teacher__in=access.teachers_for_user(request.user)), pk=pk)
    try:
        handle = scan.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件不存在。") from None
    return FileResponse(handle, filename=scan.original_name, content_type=scan.content_type)


@login_required
@records_download("statement_pdf")
def statement(request):
    teacher, year = _teacher(request), _year(request)
    return _download(D.statement_pdf(teacher, year), f"个人学分统计表-{teacher.name}-{year.label}.pdf", PDF)


@login_required
@records_download("statements_bundle")
def statements(request):
    school, year = _school(request), _year(request)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        D.statements_bundle_pdf(school, year, tmp.name)
        return _file_download(tmp.name, f"{school.name}-{year.label}-个人学分统计表.pdf", PDF)


@login_required
@records_download("submission")
def submission(request):
    school, year = _school(request), _year(request)
    if request.GET.get("format") == "xlsx":
        return _download(D.submission_xlsx(school, year), f"{school.name}-{year.label}-送审报表.xlsx", D.XLSX)
    return _download(D.submission_pdf(school, year), f"{school.name}-{year.label}-送审报表.pdf", PDF)


@login_required
@records_download("form3")
def form3(request):
    school, year = _school(request), _year(request)
    teachers = _applicants(request, school)
    if not teachers:
        messages.error(request, "请先勾选本年度拟评职称（或转正）的教师。")
        return redirect(reverse("reports:index") + f"?school={school.pk}&year={year.start_year}")
    filler, phone = request.GET.get("filler", "")[:32], request.GET.get("phone", "")[:32]
    name = f"{school.name}-{year.label}-附件3送审报表（评职称用）"
    if request.GET.get("format") == "pdf":
        return _download(D.form3_pdf(school, year, teachers, filler=filler, phone=phone), f"{name}.pdf", PDF)
    return _download(D.form3_xlsx(school, year, teachers, filler=filler, phone=phone), f"{name}.xlsx", D.XLSX)


@login_required
@records_download("form1_roster")
def roster_template(request):
    """附件1 pre-filled with the 区 and the 基地校's name."""
    schools = schools_for_role(request.user, Role.BASE_SCHOOL_ADMIN).select_related("district")
    school = schools.order_by("name").first()
    if school is None:
        raise PermissionDenied("附件1 花名册由基地校管理员填写。")
    year = _year(request) if request.GET.get("year") else AcademicYear.for_date(timezone.localdate())
    return _download(D.roster_template_xlsx(school, year), f"附件1-{school.name}-{year.label}-花名册.xlsx", D.XLSX)


def _export_scope(request):
    """(schools, level, title) of a compliance export or 送审报表 the user may have (accounts.access);
    out of scope answers 404, as a district that does not exist."""
    params = request.POST if request.method == "POST" else request.GET
    user, scope = request.user, params.get("scope", "school")
    if scope == "city":
        if not access.can_export_city(user):
            raise Http404
        return School.objects.select_related("district").order_by("district__order", "district_id", "code"), "city", "成都市"
    if scope == "district":
        raw = params.get("district", "")
        if raw == "city":
            if not access.can_export_district(user, None):
                raise Http404
            return (School.objects.filter(district__isnull=True).select_related("district").order_by("code"),
                    "district", "市直属学校")
        if not _digits(raw):
            raise Http404
        district = get_object_or_404(District, pk=int(raw))
        if not access.can_export_district(user, district):
            raise Http404
        return School.objects.filter(district=district).select_related("district").order_by("code"), "district", district.name
    school = _school(request)
    return [school], "school", school.name


def _export_job(request, export: str, schools, level: str, title: str, year):
    """A district's or the city's export as a background job (reports.exports): the page shows
    its progress and, once done, the download."""
    job = exports.export_start(actor=request.user, export=export, schools=list(schools), level=level, title=title,
                               academic_year=year)
    messages.success(request, f"已开始生成{title} {year.label}学年的{exports.LABELS[export]}（后台分块生成），"
                              "完成后可在本页下载。")
    return redirect(reverse("reports:index") + f"?year={year.start_year}&job={job.pk}")


@login_required
@records_download("compliance_export")
def compliance_export(request):
    """A school's 达标情况 is built in the request (a few hundred rows); a district's or the city's
    (thousands of teachers) is a job started by a POST (reports.exports)."""
    schools, level, title = _export_scope(request)
    year = _year(request)
    if level != "school":
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"], "全区（市）县或全市的达标情况在后台生成：请在审证材料页点击生成。")
        return _export_job(request, exports.COMPLIANCE, schools, level, title, year)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        D.compliance_xlsx(schools, year, tmp.name, level=level, title=title)
        return _file_download(tmp.name, f"{title}-{year.label}-达标情况.xlsx", D.XLSX)


@login_required
@require_POST
def district_submission(request):
    """Start a district's 送审报表 of every school (or the 市直属学校's) as a background job."""
    schools, level, title = _export_scope(request)
    if level == "school":
        raise Http404
    return _export_job(request, exports.SUBMISSION, schools, level, title, _year(request))


@login_required
@records_download("district_submission")
def export_download(request, pk):
    """The workbook of a finished export job: its owner only (accounts.access.jobs_for_user), 404
    for anyone else; recorded as the export it is (送审报表 or 达标情况) with the job's scope."""
    job = get_object_or_404(access.jobs_for_user(request.user).filter(kind__in=exports.KINDS.values()), pk=pk)
    response = job_file_response(request, pk, kind=job.kind, filename="报表.xlsx", content_type=D.XLSX)
    params = job.result or {}
    if job.kind == exports.KINDS[exports.COMPLIANCE]:
        response.export_name = "compliance_export"  # type: ignore[attr-defined]  # read by records_download
    response.export_params = {k: str(params.get(k, "")) for k in ("level", "title", "year")}  # type: ignore[attr-defined]
    return response


@login_required
@require_POST
def package(request):
    school, year = _school(request), _year(request)
    applicants = _applicants(request, school)
    job = services.package_start(actor=request.user, school=school, academic_year=year,
                                 applicant_ids=[t.pk for t in applicants])
    return redirect(reverse("reports:index") + f"?school={school.pk}&year={year.start_year}&job={job.pk}")


@login_required
@records_download("reports_package")
def package_download(request, pk):
    return job_file_response(request, pk, kind="reports_package", filename="审证材料.zip")


# --- 学年档案 (notice 三(三)4 以备查验; the sealing app's page before, its paths kept) ------------


def _archive_scopes(user) -> list[tuple[str, str]]:
    """(value, label) of every archive the user may build: districts (the 市直属学校 for the city),
    and the schools of a school or district admin (the city picks a district: 3,000 schools)."""
    scopes = [(f"d{d.pk}", f"{d.name}（全区）") for d in access.archive_districts(user).order_by("order", "code")]
    if access.can_seal(user):
        scopes.append(("city", "市直属学校"))
    else:
        scopes += [(f"s{s.pk}", s.name) for s in access.archive_schools(user).order_by("name")]
    return scopes


@login_required
def archive(request):
    user = request.user
    scopes = _archive_scopes(user)
    if not scopes:
        raise PermissionDenied("学年档案供学校、区（市）县管理员和市教科院下载。")
    years = list(AcademicYear.objects.filter(sealed_at__isnull=False).order_by("-start_year"))
    if request.method == "POST":
        raw_year, raw_scope = request.POST.get("year", ""), request.POST.get("scope", "")
        year = next((y for y in years if str(y.start_year) == raw_year), None)
        if year is None or raw_scope not in {v for v, _ in scopes}:
            raise Http404
        school = district = None
        if raw_scope.startswith("s"):
            school = get_object_or_404(School, pk=int(raw_scope[1:]))
        elif raw_scope.startswith("d"):
            district = get_object_or_404(District, pk=int(raw_scope[1:]))
        try:
            job = archive_start(actor=user, academic_year=year, school=school, district=district)
        except SealError as exc:
            messages.error(request, exc.message)
            return redirect("reports:archive")
        return redirect(reverse("reports:archive") + f"?job={job.pk}")
    job = None
    raw = request.GET.get("job", "")
    if raw.isascii() and raw.isdigit() and len(raw) < 16:
        job = Job.objects.filter(pk=int(raw), owner=user, kind=ARCHIVE_KIND).first()
    return render(request, "reports/archive.html", {"years": years, "scopes": scopes, "job": job,
                                                    "download": job and job_file_button(job)})


@login_required
@records_download("year_archive")
def archive_download(request, pk):
    return job_file_response(request, pk, kind=ARCHIVE_KIND, filename="学年档案.zip")

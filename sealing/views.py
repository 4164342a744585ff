"""The seal console (学年封存) for city staff: per district and 市直属学校 what is ready and what
blocks, the entries a forced seal would close as 未按期审核, the button, and the seal's progress
bar (polled from the database: `SealRecord.chunk_done` of `chunk_total`). Thin: access from
accounts.access, reads from sealing.selectors, the write is sealing.services.seal_start."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.downloads import job_file_response, records_download
from credits.models import AcademicYear
from reviews.calendar import window_range
from reviews.errors import TransitionError
from reviews.models import Window

from . import selectors
from .models import SealRecord
from .services import seal_resume, seal_start


def _require(user):
    if not access.can_seal(user):
        raise PermissionDenied("学年封存由市教科院教师发展研究所办理。")


def _year(request) -> AcademicYear:
    raw = request.GET.get("year", "")
    if raw:
        if not (raw.isascii() and raw.isdigit() and len(raw) == 4):
            raise Http404("没有该学年。")
        return get_object_or_404(AcademicYear, start_year=int(raw))
    # The 学年 the city checks and seals is the one before the current (sealed in November).
    this = AcademicYear.for_date(timezone.localdate())
    return AcademicYear.objects.filter(start_year=this.start_year - 1).first() or this


@login_required
def console(request):
    user = request.user
    _require(user)
    year = _year(request)
    back = reverse("sealing:console") + f"?year={year.start_year}"
    if request.method == "POST" and request.POST.get("action") == "resume":
        # After a worker or the broker lost the seal's tasks: enqueue what is not done (idempotent).
        seal = selectors.seal_for(year)
        if seal is None:
            raise Http404
        n = seal_resume(seal_id=seal.pk)
        messages.success(request, f"已重新分派 {n} 个未完成的分块。" if n else "分块均已完成，正在计算 Merkle 根。")
        return redirect(back)
    if request.method == "POST":
        force = request.POST.get("force") == "1"
        try:
            seal_start(actor=user, academic_year=year, force=force, reason=request.POST.get("reason", ""))
        except TransitionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已开始封存{year.label}学年，进度见下方。")
        return redirect(back)
    today = timezone.localdate()
    rng = window_range(year, Window.CITY_SEAL)
    units = selectors.year_readiness(academic_year=year)
    seal = selectors.seal_for(year)
    open_entries = selectors.open_entries_list(academic_year=year, limit=200)
    late = selectors.late_entries(academic_year=year)[:200] if seal is not None and seal.closed_late_count else []
    return render(request, "sealing/console.html", {
        "year": year, "years": list(AcademicYear.objects.order_by("-start_year")), "units": units,
        "all_ready": all(u.ready for u in units), "seal": seal,
        "window": {"notice": rng.notice(today), "describe": rng.describe(), "state": rng.state(today),
                   "open": rng.state(today) != "upcoming"},
        "usable": seal is None and today >= rng.opens,
        "open_entries": open_entries, "open_count": sum(u.open_entries for u in units), "late": late,
    })


@login_required
def progress(request, pk):
    """The seal's progress as stored in the database: the bar (htmx) or JSON."""
    _require(request.user)
    seal = get_object_or_404(SealRecord.objects.select_related("academic_year"), pk=pk)
    if request.headers.get("HX-Request"):
        return render(request, "sealing/_progress.html", {"seal": seal})
    return JsonResponse({**selectors.seal_progress(seal), "state_display": seal.get_state_display(),
                         "teachers": seal.teacher_count})


# --- 学年档案 (notice 三(三)4 以备查验) ----------------------------------------------------------


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
    from accounts.models import District, Job, School

    from .archive import KIND, archive_start

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
        except TransitionError as exc:
            messages.error(request, exc.message)
            return redirect("sealing:archive")
        return redirect(reverse("sealing:archive") + f"?job={job.pk}")
    job = None
    raw = request.GET.get("job", "")
    if raw.isascii() and raw.isdigit() and len(raw) < 16:
        job = Job.objects.filter(pk=int(raw), owner=user, kind=KIND).first()
    return render(request, "sealing/archive.html", {"years": years, "scopes": scopes, "job": job})


@login_required
@records_download("year_archive")
def archive_download(request, pk):
    from .archive import KIND

    return job_file_response(request, pk, kind=KIND, filename="学年档案.zip")

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

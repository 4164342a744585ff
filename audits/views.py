"""审证 pages: the calendar (工作日历), the district's 审证时间安排, the school's 上报, the
district's 学校上报审核 and the city's 核对. Thin: scope from accounts.access, reads from
audits.selectors, writes through audits.services (which refuse with TransitionError)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import Job
from credits.models import AcademicYear
from credits.selectors import review_year
from reviews.calendar import extensions_for, window_range
from reviews.errors import TransitionError
from reviews.models import ReviewAppointment, Window, WindowExtension
from reviews.services import window_extend
from reviews.workflow import DISTRICT_REVIEW

from . import selectors, services
from .forms import ExtendForm
from .models import HandInAction, HandInStatus, SchoolHandIn
from .workflow import STEPS


def _default_year(today: datetime.date) -> AcademicYear:
    """From August until the city has sealed it, the previous 学年 is the one under audit."""
    return review_year(today)


def _year(request, today) -> AcademicYear:
    raw = request.GET.get("year", "")
    if not raw:
        return _default_year(today)
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4):
        raise Http404("没有该学年。")
    return get_object_or_404(AcademicYear, start_year=int(raw))


def _years():
    return list(AcademicYear.objects.order_by("-start_year"))


def _int(raw) -> int | None:
    raw = str(raw or "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 16 else None


def _window(rng, today) -> dict:
    """A window as the pages show it before the click."""
    state = rng.state(today)
    return {"range": rng, "state": state, "open": state == "open", "notice": rng.notice(today),
            "describe": rng.describe()}


# --- 工作日历 ------------------------------------------------------------------------------------


@login_required
def calendar(request):
    user = request.user
    if not access.can_see_calendar(user):
        raise PermissionDenied("工作日历供市教科院和区（市）县管理员使用。")
    today = timezone.localdate()
    year = _year(request, today)
    can_edit = access.can_edit_calendar(user)
    districts = access.calendar_districts(user).order_by("order", "code")
    form = ExtendForm(request.POST or None, districts=districts) if can_edit else None
    if form is not None and request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            extension = window_extend(actor=user, academic_year=year, window=d["window"], opens=d.get("opens"),
                                      until=d.get("until"), reason=d["reason"], district=d.get("district"),
                                      school=d.get("school"))
        except TransitionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已调整：{extension.get_window_display()}（{extension.scope_label}）。")
            return redirect(reverse("audits:calendar") + f"?year={year.start_year}")
    extensions = extensions_for([year])
    own = None if can_edit else list(districts)
    listed = WindowExtension.objects.filter(academic_year=year).select_related("district", "school", "created_by")
    if own is not None:
        from django.db.models import Q

        ids = [d.pk for d in own]
        listed = listed.filter(Q(district__isnull=True, school__isnull=True) | Q(district_id__in=ids)
                               | Q(school__district_id__in=ids))
    listed = list(listed.order_by("-created_at", "-id"))
    # Districts shown anyway (a district's own rows) are not repeated.
    scoped = [e for e in listed if e.school_id or (e.district_id and own is None)]
    seen: dict = {}
    rows = []
    for value, label in Window.choices:
        scopes = [("全市", window_range(year, value, extensions=extensions))]
        if value == Window.DISTRICT_REVIEW:
            scopes.append(("市直属学校", window_range(year, value, city_direct=True, extensions=extensions)))
        for d in own or []:
            scopes.append((d.name, window_range(year, value, district_id=d.pk, extensions=extensions)))
        # Every district or school with its own extension of this window, with its own dates.
        for e in scoped:
            if e.window == value and (e.district_id, e.school_id) not in seen.setdefault(value, set()):
                seen[value].add((e.district_id, e.school_id))
                rng = (window_range(year, value, school=e.school, extensions=extensions) if e.school_id else
                       window_range(year, value, district_id=e.district_id, extensions=extensions))
                scopes.append((e.scope_label, rng))
        rows.append({"window": value, "label": label, "scopes": [(name, _window(r, today)) for name, r in scopes]})
    return render(request, "audits/calendar.html", {
        "year": year, "years": _years(), "rows": rows, "extensions": listed,
        "form": form, "today": today, "own_districts": own,
    })


# --- 审证时间安排 --------------------------------------------------------------------------------


@login_required
def schedule_edit(request):
    user = request.user
    schools = list(access.schedule_edit_schools(user).filter(is_active=True).order_by("category", "name"))
    if not schools:
        raise PermissionDenied("审证时间安排由区（市）县管理员发布（市直属学校由市教科院发布）。")
    today = timezone.localdate()
    year = _year(request, today)
    back = reverse("audits:schedule_edit") + f"?year={year.start_year}"
    if request.method == "POST":
        try:
            if request.POST.get("action") == "copy":
                n = services.schedule_copy_previous(actor=user, academic_year=year, schools=schools)
                messages.success(request, f"已按上一学年复制 {n} 所学校的审证日期（推后一年），请核对后保存。")
            else:
                rows = [_schedule_row(request.POST, s) for s in schools]
                n = services.schedule_save(actor=user, academic_year=year, rows=rows)
                messages.success(request, f"已发布审证时间安排（{n} 所学校有变动）。")
        except (TransitionError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", None) or "日期格式不正确，请按 年-月-日 填写。")
        else:
            return redirect(back)
    appointments = {a.school_id: a for a in ReviewAppointment.objects.filter(academic_year=year, school__in=[s.pk for s in schools])}
    extensions = extensions_for([year], [Window.DISTRICT_REVIEW])
    has_previous = ReviewAppointment.objects.filter(academic_year__start_year=year.start_year - 1,
                                                    school__in=[s.pk for s in schools]).exists()
    rows = [{"school": s, "a": appointments.get(s.pk),
             "window": window_range(year, Window.DISTRICT_REVIEW, school=s, extensions=extensions)} for s in schools]
    rows.sort(key=lambda r: (r["a"].date if r["a"] else datetime.date.max, r["a"].sequence if r["a"] else 0))
    return render(request, "audits/schedule_edit.html", {
        "year": year, "years": _years(), "rows": rows, "has_previous": has_previous,
        "scheduled": len(appointments), "sealed": year.is_sealed,
    })


def _schedule_row(post, school) -> services.AppointmentRow:
    raw = (post.get(f"date_{school.pk}") or "").strip()
    return services.AppointmentRow(
        school=school, date=datetime.date.fromisoformat(raw) if raw else None,
        group=post.get(f"group_{school.pk}", ""), sequence=_int(post.get(f"seq_{school.pk}")),
        registrar=post.get(f"registrar_{school.pk}", ""), contact_phone=post.get(f"phone_{school.pk}", ""),
    )


# --- 上报 (school) --------------------------------------------------------------------------------


@login_required
def hand_in(request):
    user = request.user
    schools = list(access.school_admin_schools(user).order_by("name"))
    if not schools:
        raise PermissionDenied("上报由校管理员办理。")
    school = schools[0]
    if request.GET.get("school"):
        school = next((s for s in schools if str(s.pk) == request.GET["school"]), None)
        if school is None:
            raise Http404
    today = timezone.localdate()
    year = _year(request, today)
    if request.method == "POST":
        exclusions = {pk: request.POST.get(f"reason_{pk}", "") for pk in
                      (_int(v) for v in request.POST.getlist("exclude")) if pk is not None}
        try:
            services.hand_in_submit(actor=user, school=school, academic_year=year, exclusions=exclusions,
                                    version=_int(request.POST.get("version")))
        except TransitionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已上报{school.name}{year.label}学年，请按审证时间安排送审材料。")
        return redirect(reverse("audits:hand_in") + f"?year={year.start_year}&school={school.pk}")
    record = selectors.hand_in_for(school, year)
    status = record.status if record else HandInStatus.NOT_SUBMITTED
    step = STEPS[HandInAction.SUBMIT]
    window = _window(window_range(year, step.window, school=school), today)
    open_entries = (services.handins.entries_of(school, year).filter(status__in=services.SCHOOL_OPEN_STATUSES)
                    .select_related("teacher", "item").order_by("teacher__name", "id"))
    return render(request, "audits/hand_in.html", {
        "school": school, "schools": schools if len(schools) > 1 else [], "year": year, "years": _years(),
        "school_param": [("school", school.pk)],
        "record": record, "status_label": HandInStatus(status).label, "status": status,
        "can_submit": status in step.from_states and window["open"] and not year.is_sealed, "step": step,
        "window": window, "open_entries": open_entries[:200], "open_count": open_entries.count(),
        "exclusions": services.current_exclusions(record), "appointment": selectors.school_appointment(school, year),
        "events": record.events.select_related("actor") if record else [],
        "review_window": _window(window_range(year, Window.DISTRICT_REVIEW, school=school), today),
    })


# --- 学校上报审核 (district; the city for 市直属) ---------------------------------------------------


@login_required
def hand_ins(request):
    user = request.user
    if not access.hand_in_review_schools(user).exists():
        raise PermissionDenied("学校上报由区（市）县管理员审核（市直属学校由市教科院审核）。")
    today = timezone.localdate()
    year = _year(request, today)
    rows = selectors.hand_in_rows(user, year, today=today)
    status = request.GET.get("status", "")
    if status in HandInStatus.values:
        rows = [r for r in rows if r.status == status]
    return render(request, "audits/hand_ins.html", {
        "year": year, "years": _years(), "rows": rows, "today": today, "status": status,
        "statuses": HandInStatus.choices,
        "windows": {r.window.describe() for r in rows},
    })


def _visible_hand_in(user, pk) -> SchoolHandIn:
    from django.db.models import Q

    q = Q(school__in=access.hand_in_review_schools(user).values("pk")) | Q(school__in=access.school_admin_schools(user).values("pk"))
    if access.can_check_hand_ins(user):
        q = Q()
    return get_object_or_404(SchoolHandIn.objects.filter(q).select_related("school", "school__district", "academic_year"), pk=pk)


@login_required
def hand_in_detail(request, pk):
    user = request.user
    record = _visible_hand_in(user, pk)
    school, year = record.school, record.academic_year
    today = timezone.localdate()
    reviewer = access.can_review_hand_in(user, school)
    if request.method == "POST":
        if not reviewer:
            raise PermissionDenied("该学校的上报由所属区（市）县审核。")
        action, version = request.POST.get("action"), _int(request.POST.get("version"))
        try:
            if action == "review":
                services.hand_in_review(actor=user, hand_in=record, version=version, comment=request.POST.get("comment", ""))
                messages.success(request, f"已审核通过：{school.name}。")
            elif action == "return":
                services.hand_in_return(actor=user, hand_in=record, version=version, reason=request.POST.get("reason", ""))
                messages.success(request, f"已退回：{school.name}。")
            else:
                raise Http404
        except TransitionError as exc:
            messages.error(request, exc.message)
        return redirect("audits:hand_in_detail", pk=record.pk)
    window = _window(window_range(year, Window.DISTRICT_REVIEW, school=school), today)
    exclusions = services.current_exclusions(record)
    excluded = [x.entry_id for x in exclusions]
    blocking = (services.handins.entries_of(school, year).filter(status__in=services.DISTRICT_OPEN_STATUSES)
                .exclude(pk__in=excluded).select_related("teacher", "item").order_by("status", "teacher__name", "id"))
    actions = [s for s in STEPS.values() if record.status in s.from_states and s.actor == "district_step"] if reviewer else []
    return render(request, "audits/hand_in_detail.html", {
        "record": record, "school": school, "year": year, "window": window, "exclusions": exclusions,
        "blocking": blocking[:100], "blocking_count": blocking.count(), "actions": {s.name: s for s in actions},
        "events": record.events.select_related("actor"), "appointment": selectors.school_appointment(school, year),
        "usable": window["open"] and not year.is_sealed,
        # Where the blocking entries are handled: the queue of the entry workflow's district step.
        "district_queue_url": reverse("reviews:queue", args=[DISTRICT_REVIEW]),
    })


# --- 核对 (city) --------------------------------------------------------------------------------


@login_required
def check(request):
    user = request.user
    if not access.can_check_hand_ins(user):
        raise PermissionDenied("核对由市教科院教师发展研究所办理。")
    today = timezone.localdate()
    year = _year(request, today)
    if request.method == "POST":
        picked = request.POST.getlist("part")
        district_ids = [i for i in (_int(p[1:]) for p in picked if p.startswith("d")) if i is not None]
        school_ids = [i for i in (_int(p[1:]) for p in picked if p.startswith("s")) if i is not None]
        try:
            job = services.hand_ins_check_start(actor=user, academic_year=year, district_ids=district_ids,
                                                school_ids=school_ids)
        except TransitionError as exc:
            messages.error(request, exc.message)
            return redirect(reverse("audits:check") + f"?year={year.start_year}")
        return redirect(reverse("audits:check") + f"?year={year.start_year}&job={job.pk}")
    job = None
    raw_job = _int(request.GET.get("job"))
    if raw_job is not None:
        job = Job.objects.filter(pk=raw_job, owner=user, kind="audits:check").first()
    window = _window(window_range(year, STEPS[HandInAction.CHECK].window), today)
    return render(request, "audits/check.html", {
        "year": year, "years": _years(), "rows": selectors.readiness(year), "window": window, "job": job,
        "usable": window["open"] and not year.is_sealed,
    })

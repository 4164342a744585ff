"""Web pages of the workflow: a teacher's entries and forms, the review queues, rosters and the
review schedule (the compliance page and the dashboards are the reports app's).

Views are thin: scope comes from reviews.selectors / accounts.access, values from
credits.selectors, every change from reviews.services (which refuse with TransitionError).
"""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from accounts import access
from accounts.access import (
    has_role,
    is_admin_user,
    schools_for_role,
    teachers_for_user,
)
from accounts.models import AccountStatus, Role, School
from core.formatting import format_credits
from credits import selectors as credit_selectors
from credits.models import AcademicYear, Category, EntryStatus, Flow
from credits.selectors import current_year, review_year

from . import selectors, services
from . import workflow as wf
from .errors import TransitionError
from .forms import (
    AdminRegisterForm,
    BulkReviewForm,
    DeclareForm,
    EditForm,
    QueueFilterForm,
    ReviewForm,
    RosterReviewForm,
    RosterUploadForm,
    SelfRegisterForm,
)
from .models import Evidence, ReviewAppointment, RosterStatus

PAGE_SIZE = 20


def _page(request, qs, size=PAGE_SIZE):
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _require_admin(user):
    """Admin pages are refused to plain teachers (403), whatever the URL they type."""
    if not is_admin_user(user):
        raise PermissionDenied("您没有访问该页面的权限。")


def _years():
    return list(AcademicYear.objects.order_by("-start_year"))


def _year_or_404(raw: str) -> AcademicYear:
    """The 学年 named by a ?year= start year; anything else is 404, never a server error."""
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4):
        raise Http404("没有该学年。")
    return get_object_or_404(AcademicYear, start_year=int(raw))


def _entry_rows(qs):
    # Counted per row of the page (a correlated subquery PostgreSQL evaluates after LIMIT), not
    # as a GROUP BY over the whole queue before the page is cut.
    evidence = (Evidence.objects.filter(entry=OuterRef("pk")).order_by().values("entry")
                .annotate(n=Count("id")).values("n"))
    return qs.select_related("teacher", "teacher__user", "school", "item", "academic_year").annotate(
        evidence_count=Coalesce(Subquery(evidence), 0), version=selectors.version_subquery(),
    )


def _filter_entries(qs, form):
    if not form.is_valid():
        return qs
    d = form.cleaned_data
    if d.get("q"):
        qs = qs.filter(Q(teacher__name__icontains=d["q"]) | Q(teacher__user__username__icontains=d["q"])
                       | Q(title__icontains=d["q"]) | Q(item__name__icontains=d["q"]))
    for field, lookup in (("school", "school_id"), ("category", "item__category"), ("kind", "item__kind"),
                          ("stage", "teacher__stage"), ("status", "status"), ("year", "academic_year__start_year")):
        if d.get(field) not in (None, ""):
            qs = qs.filter(**{lookup: d[field]})
    return qs


# --- Teacher ------------------------------------------------------------------------------------


def _teacher_profile(user):
    profile = getattr(user, "teacher_profile", None)
    if profile is None or not has_role(user, Role.TEACHER):
        raise PermissionDenied("该页面仅供教师使用。")
    return profile


@login_required
def my_entries(request):
    profile = _teacher_profile(request.user)
    form = QueueFilterForm(request.GET or None, years=_years(), drop=("school", "stage"))
    form.fields["q"].widget.attrs["placeholder"] = "培训内容或项目"
    qs = _filter_entries(selectors.entries_for_user(request.user).filter(teacher=profile), form)
    page = _page(request, _entry_rows(qs).order_by("-started_on", "-id"))
    chosen = form.cleaned_data.get("year") if form.is_valid() else None
    start_year = chosen if chosen is not None else current_year().start_year
    return render(request, "reviews/my_entries.html", {
        "page_obj": page, "filter_form": form, "over_cap": _over_cap_rows(profile, start_year),
        "over_cap_year": f"{start_year}-{start_year + 1}",
    })


def _over_cap_rows(profile, start_year: int) -> list[dict]:
    """Items whose yearly cap cut part of the teacher's counted credits (issue 3: kept visible)."""
    totals = credit_selectors.teacher_year_totals(teacher=profile, academic_year=start_year)
    cut = {code: t for code, t in totals.by_item.items() if t.over_cap > 0}
    if not cut:
        return []
    names = {i.code: i.name for i in credit_selectors.catalogue_for(start_year, active_only=False)}
    return [{"code": code, "name": names.get(code, code), "raw": t.raw, "credited": t.credited,
             "over_cap": t.over_cap} for code, t in sorted(cut.items())]


def _items_for(flow, year):
    return [i for i in credit_selectors.catalogue_for(year) if i.flow == flow]


def _refusal_in_form(form, exc) -> None:
    """A refused claim is shown on the form, under the field it is about when the service names one;
    a refused duplicate links to the other entry."""
    message = getattr(exc, "message", None) or "；".join(getattr(exc, "messages", [str(exc)]))
    if getattr(exc, "url", ""):
        message = format_html('{} <a href="{}">查看该登记</a>', message, exc.url)
    field = getattr(exc, "field", "")
    form.add_error(field if field in form.fields and not form.fields[field].widget.is_hidden else None, message)


def _entry_form_view(request, *, flow, form_class, template, title, extra_kwargs=None, on_valid):
    year = current_year()
    items = _items_for(flow, year)
    kwargs = {"items": items, **(extra_kwargs or {})}
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, **kwargs)
        if form.is_valid():
            try:
                entry = on_valid(form.cleaned_data)
            except (TransitionError, ValidationError) as exc:
                _refusal_in_form(form, exc)
            else:
                messages.success(request, f"已提交：{entry.item.name}，{format_credits(entry.credits)} 学分（待审核）。")
                return redirect("reviews:entry_detail", pk=entry.pk)
    else:
        # What the teacher has typed survives a change of item (the fields are re-rendered).
        initial = {k: v for k, v in request.GET.items()
                   if k in ("item", "option", "quantity", "title", "organizer", "started_on", "ended_on", "teacher") and v}
        form = form_class(initial=initial, **kwargs)
    context = {"form": form, "year": year, "title": title, "items": items}
    if request.headers.get("HX-Request") and request.GET.get("partial") == "fields":
        return render(request, "reviews/_entry_fields.html", context)
    return render(request, template, context)


@login_required
def entry_register(request):
    """灵活性 self-registration, previewed by the rule engine as the teacher types."""
    _teacher_profile(request.user)

    def submit(d):
        return services.entry_declare(
            teacher_user=request.user, item=d["item"], title=d["title"], started_on=d["started_on"],
            ended_on=d.get("ended_on"), quantity=d["quantity"], option=d.get("option") or "",
            organizer=d.get("organizer") or "", certificate_no=d.get("certificate_no") or "",
            evidence_files=d.get("evidence") or (),
        )

    return _entry_form_view(request, flow=Flow.SELF_REGISTER, form_class=SelfRegisterForm,
                            template="reviews/entry_form.html", title="灵活性培训自主登记", on_valid=submit)


@login_required
def entry_declare(request):
    """集中培训 declared with proof (学时证明、通知安排)."""
    _teacher_profile(request.user)

    def submit(d):
        return services.entry_declare(
            teacher_user=request.user, item=d["item"], title=d["title"], started_on=d["started_on"],
            ended_on=d.get("ended_on"), quantity=d["quantity"], option=d.get("option") or "",
            organizer=d.get("organizer") or "", certificate_no=d.get("certificate_no") or "",
            evidence_files=d["evidence"],
        )

    return _entry_form_view(request, flow=Flow.DECLARE, form_class=DeclareForm,
                            template="reviews/entry_form.html", title="集中培训申报", on_valid=submit)


@login_required
def admin_register(request):
    """规范性 items with a document, registered by the school admin for a teacher."""
    schools = schools_for_role(request.user, Role.SCHOOL_ADMIN)
    if not has_role(request.user, Role.SCHOOL_ADMIN):
        raise PermissionDenied("该页面仅供校管理员使用。")
    teachers = (teachers_for_user(request.user).filter(school__in=schools, status=AccountStatus.APPROVED)
                .select_related("user").order_by("name"))

    def submit(d):
        return services.entry_admin_register(
            actor=request.user, teacher=d["teacher"], item=d["item"], title=d["title"],
            started_on=d["started_on"], ended_on=d.get("ended_on"), quantity=d["quantity"],
            option=d.get("option") or "", organizer=d.get("organizer") or "",
            certificate_no=d.get("certificate_no") or "", evidence_files=d["evidence"],
        )

    return _entry_form_view(request, flow=Flow.ADMIN_REGISTER, form_class=AdminRegisterForm,
                            template="reviews/entry_form.html", title="代为登记规范性项目",
                            extra_kwargs={"teachers": teachers}, on_valid=submit)


@login_required
def entry_detail(request, pk):
    entry = get_object_or_404(
        selectors.entries_for_user(request.user).select_related(
            "teacher", "teacher__user", "school", "school__district", "item", "academic_year", "created_by"),
        pk=pk,
    )
    actions = services.available_steps(request.user, entry)
    return _detail(request, entry, actions, _review_forms(entry, actions))


def _review_forms(entry, actions):
    """The page's review forms, each carrying the entry's version as it is shown now."""
    version = services.entry_version(entry)
    warnings = _review_warnings(entry, actions)
    return {
        row.name: _review_form(row, entry, allow_reject=wf.REJECT in actions, version=version, warnings=warnings)
        for row in wf.ENTRY_STEPS if row.name in actions
    }


# A review POST without the version the reviewer saw (a hand-made request, an old cached page):
# deciding on "whatever the entry says now" is the gap of issue 9, so nothing is written (as on the API).
VERSION_MISSING_PAGE = "页面已过期或缺少版本信息，本次操作未保存。请查看下方最新内容后重新审核。"


def _review_form(row, entry, *, allow_reject, data=None, version=None, warnings=()):
    """The decision form of one step, offering what the workflow's row allows."""
    return ReviewForm(data, entry=entry, allow_fewer=row.approve_fewer, allow_reject=allow_reject,
                      allow_option=row.lower_option, prefix=row.name, version=version, warnings=warnings)


def _review_warnings(entry, actions):
    """Duplicates found in another teacher's entries, for the reviewer about to decide (only a
    reviewer: the teacher does not learn of other teachers' entries)."""
    if not any(step in actions for step in wf.STEPS):
        return []
    from .services.duplicates import entry_warnings

    return entry_warnings(entry)


@login_required
def entry_explain(request, pk):
    """How the entry's credits were computed: the same scope as its detail page."""
    from credits.explain import explain_entry

    entry = get_object_or_404(
        selectors.entries_for_user(request.user).select_related("teacher", "school", "item", "academic_year"), pk=pk)
    return render(request, "reviews/entry_explain.html", {
        "x": explain_entry(entry), "entry": entry, "history": selectors.entry_history(entry),
    })


def _detail(request, entry, actions, review_forms, status=200):
    from .calendar import mark_windows

    step = next((s for s in review_forms if s in wf.STEPS), None)
    if step is not None:
        mark_windows([entry], wf.STEPS[step].window)  # the review form says before the click if it is refused
    from .progress import entry_progress

    history = list(selectors.entry_history(entry))
    return render(request, "reviews/entry_detail.html", {
        "entry": entry,
        "history": history,
        "progress": entry_progress(entry, history=history),
        "evidence": list(entry.evidence.all()),
        "review_forms": [(step, wf.STEPS[step].title, f) for step, f in review_forms.items()],
        "actions": actions,
    }, status=status)


@login_required
@require_POST
def entry_review(request, pk, step):
    if step not in wf.STEPS:
        raise Http404
    row = wf.STEPS[step]
    entry = get_object_or_404(
        selectors.entries_for_user(request.user).select_related("teacher", "teacher__user", "school", "item", "academic_year"),
        pk=pk,
    )
    actions = services.available_steps(request.user, entry)
    # A step the user cannot take now (the entry moved on, or another role's step): the service
    # says why, so the form does not refuse a 不通过 with a bare 400 first.
    allow_reject = wf.REJECT in actions or (step not in actions and row.may_reject)
    from .services.duplicates import entry_warnings

    form = _review_form(row, entry, allow_reject=allow_reject, data=request.POST, warnings=entry_warnings(entry))
    if not request.POST.get(form.add_prefix("version"), "").strip():
        messages.error(request, VERSION_MISSING_PAGE)
        return _detail(request, entry, actions, _review_forms(entry, actions), status=400)
    try:
        # A decision on what the reviewer saw: if the entry changed since, its changes are shown, nothing written.
        services.ensure_seen(entry, request.POST.get(form.add_prefix("version"), "") or None)
    except TransitionError as exc:
        messages.error(request, str(exc))
        return redirect("reviews:entry_detail", pk=entry.pk)
    if not form.is_valid():
        return _detail(request, entry, actions, {step: form}, status=400)
    d = form.cleaned_data
    try:
        _apply_decision(request.user, entry, step, d)
    except TransitionError as exc:
        messages.error(request, str(exc))
        return redirect("reviews:entry_detail", pk=entry.pk)
    messages.success(request, f"已处理：{entry.teacher.name} · {entry.item.name}。")
    return redirect(reverse("reviews:queue", args=[step]) + _next_query(request))


def _next_query(request):
    q = request.POST.get("next_query", "")
    return f"?{q}" if q else ""


def _apply_decision(actor, entry, step, d):
    decision, comment = d["decision"], d.get("comment") or ""
    fewer = decision == ReviewForm.FEWER
    option = d.get("option")
    return services.entry_review(
        actor=actor, entry=entry, step=step, decision=wf.APPROVE if fewer else decision, comment=comment,
        quantity_approved=d.get("quantity_approved") if fewer else None,
        option=option if decision in (ReviewForm.APPROVE, ReviewForm.FEWER) and option and option != entry.option
        else None,
        seen_version=d.get("version"), acknowledge_warnings=bool(d.get("acknowledge_warnings")),
        warnings_reason=d.get("warnings_reason") or "",
    )


@login_required
def entry_edit(request, pk):
    """The submitter corrects an entry not yet reviewed, or corrects and resubmits one that was
    returned, rejected or withdrawn; the services decide which is allowed."""
    entry = get_object_or_404(selectors.entries_for_user(request.user).select_related("item", "academic_year"), pk=pk)
    actions = services.available_steps(request.user, entry)
    resubmit = "resubmit" in actions
    if not (resubmit or "edit" in actions):
        raise PermissionDenied("该登记当前不能修改。")
    initial = {"item": entry.item, "option": entry.option, "title": entry.title, "organizer": entry.organizer,
               "started_on": entry.started_on, "ended_on": entry.ended_on, "quantity": entry.quantity_claimed,
               "certificate_no": entry.certificate_no}
    form = EditForm(request.POST or None, request.FILES or None, items=[entry.item], initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        changes = {"title": d["title"], "organizer": d.get("organizer") or "", "started_on": d["started_on"],
                   "ended_on": d.get("ended_on"), "quantity": d["quantity"], "option": d.get("option") or "",
                   "certificate_no": d.get("certificate_no") or "", "evidence_files": d.get("evidence") or ()}
        try:
            if resubmit:
                services.entry_resubmit(actor=request.user, entry=entry, **changes)
            else:
                services.entry_update(actor=request.user, entry=entry, **changes)
        except TransitionError as exc:
            _refusal_in_form(form, exc)
        else:
            messages.success(request, "已重新提交，审核从头开始。" if resubmit else "已保存修改。")
            return redirect("reviews:entry_detail", pk=entry.pk)
    title = "修改并重新提交" if resubmit else "修改登记"
    return render(request, "reviews/entry_form.html", {
        "form": form, "year": entry.academic_year, "title": f"{title}：{entry.item.name}", "lock_item": True,
        "comment": entry.last_comment if resubmit else "", "editing": entry,
    })


@login_required
@require_POST
def entry_withdraw(request, pk):
    entry = get_object_or_404(selectors.entries_for_user(request.user), pk=pk)
    try:
        services.entry_withdraw(actor=request.user, entry=entry)
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已撤回该登记。")
    return redirect("reviews:entry_detail", pk=entry.pk)


@login_required
def evidence_download(request, pk):
    """A proof file, to those who may see its entry."""
    ev = get_object_or_404(selectors.evidence_for_user(request.user), pk=pk)
    try:
        handle = ev.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件不存在。") from None
    # A PDF is downloaded, never opened on the site's origin (one with OpenAction JavaScript was
    # accepted as proof); a photo is shown, sandboxed, so nothing in it can act as the site.
    is_pdf = ev.content_type == "application/pdf"
    response = FileResponse(handle, filename=ev.original_name, as_attachment=is_pdf, content_type=ev.content_type)
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Review queues ------------------------------------------------------------------------------


@login_required
def queue(request, step):
    if step not in wf.STEPS:
        raise Http404
    _require_admin(request.user)
    base = selectors.review_queue(user=request.user, step=step)
    school_ids = list(base.order_by().values_list("school_id", flat=True).distinct())
    schools = School.objects.filter(pk__in=school_ids).order_by("name") if len(school_ids) > 1 or request.GET.get("school") else []
    form = QueueFilterForm(request.GET or None, schools=schools, years=_years(), drop=("status",))
    qs = _filter_entries(base, form)
    status = 200
    if request.method == "POST":
        bulk = BulkReviewForm(request.POST, queue=base)
        if bulk.is_valid() and bulk.missing_versions():
            # Every ticked row must carry the version shown in the queue, or none is approved.
            messages.error(request, "页面已过期或缺少版本信息（记录 " + "、".join(f"#{i}" for i in bulk.missing_versions())
                           + "），本次批量操作未保存。请刷新页面后重新勾选。")
            status = 400
        elif bulk.is_valid():
            try:
                job = services.entries_bulk_review_start(actor=request.user, entry_ids=bulk.cleaned_data["entry_ids"], step=step,
                                                         versions=bulk.versions())
            except TransitionError as exc:
                messages.error(request, str(exc))
            else:
                return redirect(reverse("reviews:queue", args=[step]) + f"?job={job.pk}")
        else:
            messages.error(request, "；".join(bulk.errors.get("entry_ids", ["请先勾选要通过的登记。"])))
    job = None
    raw_job = request.GET.get("job", "")
    if raw_job.isascii() and raw_job.isdigit() and len(raw_job) < 16:
        from accounts.models import Job

        job = Job.objects.filter(pk=int(raw_job), owner=request.user).first()
    page = _page(request, _entry_rows(qs).order_by("started_on", "id"))
    # Before the click: which rows the step's window refuses today, and when it opens / closed.
    from .calendar import mark_windows

    page.object_list = list(page.object_list)
    refusing = mark_windows(page.object_list, wf.STEPS[step].window)
    from .services.duplicates import warned_entry_ids

    warned = warned_entry_ids(page.object_list)
    for e in page.object_list:
        e.has_warnings = e.pk in warned
    return render(request, "reviews/queue.html", {
        "step": step, "step_label": wf.STEPS[step].title, "page_obj": page, "filter_form": form,
        "job": job, "show_school": bool(schools), "window_refusals": refusing,
        "any_open": any(e.window_open for e in page.object_list),
    }, status=status)


# --- Teacher's 附件2 ----------------------------------------------------------------------------


@login_required
def form2(request):
    """2017～2018学年度成都市教师灵活性培训学分登记表 (附件2) of the teacher's year, to print."""
    profile = _teacher_profile(request.user)
    years = _years()
    year = current_year()
    if request.GET.get("year"):
        year = _year_or_404(request.GET["year"])
    entries = list(
        selectors.entries_for_user(request.user)
        .filter(teacher=profile, academic_year=year, item__category=Category.FLEXIBLE)
        .exclude(status__in=[EntryStatus.WITHDRAWN, EntryStatus.REJECTED])
        .select_related("item").order_by("item__order", "item__code", "started_on", "id")
    )
    groups = defaultdict(list)
    for e in entries:
        groups[e.item].append(e)
    totals = credit_selectors.teacher_year_totals(teacher=profile, academic_year=year)
    return render(request, "reviews/form2.html", {
        "profile": profile, "school": profile.school, "year": year, "years": years,
        "groups": list(groups.items()), "totals": totals, "today": timezone.localdate(),
        "pending_count": sum(1 for e in entries if not e.is_counted),
    })


# --- Review schedule ----------------------------------------------------------------------------


@login_required
def schedule(request):
    """The district's 审证时间安排 (Shuangliu 2018, 附件2 of its notice)."""
    _require_admin(request.user)
    schools = access.schedule_schools(request.user)
    # Opens on the 学年 under review (not the newest one that happens to have appointments), and
    # offers every 学年 that has a schedule besides.
    year = review_year()
    years = sorted({year, *AcademicYear.objects.filter(reviewappointment__isnull=False)}, key=lambda y: -y.start_year)
    if request.GET.get("year"):
        year = _year_or_404(request.GET["year"])
    qs = (ReviewAppointment.objects.filter(academic_year=year, school__in=schools.values("pk"))
          .select_related("school", "school__district").order_by("date", "sequence"))
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(school__name__icontains=q)
    group = request.GET.get("group", "")
    if group:
        qs = qs.filter(group=group)
    groups = (ReviewAppointment.objects.filter(academic_year=year, school__in=schools.values("pk"))
              .order_by().values_list("group", flat=True).distinct())
    page = _page(request, qs, 100)
    return render(request, "reviews/schedule.html", {
        "page_obj": page, "year": year, "years": years, "q": q, "group": group, "groups": sorted(set(groups)),
    })


# --- Rosters ------------------------------------------------------------------------------------


@login_required
def rosters(request):
    """基地校: upload the year's 花名册 and follow each roster; district / city: the rosters to review."""
    _require_admin(request.user)
    qs = selectors.rosters_for_user(request.user).select_related("school__district")
    form = QueueFilterForm(request.GET or None, years=_years(), drop=("school", "category", "kind", "stage", "status"))
    form.fields["q"].widget.attrs["placeholder"] = "基地校名称"
    if form.is_valid():
        d = form.cleaned_data
        if d.get("q"):
            qs = qs.filter(school__name__icontains=d["q"])
        if d.get("year"):
            qs = qs.filter(academic_year__start_year=d["year"])
    status = request.GET.get("status", "")
    if status in RosterStatus.values:
        qs = qs.filter(status=status)
    if request.GET.get("todo"):
        qs = qs.filter(pk__in=selectors.roster_review_queue(user=request.user).values("pk"))
    base_schools = list(schools_for_role(request.user, Role.BASE_SCHOOL_ADMIN))
    upload_form = None
    if base_schools:
        upload_form = RosterUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and upload_form.is_valid():
            try:
                roster = services.roster_submit(actor=request.user, school=base_schools[0], academic_year=current_year(),
                                                **upload_form.cleaned_data)
            except (TransitionError, ValidationError) as exc:
                upload_form.add_error(None, str(getattr(exc, "message", exc)))
            else:
                messages.success(request, f"花名册已提交：共 {roster.row_count} 行，其中 {roster.error_count} 行有错误。")
                return redirect("reviews:roster_detail", pk=roster.pk)
    return render(request, "reviews/rosters.html", {
        "page_obj": _page(request, qs.order_by("-submitted_at")), "upload_form": upload_form, "filter_form": form,
        "status": status, "statuses": RosterStatus.choices, "year": current_year(),
        "todo_count": selectors.roster_review_queue(user=request.user).count(),
    })


@login_required
def roster_template(request):
    """附件1 as an empty Excel form."""
    _require_admin(request.user)
    from urllib.parse import quote

    response = HttpResponse(services.roster_template_workbook(current_year()),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('附件1-参培人员花名册.xlsx')}"
    return response


@login_required
def roster_detail(request, pk):
    _require_admin(request.user)
    roster = get_object_or_404(selectors.rosters_for_user(request.user).select_related("school__district"), pk=pk)
    rows = roster.rows.select_related("teacher", "entry")
    only = request.GET.get("only", "")
    if only == "errors":
        rows = rows.exclude(error="")
    q = request.GET.get("q", "").strip()
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(username__icontains=q))
    to_review = selectors.roster_review_queue(user=request.user).filter(pk=roster.pk).exists()
    form = RosterReviewForm(request.POST or None) if to_review else None
    if form is not None and request.method == "POST" and form.is_valid():
        decide = services.roster_city_review if roster.status == RosterStatus.DISTRICT_APPROVED else services.roster_district_review
        try:
            decide(actor=request.user, roster=roster, approve=form.cleaned_data["approve"], comment=form.cleaned_data["comment"])
        except TransitionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已审核该花名册。")
        return redirect("reviews:roster_detail", pk=roster.pk)
    return render(request, "reviews/roster_detail.html", {
        "roster": roster, "page_obj": _page(request, rows.order_by("line"), 50), "only": only, "q": q,
        "review_form": form,
    })

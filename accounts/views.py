"""Pages of the accounts app: thin. Scope from accounts.access, reads from selectors, writes
through services; a refusal (AccountError) is shown in place and changes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import access, imports, selectors, services
from .downloads import records_download
from .errors import AccountError
from .forms import (
    ChangeFilterForm,
    ChangePasswordForm,
    ChangeRequestForm,
    DeactivateForm,
    ImportForm,
    LoginForm,
    OptionalReasonForm,
    ReasonForm,
    TeacherFilterForm,
    TeacherForm,
    TransferForm,
)
from .jobs import job_is_stale
from .models import Job, ProfileChangeRequest, Role, TeacherProfile

PAGE_SIZE = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _is_id(value) -> bool:
    """A primary key as typed in a URL or form: ASCII digits ('²'.isdigit() is true too), and
    short enough for a bigint."""
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 16


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _form_error(form, exc: AccountError):
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# ---------------------------------------------------------------------------------------------
# Sign-in


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_redirect_url(self):
        # A `next` back to this page (an old link, a bookmark) would make Django raise on its
        # redirect loop check for a signed-in user; the home page is where they belong.
        url = super().get_redirect_url()
        return "" if url and url.split("?")[0] == self.request.path else url


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = ChangePasswordForm
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_password_changed(user=self.request.user)
        messages.success(self.request, "密码已修改。")
        return response


# ---------------------------------------------------------------------------------------------
# Teacher accounts of a school


def _require_admin_scope(user):
    schools = access.administered_schools(user)
    if not schools.exists():
        raise PermissionDenied("只有校管理员、区（市）县管理员和市教科院可以查看教师账号。")
    return schools


@login_required
def teacher_list(request):
    schools = _require_admin_scope(request.user).select_related("district")
    school_choices = schools if schools.count() <= 200 else schools.none()
    if request.method == "POST":
        # By 身份证号: posted, so the number is in no URL (nor in the proxy's access log).
        number = (request.POST.get("id_number") or "").strip()
        found = list(selectors.teacher_list(user=request.user, id_number=number)[:2]) if number else []
        if len(found) == 1:
            return redirect("accounts:teacher_detail", pk=found[0].pk)
        messages.error(request, "未找到该身份证号的教师，或不在您可查看完整身份证号的范围内。")
        return redirect("accounts:teacher_list")
    form = TeacherFilterForm(request.GET or None, schools=school_choices)
    filters = form.cleaned_data if form.is_valid() else {}
    school = filters.get("school")
    qs = selectors.teacher_list(user=request.user, school_id=school.pk if school else None,
                                q=filters.get("q", ""), status=filters.get("status", ""),
                                stage=filters.get("stage", ""))
    return render(request, "accounts/teacher_list.html", {
        "form": form, "page_obj": _page(request, qs),
        "can_add": access.school_admin_schools(request.user).exists(),
        "can_search_id": access.full_id_number_schools(request.user).exists(),
    })


@login_required
@never_cache  # the answer shows the initial password once
def teacher_add(request):
    schools = access.school_admin_schools(request.user)
    if not schools.exists():
        raise PermissionDenied("只有校管理员可以添加教师。")
    school = schools.first() if schools.count() == 1 else None
    form = TeacherForm(request.POST or None, school=school, schools=schools)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data.get("school") or school
        try:
            created = services.teacher_create(actor=request.user, school=target,
                                              username=form.cleaned_data.get("username", ""), **form.profile_values())
        except AccountError as exc:
            _form_error(form, exc)
        else:
            # The initial password is shown once, on this response only.
            return render(request, "accounts/teacher_created.html", {"profile": created.profile,
                                                                     "password": created.password})
    return render(request, "accounts/teacher_form.html", {"form": form, "title": "添加教师", "school": school})


@login_required
def teacher_detail(request, pk):
    profile = access.get_teacher_for_user_or_404(request.user, pk)
    user = request.user
    return render(request, "accounts/teacher_detail.html", {
        "profile": profile,
        "id_number": profile.id_number if access.can_see_full_id_number(user, profile) else profile.masked_id_number,
        "events": selectors.account_events(profile)[:50],
        "can_manage": access.can_manage_teacher(user, profile),
        "can_approve": access.can_approve_account(user, profile),
        "reject_form": ReasonForm(),
    })


def _managed_teacher(request, pk) -> TeacherProfile:
    profile = access.get_teacher_for_user_or_404(request.user, pk)
    if not access.can_manage_teacher(request.user, profile):
        raise PermissionDenied("您无权管理该教师账号。")
    return profile


@login_required
def teacher_edit(request, pk):
    profile = _managed_teacher(request, pk)
    initial = {f: getattr(profile, f) for f in services.PROFILE_FIELDS}
    form = TeacherForm(request.POST or None, initial=initial, school=profile.school, creating=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.teacher_update(actor=request.user, profile=profile, **form.profile_values())
        except AccountError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "教师信息已保存。")
            return redirect("accounts:teacher_detail", pk=profile.pk)
    return render(request, "accounts/teacher_form.html",
                  {"form": form, "title": f"修改教师信息：{profile.name}", "profile": profile, "school": profile.school})


@login_required
def teacher_deactivate(request, pk):
    profile = _managed_teacher(request, pk)
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.teacher_deactivate(actor=request.user, profile=profile, reason=form.reason())
        except AccountError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"{profile.name}的账号已停用，学分记录全部保留。")
            return redirect("accounts:teacher_detail", pk=profile.pk)
    return render(request, "accounts/teacher_deactivate.html", {"form": form, "profile": profile})


@login_required
@require_POST
def teacher_reactivate(request, pk):
    profile = _managed_teacher(request, pk)
    try:
        services.teacher_reactivate(actor=request.user, profile=profile)
    except AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{profile.name}的账号已恢复。")
    return redirect("accounts:teacher_detail", pk=profile.pk)


@login_required
def teacher_transfer(request, pk):
    profile = _managed_teacher(request, pk)
    form = TransferForm(request.POST or None, schools=selectors.transfer_targets(user=request.user, profile=profile))
    if request.method == "POST" and form.is_valid():
        try:
            services.teacher_transfer(actor=request.user, profile=profile, to_school=form.cleaned_data["to_school"],
                                      comment=form.cleaned_data["comment"])
        except AccountError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"{profile.name}已调入{form.cleaned_data['to_school']}，原学分记录保留不变。")
            # The releasing school's admin no longer sees the teacher once moved.
            if access.teachers_for_user(request.user).filter(pk=profile.pk).exists():
                return redirect("accounts:teacher_detail", pk=profile.pk)
            return redirect("accounts:teacher_list")
    return render(request, "accounts/teacher_transfer.html", {"form": form, "profile": profile})


@login_required
@require_POST
@never_cache
def teacher_reset_password(request, pk):
    profile = _managed_teacher(request, pk)
    try:
        password = services.teacher_password_reset(actor=request.user, profile=profile)
    except AccountError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:teacher_detail", pk=profile.pk)
    return render(request, "accounts/teacher_created.html", {"profile": profile, "password": password, "reset": True})


# ---------------------------------------------------------------------------------------------
# Excel import


@login_required
def teacher_import(request):
    schools = access.school_admin_schools(request.user)
    if not schools.exists():
        raise PermissionDenied("只有校管理员可以导入教师。")
    form = ImportForm(request.POST or None, request.FILES or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        school = form.cleaned_data.get("school") or schools.first()
        try:
            job = services.teachers_import_excel(actor=request.user, school=school, upload=form.cleaned_data["file"])
        except AccountError as exc:
            _form_error(form, exc)
        else:
            return redirect("accounts:teacher_import_job", pk=job.pk)
    return render(request, "accounts/teacher_import.html",
                  {"form": form, "jobs": selectors.import_jobs(user=request.user)})


@login_required
def teacher_import_template(request):
    if not access.school_admin_schools(request.user).exists():
        raise PermissionDenied("只有校管理员可以导入教师。")
    return _xlsx(imports.template_workbook(), "教师导入模板.xlsx")


def _own_import_job(request, pk) -> Job:
    return get_object_or_404(Job, pk=pk, owner=request.user, kind=imports.JOB_KIND)


@login_required
def teacher_import_job(request, pk):
    job = _own_import_job(request, pk)
    template = "accounts/_import_report.html" if request.headers.get("HX-Request") else "accounts/teacher_import_job.html"
    return render(request, template, {"job": job, "result": job.result, "stale": job_is_stale(job),
                                      "passwords_waiting": imports.initial_passwords_waiting(job)})


@login_required
@require_POST
def teacher_import_resume(request, pk):
    """The admin resumes an import whose worker died (beat does the same every minute)."""
    job = _own_import_job(request, pk)
    if imports.import_resume(job=job):
        messages.success(request, "导入已继续，将从中断处接着导入。")
    else:
        messages.info(request, "该导入正在进行或已结束，无需继续。")
    return redirect("accounts:teacher_import_job", pk=job.pk)


@login_required
@require_POST
@never_cache
@records_download("initial_passwords")
def teacher_import_passwords(request, pk):
    job = _own_import_job(request, pk)
    try:
        rows = imports.take_initial_passwords(job=job, user=request.user)
    except AccountError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:teacher_import_job", pk=job.pk)
    response = _xlsx(imports.passwords_workbook(rows, job.result.get("school", "")), f"初始密码_{job.pk}.xlsx")
    response.export_rows = len(rows)  # type: ignore[attr-defined]  # read by records_download
    return response


# ---------------------------------------------------------------------------------------------
# District approval of accounts


def _require_district_step(user):
    if not access.district_step_schools(user).exists():
        raise PermissionDenied("只有区（市）县管理员（市直属学校为市教科院）可以审核教师账号。")


@login_required
def account_approvals(request):
    _require_district_step(request.user)
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("ids") if _is_id(i)]
        if not ids:
            messages.error(request, "请先勾选要审核通过的账号。")
        else:
            results = services.accounts_bulk_approve(actor=request.user, profile_ids=ids)
            ok = sum(r.ok for r in results)
            messages.success(request, f"已审核通过 {ok} 个账号。")
            for r in results:
                if not r.ok:
                    messages.error(request, r.message)
        return redirect(request.get_full_path())
    q = request.GET.get("q", "")
    school_id = request.GET.get("school") or None
    schools = access.district_step_schools(request.user).select_related("district")
    qs = selectors.pending_accounts(user=request.user, school_id=school_id if _is_id(school_id) else None, q=q)
    return render(request, "accounts/account_approvals.html", {
        "page_obj": _page(request, qs), "q": q, "schools": schools, "school_id": school_id,
    })


def _approvable(request, pk) -> TeacherProfile:
    profile = access.get_teacher_for_user_or_404(request.user, pk)
    if not access.can_approve_account(request.user, profile):
        raise Http404("未找到该教师，或不在您的审核范围内。")
    return profile


@login_required
@require_POST
def account_approve(request, pk):
    profile = _approvable(request, pk)
    try:
        services.account_approve(actor=request.user, profile=profile, comment=request.POST.get("comment", ""))
    except AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{profile.name}的账号已审核通过。")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = reverse("accounts:account_approvals")
    return redirect(target)


@login_required
def account_reject(request, pk):
    profile = _approvable(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_reject(actor=request.user, profile=profile, reason=form.cleaned_data["reason"])
        except AccountError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"已退回{profile.name}的账号，原因已通知学校和教师。")
            return redirect("accounts:account_approvals")
    return render(request, "accounts/account_reject.html", {"form": form, "profile": profile})


# ---------------------------------------------------------------------------------------------
# Change requests: the teacher asks, the school checks, the district approves


@login_required
def change_requests(request):
    form = ChangeFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.change_requests(user=request.user, status=filters.get("status", ""), q=filters.get("q", ""))
    page = _page(request, qs)
    user = request.user
    decidable = access.decidable_change_requests(user, page.object_list)
    rows = [{
        "req": r,
        "can_check": r.status == ProfileChangeRequest.Status.PENDING and access.can_check_change_request(user, r),
        "can_decide": r.status == ProfileChangeRequest.Status.SCHOOL_CHECKED and r.pk in decidable,
        "changes": _describe_changes(r),
    } for r in page.object_list]
    profile = getattr(user, "teacher_profile", None)
    return render(request, "accounts/change_requests.html", {
        "form": form, "page_obj": page, "rows": rows, "own_profile": profile,
    })


def _describe_changes(req: ProfileChangeRequest) -> list[dict]:
    from .models import School

    out = []
    for key, new in req.changes.items():
        old = req.original.get(key)
        if key == "school":
            names = dict(School.objects.filter(pk__in=[old, new]).values_list("pk", "name"))
            old, new = names.get(old, old), names.get(new, new)
        elif key == "id_number":
            from .idcard import mask_id_number

            old, new = mask_id_number(old or ""), mask_id_number(new or "")
        elif isinstance(new, bool):
            old, new = ("是" if old else "否"), ("是" if new else "否")
        out.append({"label": services.FIELD_LABELS.get(key, key), "old": old, "new": new})
    return out


@login_required
def change_request_new(request):
    profile = getattr(request.user, "teacher_profile", None)
    if profile is None:
        raise Http404("您没有教师信息。")
    initial = {f: getattr(profile, f) for f in services.PROFILE_FIELDS} | {"school": profile.school}
    form = ChangeRequestForm(request.POST or None, initial=initial, profile=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_request_submit(actor=request.user, profile=profile, changes=form.changes(),
                                           note=form.cleaned_data.get("note", ""))
        except AccountError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "变更申请已提交，待学校核对、区县审批后生效。")
            return redirect("accounts:change_requests")
    return render(request, "accounts/change_request_form.html", {"form": form, "profile": profile})


def _visible_request(request, pk) -> ProfileChangeRequest:
    return get_object_or_404(access.change_requests_for(request.user).select_related("profile__school"), pk=pk)


def _change_request_step(request, pk, step, done: str):
    """School check or district decision: the service decides who may act; the page reports."""
    req = _visible_request(request, pk)
    form = OptionalReasonForm(request.POST)
    form.is_valid()
    try:
        step(actor=request.user, change_request=req, approve=request.POST.get("decision") == "approve",
             reason=form.cleaned_data.get("reason", ""))
    except AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("accounts:change_requests")


@login_required
@require_POST
def change_request_check(request, pk):
    return _change_request_step(request, pk, services.change_request_check, "已核对。")


@login_required
@require_POST
def change_request_decide(request, pk):
    return _change_request_step(request, pk, services.change_request_decide, "已审批。")


# ---------------------------------------------------------------------------------------------
# Own profile


@login_required
def profile(request):
    user = request.user
    teacher = getattr(user, "teacher_profile", None)
    context = {"teacher": teacher, "roles": access.role_assignments(user)}
    if teacher is not None:
        context.update(
            id_number=teacher.id_number,  # the teacher always sees their own number whole
            appointments=selectors.review_appointments(teacher.school)[:3],
            events=selectors.account_events(teacher)[:20],
            open_requests=teacher.change_requests.filter(
                status__in=[ProfileChangeRequest.Status.PENDING, ProfileChangeRequest.Status.SCHOOL_CHECKED]),
            can_register=teacher.can_register_credits,
        )
    context["is_teacher"] = access.has_role(user, Role.TEACHER)
    return render(request, "accounts/profile.html", context)

"""Forms of the accounts pages. They validate input for display in place; the writes and the
rules live in accounts.services."""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError

from . import throttle
from .idcard import normalize_id_number, validate_id_number
from .models import AccountStatus, Gender, ProfileChangeRequest, School, Stage, Title


class ThrottledLoginMixin:
    """Refuses sign-in for a while after repeated failures (per 账号 and per address), on every
    login form: the site's and the Django admin's share the counters."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = throttle.client_ip(self.request) if self.request else ""
        until = throttle.refused_until(username, ip)
        if until is not None:
            raise ValidationError(throttle.retry_message(until), code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            throttle.record_failure(username, ip)
            raise
        throttle.record_success(username)
        return cleaned


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    """Sign-in by 账号."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "账号或密码不正确。连续输错多次后将暂停登录一段时间。",
        "inactive": "该账号已停用，请联系学校管理员。",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "账号"
        self.fields["password"].label = "密码"


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The Django admin's login (city staff), throttled like the site's."""


class ChangePasswordForm(PasswordChangeForm):
    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("new_password1")
        # An initial or reset password is known to the admin who handed it out.
        if password and not self.has_error("new_password2") and self.user.check_password(password):
            self.add_error("new_password2", ValidationError("新密码不能与原密码相同。", code="password_unchanged"))
        return cleaned


def _stage_choices(school: School | None):
    if school is None or not school.stages:
        return Stage.choices
    return [(v, label) for v, label in Stage.choices if v in school.stages]


class TeacherForm(forms.Form):
    """A teacher's data, as the school admin enters it (add and edit)."""

    username = forms.CharField(
        label="账号", max_length=150, required=False,
        help_text="可留空，由系统按“学校代码+序号”生成。",
    )
    name = forms.CharField(label="姓名", max_length=32)
    gender = forms.ChoiceField(label="性别", choices=Gender.choices)
    id_number = forms.CharField(label="身份证号", max_length=18, min_length=18,
                                help_text="18位，末位校验码按 GB 11643 校验。")
    stage = forms.ChoiceField(label="学段", choices=Stage.choices)
    subject = forms.CharField(label="任教学科", max_length=32, required=False)
    title = forms.ChoiceField(label="职称", choices=Title.choices, initial=Title.NONE)
    is_head_teacher = forms.BooleanField(label="班主任", required=False)
    is_new_teacher = forms.BooleanField(label="新任教师（试用期）", required=False)
    probation_start = forms.DateField(label="试用期开始日期", required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}))
    is_new_principal = forms.BooleanField(label="新任（拟任）校长", required=False)
    is_party_member = forms.BooleanField(label="党员", required=False,
                                         help_text="“蓉城先锋•党员e家”学分只限党员教师（二(三)2(14)）。")

    def __init__(self, *args, school: School | None = None, schools=None, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if schools is not None and len(schools) > 1:
            self.fields = {"school": forms.ModelChoiceField(label="学校", queryset=schools), **self.fields}
        self.fields["stage"].choices = _stage_choices(school)
        if not creating:
            del self.fields["username"]

    def clean_id_number(self):
        value = normalize_id_number(self.cleaned_data["id_number"])
        validate_id_number(value)
        return value

    def clean(self):
        data = super().clean()
        if data.get("is_new_teacher") and not data.get("probation_start"):
            self.add_error("probation_start", "新任教师须填写试用期开始日期。")
        return data

    def profile_values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("username", "school")}


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）", help_text="请使用下载的导入模板填写。")

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        if schools is not None and len(schools) > 1:
            self.fields = {"school": forms.ModelChoiceField(label="学校", queryset=schools), **self.fields}


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label="意见", max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TransferForm(forms.Form):
    to_school = forms.ModelChoiceField(label="调入学校", queryset=School.objects.none())
    comment = forms.CharField(label="说明", max_length=200, required=False, help_text="如调动文号。")

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_school"].queryset = schools if schools is not None else School.objects.none()
        self.fields["to_school"].label_from_instance = lambda s: f"{s.district or '市直属'} · {s.name}"


class DeactivateForm(forms.Form):
    kind = forms.ChoiceField(label="停用原因", choices=[("离职", "离职"), ("退休", "退休"), ("其他", "其他")])
    detail = forms.CharField(label="补充说明", max_length=150, required=False)

    def reason(self) -> str:
        detail = self.cleaned_data.get("detail", "").strip()
        return self.cleaned_data["kind"] + (f"：{detail}" if detail else "")


class ChangeRequestForm(TeacherForm):
    """What the teacher asks to change about themselves; only changed fields are sent."""

    school = forms.ModelChoiceField(label="任职学校", queryset=School.objects.filter(is_active=True))
    note = forms.CharField(label="申请说明", max_length=200, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}), help_text="如更名、调入的原因。")

    def __init__(self, *args, profile=None, **kwargs):
        super().__init__(*args, school=None, creating=False, **kwargs)
        self.profile = profile
        self.fields["school"].label_from_instance = lambda s: f"{s.district or '市直属'} · {s.name}"

    def changes(self) -> dict:
        data = self.cleaned_data
        out = {}
        for key in ("name", "gender", "id_number", "stage", "subject", "title", "is_head_teacher",
                    "is_new_teacher", "probation_start", "is_new_principal", "is_party_member"):
            if data.get(key) != getattr(self.profile, key):
                out[key] = data.get(key)
        if data["school"].pk != self.profile.school_id:
            out["school"] = data["school"].pk
        return out


class TeacherFilterForm(forms.Form):
    q = forms.CharField(label="姓名/账号", required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态")] + AccountStatus.choices)
    stage = forms.ChoiceField(label="学段", required=False, choices=[("", "全部学段")] + Stage.choices)

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        if schools is not None and len(schools) > 1:
            self.fields["school"] = forms.ModelChoiceField(label="学校", queryset=schools, required=False,
                                                           empty_label="全部学校")


class ChangeFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=50,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "姓名或账号"}))
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部")] + ProfileChangeRequest.Status.choices)

"""Forms of the web pages. They check the shape of the input and show errors in place; the
workflow services decide whether the action is allowed and raise TransitionError if not."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.models import Stage
from core.widgets import PlainSelect
from credits.models import Category, CreditItem, EntryStatus, Kind

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several proof files in one input (学时证明, 通知安排…)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = [d for d in data if d] if isinstance(data, (list, tuple)) else ([data] if data else [])
        if not files:
            if self.required:
                raise ValidationError("请上传证明材料。", code="required")
            return []
        return [single(f, initial) for f in files]


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, item):
        label = f"{item.name}（{item.get_kind_display()}）"
        return label + " · 数值待确认" if item.unconfirmed else label


class EntryForm(forms.Form):
    """One activity: the item, then what the teacher did. `items` are the catalogue versions
    valid in the year, as credits.selectors gives them."""

    item = ItemChoiceField(label="登记项目", queryset=CreditItem.objects.none(), empty_label="请选择项目")
    option = forms.ChoiceField(label="等级 / 级别 / 奖项", required=False)
    title = forms.CharField(label="培训内容 / 项目名称", max_length=200)
    organizer = forms.CharField(label="主办单位 / 颁发单位", max_length=100, required=False)
    started_on = forms.DateField(label="开始日期", widget=DATE_WIDGET)
    ended_on = forms.DateField(label="结束日期", required=False, widget=DATE_WIDGET)
    quantity = forms.DecimalField(label="实际学时", min_value=Decimal("0"), max_digits=7, decimal_places=1,
                                  widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}))
    certificate_no = forms.CharField(label="证书编号", max_length=64, required=False,
                                     help_text="以证书为依据的项目必填；同一证书只计一次学分。")

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        ids = [i.pk for i in items]
        self.fields["item"].queryset = CreditItem.objects.filter(pk__in=ids).order_by("category", "order", "code")
        self.items = {i.pk: i for i in items}
        item = self.selected_item()
        if item is not None:
            self.fields["quantity"].label = "实际学时" if item.unit_label == "学时" else f"数量（{item.unit_label}）"
            if item.options:
                self.fields["option"].choices = [("", "请选择")] + [(o["key"], o["label"]) for o in item.options]
                self.fields["option"].required = True
                # Most option items count one certificate / paper / award; the teacher may change it.
                self.fields["quantity"].initial = 1
            if item.whole_quantity:
                self.fields["quantity"].widget.attrs["step"] = "1"
            if item.max_per_day is not None:
                self.fields["quantity"].help_text = f"每天最多 {item.max_per_day.normalize():f} {item.unit_label}。"
            if item.certificate_no_required:
                self.fields["certificate_no"].required = True
        if not (item and item.options):
            self.fields["option"].widget = forms.HiddenInput()
        if not (item and item.certificate_no_required):
            self.fields["certificate_no"].widget = forms.HiddenInput()

    def selected_item(self):
        raw = self.data.get(self.add_prefix("item")) if self.is_bound else self.initial.get("item")
        try:
            return self.items.get(int(getattr(raw, "pk", raw)))
        except (TypeError, ValueError):
            return None

    def clean(self):
        data = super().clean()
        started, ended = data.get("started_on"), data.get("ended_on")
        if started and ended and ended < started:
            self.add_error("ended_on", "结束日期不能早于开始日期。")
        return data


class SelfRegisterForm(EntryForm):
    """灵活性 self-registration (附件2). The item's 登记依据 (学时证明, 证书…) may be uploaded here —
    required when the catalogue says so (`CreditItem.evidence_required`), optional otherwise; the
    files get the same checks by content as a declaration's."""

    evidence = MultipleFileField(label="证明材料（PDF/JPG/PNG）", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        item = self.selected_item()
        field = self.fields["evidence"]
        what = item.evidence if item is not None and item.evidence else "证明材料"
        if item is not None and item.evidence_required:
            field.required = True
            field.label = f"登记依据：{what}（须上传，PDF/JPG/PNG）"
        else:
            field.label = f"登记依据：{what}（可上传扫描件或照片，PDF/JPG/PNG；不上传则由校管理员核对原件）"
        limit = settings.EVIDENCE_MAX_BYTES / 1024 / 1024
        field.help_text = f"可选多个文件，每个不超过 {limit:.0f} MB；按文件内容检查类型。"


class DeclareForm(EntryForm):
    """集中培训 declared with proof (notice 二(三)1(1): 学时证明、通知安排等)."""

    evidence = MultipleFileField(label="证明材料（学时证明、通知安排等，PDF/JPG/PNG）")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizer"].required = True


class EditForm(EntryForm):
    """Corrections of an entry: everything but the item (a different item is a new entry)."""

    evidence = MultipleFileField(label="补充证明材料（可选，PDF/JPG/PNG）", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].disabled = True


class AdminRegisterForm(EntryForm):
    """A 规范性 item the school admin registers for a teacher with the document (证书、成绩通知书)."""

    teacher = forms.ModelChoiceField(label="教师", queryset=None, empty_label="请选择教师")
    evidence = MultipleFileField(label="证书 / 证明（PDF/JPG/PNG）")
    field_order = ["teacher", "item", "option", "title", "organizer", "certificate_no", "started_on", "ended_on",
                   "quantity", "evidence"]

    def __init__(self, *args, teachers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = teachers
        self.fields["teacher"].label_from_instance = lambda t: f"{t.name}（{t.user.username}，{t.subject or '—'}）"


class ReviewForm(forms.Form):
    """A reviewer's decision on one entry at one step."""

    APPROVE, FEWER, REJECT, RETURN = "approve", "approve_fewer", "reject", "return"
    decision = forms.ChoiceField(
        label="审核意见",
        choices=[(APPROVE, "通过"), (FEWER, "核减后通过"), (RETURN, "退回修改"), (REJECT, "不通过")],
        widget=forms.RadioSelect, initial=APPROVE,
    )
    quantity_approved = forms.DecimalField(label="核定数量", required=False, min_value=Decimal("0"),
                                           max_digits=7, decimal_places=1)
    comment = forms.CharField(label="意见 / 理由", required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2}))
    # The entry's version the reviewer saw: the service refuses the decision if it changed since.
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, entry=None, allow_fewer=True, allow_reject=True, allow_option=False, version=None,
                 warnings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.entry = entry
        self.warnings = list(warnings)
        if version is not None:
            self.fields["version"].initial = version
        if self.warnings:
            # Another teacher's entry with the same proof or certificate: passing it takes an explicit
            # acknowledgement and its reason, which the audit row keeps (issue 9).
            self.fields["acknowledge_warnings"] = forms.BooleanField(
                label="已核对重复提示：我已核对原件，确认本条不是重复计分", required=False)
            self.fields["warnings_reason"] = forms.CharField(
                label="核对理由（通过时必填，记入审核记录）", required=False, max_length=300,
                widget=forms.TextInput(attrs={"placeholder": "例如：同一培训的通知安排，参培教师共用"}))
        if allow_option and entry is not None and entry.item.options:
            # 初审 may verify a lower level than the teacher chose (with a reason).
            self.fields["option"] = forms.ChoiceField(
                label="核定等级 / 级别", initial=entry.option,
                choices=[(o["key"], o.get("label", o["key"])) for o in entry.item.options],
            )
        if not allow_reject:
            self.fields["decision"].choices = [c for c in self.fields["decision"].choices if c[0] != self.REJECT]
        if not allow_fewer:
            self.fields["decision"].choices = [c for c in self.fields["decision"].choices if c[0] != self.FEWER]
            del self.fields["quantity_approved"]
        elif entry is not None:
            claimed = entry.quantity_claimed.normalize()
            passed = "" if entry.quantity_approved is None else f"，已核定 {entry.quantity_approved.normalize():f}"
            self.fields["quantity_approved"].label = (
                f"核定数量（{entry.item.unit_label}，申报 {claimed:f}{passed}；核减后通过时填写）"
            )

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision in (self.REJECT, self.RETURN) and not data.get("comment"):
            self.add_error("comment", "不通过或退回时请填写理由，教师会看到它。")
        option = data.get("option")
        if option and self.entry is not None and option != self.entry.option and not data.get("comment"):
            self.add_error("comment", "改变等级 / 级别时请填写理由。")
        if self.warnings and decision in (self.APPROVE, self.FEWER):
            if not data.get("acknowledge_warnings"):
                self.add_error("acknowledge_warnings", "该记录有重复提示：请核对原件后勾选“已核对重复提示”，才能通过。")
            if not (data.get("warnings_reason") or "").strip():
                self.add_error("warnings_reason", "请填写核对理由，它将记入审核记录。")
        if decision == self.FEWER:
            qty = data.get("quantity_approved")
            if qty is None:
                self.add_error("quantity_approved", "核减后通过时请填写核定数量。")
            elif self.entry is not None and qty >= self.entry.quantity:
                self.add_error("quantity_approved", f"核定数量应小于当前数量 {self.entry.quantity}。")
        return data


class BulkReviewForm(forms.Form):
    entry_ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), error_messages={"required": "请先勾选要通过的登记。"})

    def versions(self) -> dict[int, int]:
        """{entry id: the version the reviewer saw} from the queue's hidden `version_<id>` inputs."""
        seen = {}
        for entry_id in self.cleaned_data.get("entry_ids", []):
            raw = self.data.get(f"version_{entry_id}", "")
            if raw.isascii() and raw.isdigit() and len(raw) < 19:
                seen[entry_id] = int(raw)
        return seen

    def missing_versions(self) -> list[int]:
        """The ticked entries sent without the version the reviewer saw (issue 9)."""
        seen = self.versions()
        return sorted(i for i in self.cleaned_data.get("entry_ids", []) if i not in seen)

    def __init__(self, *args, queue=None, **kwargs):
        super().__init__(*args, **kwargs)
        ids = self.data.getlist("entry_ids") if self.is_bound else []
        valid = set(queue.filter(pk__in=[i for i in ids if str(i).isascii() and str(i).isdigit() and len(str(i)) < 16]).values_list("pk", flat=True)) if queue is not None else set()
        self.fields["entry_ids"].choices = [(i, i) for i in valid]


class QueueFilterForm(forms.Form):
    """Filters above a review queue or an entry list. Choices of schools and items come from the view."""

    q = forms.CharField(label="搜索", required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "姓名、账号或培训内容"}))
    school = forms.TypedChoiceField(label="学校", required=False, coerce=int, empty_value=None)
    category = forms.ChoiceField(label="类别", required=False, choices=[("", "全部")] + list(Category.choices))
    kind = forms.ChoiceField(label="子项目", required=False, choices=[("", "全部")] + list(Kind.choices))
    stage = forms.ChoiceField(label="学段", required=False, choices=[("", "全部")] + list(Stage.choices))
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + list(EntryStatus.choices))
    year = forms.TypedChoiceField(label="学年", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, schools=(), years=(), drop=(), **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                field.widget = PlainSelect(attrs=field.widget.attrs, choices=field.widget.choices)
        self.fields["school"].choices = [("", "全部学校")] + [(s.pk, s.name) for s in schools]
        self.fields["year"].choices = [("", "全部学年")] + [(y.start_year, y.label) for y in years]
        for name in drop:
            del self.fields[name]
        if not schools and "school" in self.fields:
            del self.fields["school"]


class RosterUploadForm(forms.Form):
    """附件1 花名册 with the plan and summary (notice 二(三)1(2))."""

    plan_file = forms.FileField(label="培训计划（PDF/Word）")
    summary_file = forms.FileField(label="培训总结（PDF/Word）")
    roster_file = forms.FileField(label="参培人员花名册（附件1，Excel .xlsx）",
                                  widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def clean_roster_file(self):
        f = self.cleaned_data["roster_file"]
        if not f.name.lower().endswith(".xlsx"):
            raise ValidationError("花名册请使用 Excel（.xlsx）文件，按附件1的列：序号、学校、账号、姓名、学科、学段、学时、学分。")
        return f


class RosterReviewForm(forms.Form):
    approve = forms.TypedChoiceField(label="审核结果", coerce=lambda v: v == "1",
                                     choices=[("1", "通过"), ("0", "不通过")], widget=forms.RadioSelect, initial="1")
    comment = forms.CharField(label="审核意见", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("approve") is False and not data.get("comment"):
            self.add_error("comment", "不通过时请填写理由。")
        return data

"""The rule catalogue (《办法》 items), academic years, and the credit entries teachers claim."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models


class Category(models.TextChoices):
    REGULATED = "regulated", "规范性培训"
    FLEXIBLE = "flexible", "灵活性培训"


class Kind(models.TextChoices):
    CENTRALIZED = "centralized", "集中培训"
    SCHOOL_BASED = "school_based", "校本研修"
    SELF_DIRECTED = "self_directed", "自主研修"


class Conversion(models.TextChoices):
    PER_HOUR = "per_hour", "按学时折算（每学时 rate 学分）"
    PER_UNIT = "per_unit", "按整单位折算（每满 unit_size 记 rate 学分）"
    PER_COUNT = "per_count", "按次/篇/科/半天/年计（每个 rate 学分）"
    BY_OPTION = "by_option", "按选项（等级、级别、奖项）计"


class Flow(models.TextChoices):
    DECLARE = "declare", "教师申报（集中培训，附证明）"
    SELF_REGISTER = "self_register", "教师自主登记（灵活性）"
    ADMIN_REGISTER = "admin_register", "校管理员凭证书代为登记"
    ROSTER = "roster", "基地校花名册"
    FEED = "feed", "系统自动认定"


class AcademicYear(models.Model):
    """学年: 8月1日 to 7月31日, with the year's calendar of windows (notice 三(三)2, 二(三)1(2), 三(一)2)."""

    start_year = models.PositiveSmallIntegerField("起始年", unique=True)
    registration_closes = models.DateField("学分登记截止", help_text="当年7月31日；8月1日及以后的学分计入下个学年度。")
    base_roster_deadline = models.DateField("基地校花名册截止", help_text="6月20日前完成。")
    district_review_opens = models.DateField("区县审核开始", help_text="9月1日。")
    district_review_closes = models.DateField("区县审核结束", help_text="10月31日。")
    city_seal_opens = models.DateField("市级核对封存开始", help_text="11月1日。")
    city_seal_closes = models.DateField("市级核对封存结束", help_text="11月30日。")
    sealed_at = models.DateTimeField("封存时间", null=True, blank=True)
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set when the city starts the seal (sealing.services.seal_start): from then on nothing of the
    # 学年 changes (services and PostgreSQL triggers); `sealed_at` is set only when the seal commits.
    sealing_started_at = models.DateTimeField("开始封存时间", null=True, blank=True)

    class Meta:
        verbose_name = "学年"
        verbose_name_plural = "学年"
        ordering = ["-start_year"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"

    @property
    def starts(self) -> datetime.date:
        return datetime.date(self.start_year, 8, 1)

    @property
    def ends(self) -> datetime.date:
        return datetime.date(self.start_year + 1, 7, 31)

    @property
    def is_sealed(self) -> bool:
        return self.sealed_at is not None

    @property
    def is_locked(self) -> bool:
        """Sealed, or being sealed: no change is accepted any more."""
        return self.sealed_at is not None or self.sealing_started_at is not None

    @staticmethod
    def credit_day(started_on: datetime.date, ended_on: datetime.date | None = None) -> datetime.date:
        """The day an activity produces its credit: the day it ends (a one-day activity or a
        certificate: its date). An activity may not span two 学年, so its start falls in the same
        学年; the rule is written once here and used by declaring, registering, corrections,
        rosters and feeds (notice 三(三)2: 8月1日及以后产生的学分计入下个学年度)."""
        return ended_on or started_on

    @staticmethod
    def start_year_for(day: datetime.date) -> int:
        """An activity on or after 8月1日 counts in the next 学年 (notice 三(三)2)."""
        return day.year if day.month >= 8 else day.year - 1

    @classmethod
    def default_calendar(cls, start_year: int) -> dict:
        end = start_year + 1
        return {
            "registration_closes": datetime.date(end, 7, 31),
            "base_roster_deadline": datetime.date(end, 6, 20),
            "district_review_opens": datetime.date(end, 9, 1),
            "district_review_closes": datetime.date(end, 10, 31),
            "city_seal_opens": datetime.date(end, 11, 1),
            "city_seal_closes": datetime.date(end, 11, 30),
        }

    @classmethod
    def for_date(cls, day: datetime.date) -> "AcademicYear":
        """The 学年 `day` falls in. A read: it never creates a row, so no page view writes
        (credits.services.academic_year_ensure creates the 学年 at sign-in, every night and when
        something is registered in it). One not created yet reads as the latest before it."""
        return cls.for_date_with_previous(day)[0]

    @classmethod
    def for_date_with_previous(cls, day: datetime.date) -> tuple["AcademicYear", "AcademicYear | None"]:
        """``for_date`` and the 学年 just before it (None when there is none), in one query: a
        page that shows the current 学年 and the one under review reads the table once."""
        rows = list(cls.objects.filter(start_year__lte=cls.start_year_for(day)).order_by("-start_year")[:2])
        if not rows:
            from core.errors import DomainError

            raise DomainError("尚未建立学年日历，请联系市教科院。", kind="not_found")
        previous = rows[1] if len(rows) > 1 and rows[1].start_year == rows[0].start_year - 1 else None
        return rows[0], previous


class CreditItem(models.Model):
    """One item of the 《办法》 as the notice states it, valid from a 学年 on.

    A changed value is a new row with a later `valid_from`; entries keep pointing at the row
    that was valid for their year, so registered credits of earlier years never change.
    """

    code = models.CharField("项目代码", max_length=40)
    name = models.CharField("项目名称", max_length=100)
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    kind = models.CharField("子项目", max_length=16, choices=Kind.choices)
    clause = models.CharField("依据条款", max_length=100, help_text="通知或《办法》中的条款，例如 二(三)2(7)。")
    conversion = models.CharField("折算方式", max_length=16, choices=Conversion.choices)
    rate = models.DecimalField(
        "折算值", max_digits=6, decimal_places=2, default=Decimal("0"),
        help_text="每学时/每整单位/每次记多少学分；按选项计时不用。",
    )
    unit_size = models.DecimalField(
        "单位大小", max_digits=6, decimal_places=2, null=True, blank=True,
        help_text="按整单位折算时，每满多少（学时或课程）记一次。",
    )
    unit_label = models.CharField("计量单位", max_length=16, default="学时")
    options = models.JSONField(
        "选项", default=list, blank=True,
        help_text='按选项计时的取值：[{"key": "...", "label": "...", "credits": "7", "unconfirmed": false}]',
    )
    cap = models.DecimalField("每学年上限", max_digits=6, decimal_places=2, null=True, blank=True)
    cap_group = models.CharField(
        "共用上限组", max_length=40, blank=True, help_text="同组项目合计受同一上限约束（组上限见 CapGroup）。"
    )
    evidence = models.CharField("登记依据", max_length=200, blank=True)
    evidence_required = models.BooleanField(
        "须上传证明材料", default=False,
        help_text="勾选：教师自主登记时须上传登记依据的扫描件；不勾选：可以上传（推荐），也可以由校管理员核对原件。"
                  "集中培训申报和校管理员代为登记一律须附证明材料。",
    )
    flow = models.CharField("登记流程", max_length=16, choices=Flow.choices)
    valid_from = models.PositiveSmallIntegerField("自学年起适用", default=2017, help_text="学年起始年，如 2017 表示 2017-2018 学年。")
    unconfirmed = models.BooleanField(
        "数值待确认", default=False,
        help_text="通知只引用《办法》第14–16条而未给出数值：此为预设值，须由市教科院确认。",
    )
    head_teacher_topic = models.BooleanField(
        "计入班主任专题培训", default=False,
        help_text="二(一)1：班主任每5年应接受不少于30学分的专题培训；勾选的项目计入这30学分。",
    )
    principal_qualification = models.BooleanField(
        "计入校长任职资格培训", default=False,
        help_text="二(一)1：新任校长或拟任校长应参加不少于300学分的任职资格培训；勾选的项目计入。",
    )
    new_teacher_induction = models.BooleanField(
        "计入新任教师岗位适应性培训", default=False,
        help_text="二(一)1：新任教师在试用期内应完成不少于120学分的岗位适应性培训；只有勾选的项目计入这120学分。",
    )
    # --- plausibility (issue 9): what a single claim may say, as catalogue data --------------
    whole_quantity = models.BooleanField(
        "数量只能为整数", default=False, help_text="按篇、次、半天、科、年、项、证书计的项目只接受整数数量。"
    )
    max_per_day = models.DecimalField(
        "每天最多", max_digits=6, decimal_places=1, null=True, blank=True,
        help_text="一天内最多可申报的数量（如每天最多10学时）；按活动起止日期所跨天数计。留空表示不限。",
    )
    max_per_entry = models.DecimalField(
        "每条最多", max_digits=6, decimal_places=1, null=True, blank=True,
        help_text="一条登记最多的数量（如一张普通话证书为1）。留空表示不限。",
    )
    certificate_no_required = models.BooleanField(
        "须填证书编号", default=False,
        help_text="以证书为依据的项目须填写证书编号；同一证书编号在任何类别、任何学年只能计一次学分。",
    )
    # --- eligibility (issue 9): who may claim the item ----------------------------------------
    eligible_school_categories = models.JSONField(
        "限学校类别", default=list, blank=True,
        help_text='只有这些类别学校的教师可以登记，如 ["vocational"]（职业学校）；留空表示不限。',
    )
    eligible_attribute = models.CharField(
        "限教师身份", max_length=32, blank=True, choices=[
            ("is_party_member", "党员教师"),
            ("new_teacher_in_probation", "试用期内的新任教师"),
            ("is_new_principal", "新任（拟任）校长"),
            ("is_head_teacher", "班主任"),
        ],
        help_text="只有具备该身份（教师信息中登记）的教师可以登记；留空表示不限。",
    )
    stage_options = models.JSONField(
        "按学段限定选项", default=dict, blank=True,
        help_text='某学段的教师只能选这些选项，如 {"senior": ["national_first", …]}（高中教师限市级及以上竞赛）。',
    )
    note = models.CharField("备注", max_length=200, blank=True)
    is_active = models.BooleanField("启用", default=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "学分项目（《办法》）"
        verbose_name_plural = "学分项目（《办法》）"
        ordering = ["category", "order", "code", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["code", "valid_from"], name="credit_item_version_unique")]

    def __str__(self):
        return f"{self.name}（{self.get_category_display()}）"

    def clean(self):
        errors = {}
        if self.conversion == Conversion.PER_UNIT and not self.unit_size:
            errors["unit_size"] = "按整单位折算须填写单位大小。"
        for name in ("unit_size", "cap"):
            value = getattr(self, name)
            # The set-based totals count in integer tenths; more places would make the two paths differ.
            if value is not None and (Decimal(value) * 10) % 1:
                errors[name] = "最多一位小数。"
        if self.cap_group:
            # A group cut is attributed per category and kind, so a group must not mix them.
            other = CreditItem.objects.filter(cap_group=self.cap_group).exclude(code=self.code).first()
            if other and (other.category, other.kind) != (self.category, self.kind):
                errors["cap_group"] = f"同组项目“{other.name}”的类别或子项目与本项目不同。"
        for name in ("max_per_day", "max_per_entry"):
            value = getattr(self, name)
            if value is not None and Decimal(value) <= 0:
                errors[name] = "须大于 0，或留空表示不限。"
            elif value is not None and self.whole_quantity and Decimal(value) % 1:
                errors[name] = "数量只能为整数的项目，此上限也须为整数。"
        from accounts.models import SchoolCategory, Stage

        categories = self.eligible_school_categories or []
        if not isinstance(categories, list) or any(c not in SchoolCategory.values for c in categories):
            errors["eligible_school_categories"] = "须为学校类别代码的列表：" + "、".join(SchoolCategory.values) + "。"
        stage_options = self.stage_options or {}
        keys = {str(o.get("key")) for o in self.options or [] if isinstance(o, dict)}
        if not isinstance(stage_options, dict):
            errors["stage_options"] = "须为 {学段: [选项, …]}。"
        else:
            for stage, allowed in stage_options.items():
                if stage not in Stage.values:
                    errors["stage_options"] = f"未知的学段：{stage}。"
                    break
                if not isinstance(allowed, list) or any(str(a) not in keys for a in allowed):
                    errors["stage_options"] = f"学段 {stage} 的选项须为本项目已有的选项。"
                    break
        if self.conversion == Conversion.BY_OPTION and not self.options:
            errors["options"] = "按选项计的项目须至少有一个选项。"
        seen = set()
        for opt in self.options or []:
            if not isinstance(opt, dict) or not opt.get("key") or "credits" not in opt:
                errors["options"] = '每个选项须含 "key" 和 "credits"。'
                break
            if opt["key"] in seen:
                errors["options"] = f"选项 {opt['key']} 重复。"
                break
            seen.add(opt["key"])
            try:
                value = Decimal(str(opt["credits"]))
            except ArithmeticError:
                errors["options"] = f"选项 {opt['key']} 的学分不是数字。"
                break
            if value < 0 or (value * 100) % 1:
                errors["options"] = f"选项 {opt['key']} 的学分须为非负数，最多两位小数。"
                break
        if errors:
            raise ValidationError(errors)

    @property
    def has_unconfirmed_values(self) -> bool:
        return self.unconfirmed or any(o.get("unconfirmed") for o in self.options or [])

    def conversion_text(self) -> str:
        """The conversion in words, as the catalogue and the entry form show it."""
        rate = _fmt(self.rate)
        if self.conversion == Conversion.PER_HOUR:
            if self.unit_label.startswith("学分"):
                return "按系统认定的学分计"
            return f"每{self.unit_label}计{rate}学分"
        if self.conversion == Conversion.PER_UNIT:
            return f"每满{_fmt(self.unit_size)}{self.unit_label}计{rate}学分（按学年合计取整）"
        if self.conversion == Conversion.PER_COUNT:
            return f"每{self.unit_label}计{rate}学分"
        return "按" + "、".join(f"{o.get('label', o['key'])}{_fmt(o['credits'])}" for o in self.options or []) + "学分"

    def option_label(self, key: str) -> str:
        return next((o.get("label", o["key"]) for o in self.options or [] if o["key"] == key), key)


def _fmt(value) -> str:
    """1.00 → "1", 0.50 → "0.5", 20 → "20"."""
    if value is None:
        return ""
    text = format(Decimal(str(value)).normalize(), "f")
    return text


class CapGroup(models.Model):
    """A yearly cap shared by several items (e.g. all 市级基地校 roster credits: 40)."""

    code = models.CharField("组代码", max_length=40)
    name = models.CharField("名称", max_length=100)
    cap = models.DecimalField("每学年上限", max_digits=6, decimal_places=2)
    clause = models.CharField("依据条款", max_length=100)
    valid_from = models.PositiveSmallIntegerField("自学年起适用", default=2017)

    class Meta:
        verbose_name = "共用上限组"
        verbose_name_plural = "共用上限组"
        constraints = [models.UniqueConstraint(fields=["code", "valid_from"], name="cap_group_version_unique")]

    def __str__(self):
        return f"{self.name}（上限{self.cap}）"

    def clean(self):
        # Credits are counted in tenths; a finer cap would be cut to tenths anyway.
        if self.cap is not None and (Decimal(self.cap) * 10) % 1:
            raise ValidationError({"cap": "最多一位小数。"})


class EntryStatus(models.TextChoices):
    SUBMITTED = "submitted", "待校初审"
    SCHOOL_VERIFIED = "school_verified", "待分管校长签字"
    SCHOOL_APPROVED = "school_approved", "待区县复核"
    DISTRICT_REVIEWED = "district_reviewed", "已复核"
    CONFIRMED = "confirmed", "已确认登记"
    RETURNED = "returned", "退回修改"
    REJECTED = "rejected", "未通过"
    WITHDRAWN = "withdrawn", "已撤回"
    # Closed by the city's seal while still in review ("seal anyway", with the reason recorded):
    # kept and listed, never counted, never deleted.
    LATE = "late", "未按期审核"


# States whose credits count in a teacher's totals.
COUNTED_STATUSES = (EntryStatus.DISTRICT_REVIEWED, EntryStatus.CONFIRMED)
# States still waiting for someone (a reviewer, or the submitter's correction): they block a
# school's year from being ready for the seal, and a forced seal closes them as 未按期审核.
OPEN_STATUSES = (EntryStatus.SUBMITTED, EntryStatus.SCHOOL_VERIFIED, EntryStatus.SCHOOL_APPROVED, EntryStatus.RETURNED)


class EntrySource(models.TextChoices):
    DECLARED = "declared", "教师申报"
    SELF_REGISTERED = "self_registered", "教师自主登记"
    ADMIN_REGISTERED = "admin_registered", "校管理员登记"
    ROSTER = "roster", "基地校花名册"
    FEED = "feed", "系统导入"


class CreditEntry(models.Model):
    """One activity a teacher claims credits for."""

    teacher = models.ForeignKey(
        "accounts.TeacherProfile", verbose_name="教师", on_delete=models.PROTECT, related_name="entries"
    )
    # The school at the time of the claim reviews it; a later transfer keeps this history.
    school = models.ForeignKey("accounts.School", verbose_name="登记学校", on_delete=models.PROTECT, related_name="+")
    academic_year = models.ForeignKey(AcademicYear, verbose_name="学年", on_delete=models.PROTECT, related_name="entries")
    item = models.ForeignKey(CreditItem, verbose_name="项目", on_delete=models.PROTECT, related_name="entries")
    option = models.CharField("选项", max_length=40, blank=True, help_text="按选项计的项目所选的等级/级别/奖项。")
    title = models.CharField("培训内容 / 项目名称", max_length=200)
    organizer = models.CharField("主办单位 / 颁发单位", max_length=100, blank=True)
    certificate_no = models.CharField(
        "证书编号", max_length=64, blank=True, db_index=True, db_default="",
        help_text="以证书为依据的项目（普通话、职称考试、职业技能…）的证书编号，去掉空格、统一大写后保存。",
    )
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    quantity_claimed = models.DecimalField(
        "申报数量", max_digits=7, decimal_places=1, validators=[MinValueValidator(Decimal("0"))],
        help_text="学时、课程数、篇数、次数、半天数、科目数……（单位见项目）。",
    )
    quantity_approved = models.DecimalField(
        "核定数量", max_digits=7, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))], help_text="审核人核减后的数量；为空表示按申报数量。",
    )
    credits = models.DecimalField(
        "折算学分", max_digits=7, decimal_places=1, default=Decimal("0"),
        help_text="本条单独折算的学分（未计学年上限与整单位合并）；学年合计由规则引擎计算。",
    )
    status = models.CharField("状态", max_length=20, choices=EntryStatus.choices, default=EntryStatus.SUBMITTED)
    source = models.CharField("来源", max_length=20, choices=EntrySource.choices)
    external_id = models.CharField("外部编号", max_length=64, blank=True, help_text="系统导入记录的唯一编号。")
    last_comment = models.CharField("最近审核意见", max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "学分登记"
        verbose_name_plural = "学分登记"
        ordering = ["-started_on", "-id"]
        indexes = [
            models.Index(fields=["teacher", "academic_year", "status"]),
            models.Index(fields=["school", "status"]),
            models.Index(fields=["academic_year", "status"]),
            # Lists newest first (the API's -started_on, -id) read one page from this index, and
            # its keyset cursor continues from any depth.
            models.Index(fields=["started_on", "id"], name="credit_entry_started_id"),
            # A school admin's list (school_id = …, newest first): one page from here, not a sort of
            # the school's whole history (86 ms for a 186-teacher school of the 150,000-teacher city).
            models.Index(fields=["school", "started_on", "id"], name="credit_entry_school_started"),
            # Review queues: one state, oldest first (started_on, id), cut to a page.
            models.Index(fields=["status", "started_on", "id"], name="credit_entry_status_started"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="credit_entry_external_id_unique",
            )
        ]

    def __str__(self):
        return f"{self.teacher.name} · {self.item.name} · {self.academic_year}"

    @property
    def quantity(self) -> Decimal:
        """What counts: the reviewer's approved quantity when set, else the claim."""
        return self.quantity_approved if self.quantity_approved is not None else self.quantity_claimed

    @property
    def is_counted(self) -> bool:
        return self.status in COUNTED_STATUSES


class YearFigureFields(models.Model):
    """The figures of one teacher in one 学年: the columns of the totals table and of the sealed
    snapshot (``sealing.SealedSnapshot``), computed by ``credits.selectors.year_figures``."""

    regulated = models.DecimalField("规范性", max_digits=8, decimal_places=1, default=Decimal("0"))
    flexible = models.DecimalField("灵活性", max_digits=8, decimal_places=1, default=Decimal("0"))
    total = models.DecimalField("合计", max_digits=8, decimal_places=1, default=Decimal("0"))
    raw_total = models.DecimalField("未计上限合计", max_digits=9, decimal_places=1, default=Decimal("0"))
    centralized = models.DecimalField("集中培训", max_digits=8, decimal_places=1, default=Decimal("0"))
    school_based = models.DecimalField("校本研修", max_digits=8, decimal_places=1, default=Decimal("0"))
    self_directed = models.DecimalField("自主研修", max_digits=8, decimal_places=1, default=Decimal("0"))
    unconfirmed = models.DecimalField(
        "其中按待确认数值计", max_digits=8, decimal_places=1, default=Decimal("0"),
        help_text="按《办法》第14–16条预设值（待市教科院确认）计入的学分。",
    )
    head_teacher_topic = models.DecimalField("班主任专题培训", max_digits=8, decimal_places=1, default=Decimal("0"))
    principal_qualification = models.DecimalField("校长任职资格培训", max_digits=8, decimal_places=1, default=Decimal("0"))
    counted_entries = models.PositiveIntegerField("计入的登记数", default=0)
    open_entries = models.PositiveIntegerField("审核中的登记数", default=0)
    year_ok = models.BooleanField("学年达标", default=False, help_text="≥72，其中规范性≥48、灵活性≥24。")
    missing_total = models.DecimalField("合计差额", max_digits=8, decimal_places=1, default=Decimal("72"))
    missing_regulated = models.DecimalField("规范性差额", max_digits=8, decimal_places=1, default=Decimal("48"))
    missing_flexible = models.DecimalField("灵活性差额", max_digits=8, decimal_places=1, default=Decimal("24"))

    FIGURES = (
        "regulated", "flexible", "total", "raw_total", "centralized", "school_based", "self_directed",
        "unconfirmed", "head_teacher_topic", "principal_qualification", "counted_entries", "open_entries",
        "year_ok", "missing_total", "missing_regulated", "missing_flexible",
    )

    class Meta:
        abstract = True

    def figures(self) -> dict:
        return {name: getattr(self, name) for name in self.FIGURES}


class TeacherYearTotal(YearFigureFields):
    """A teacher's totals in one 学年, kept current by the services in the same transaction as
    every change of the teacher's entries (``credits.services.teacher_year_totals_refresh``,
    called from the audit record every entry change writes). Dashboards, compliance tables and
    exports of open years read this table instead of recomputing from entries; sealed years
    read the sealed snapshots. ``manage.py credits_totals_rebuild --check`` recomputes it all
    through the rule engine and names any row that differs.

    Figures are those of ``credits.rules.year_totals`` over the counted entries (已复核, 已确认登记)."""

    teacher = models.ForeignKey(
        "accounts.TeacherProfile", verbose_name="教师", on_delete=models.CASCADE, related_name="year_totals"
    )
    academic_year = models.ForeignKey(AcademicYear, verbose_name="学年", on_delete=models.PROTECT, related_name="teacher_totals")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "教师学年学分合计"
        verbose_name_plural = "教师学年学分合计"
        constraints = [
            models.UniqueConstraint(fields=["academic_year", "teacher"], name="teacher_year_total_unique")
        ]

    def __str__(self):
        return f"{self.teacher_id} · {self.academic_year_id} · {self.total}"


class CatalogueStamp(models.Model):
    """One row whose `stamp` changes, in the same transaction, with every write to the catalogue
    (``CreditItem``, ``CapGroup``): database triggers (migration ``credits 0008``) set it on every
    INSERT, UPDATE, DELETE (and TRUNCATE on PostgreSQL), so the service, the admin, ``loaddata``,
    a queryset ``update()`` and raw SQL all change it. ``credits.catalogue`` keeps the compiled
    catalogue per process under the stamp it read first.

    A random value, not a counter: a rolled-back change would hand a counter's next value to a
    different catalogue, and a process that read the rolled-back rows would keep them under it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    stamp = models.CharField("目录版本", max_length=36)

    class Meta:
        verbose_name = "学分项目目录版本"
        verbose_name_plural = "学分项目目录版本"

    def __str__(self):
        return self.stamp

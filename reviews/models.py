"""Review workflow data: the audit trail of entries, proof files, 基地校 rosters, system feed
imports, window extensions, and the district's yearly review schedule."""

import uuid
from pathlib import PurePosixPath

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone

from core import audit
from core.audit import append_only

from . import workflow as wf
from .workflow import (
    ROSTER_FROZEN_STATUSES,
    RosterStatus,
    Window,  # declared with the workflow's table; reviews.models.Window still works
)


class ReviewAppointment(models.Model):
    """A school's date for the annual audit, as each district publishes every year
    (Shuangliu 2018: 附件2 双流区教师继续教育学分登记审证时间安排)."""

    academic_year = models.ForeignKey("credits.AcademicYear", verbose_name="学年", on_delete=models.PROTECT)
    school = models.ForeignKey("accounts.School", verbose_name="学校", on_delete=models.PROTECT, related_name="appointments")
    group = models.CharField("类别", max_length=16, help_text="时间安排表中的分组：高中、特教、初中、小学、幼儿园、民办学校。")
    sequence = models.PositiveSmallIntegerField("序号")
    date = models.DateField("审证日期")
    registrar = models.CharField("登记员", max_length=32, blank=True)
    contact_phone = models.CharField("登记员联系电话", max_length=32, blank=True)

    class Meta:
        verbose_name = "审证时间安排"
        verbose_name_plural = "审证时间安排"
        ordering = ["academic_year", "date", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["academic_year", "school"], name="review_appointment_unique")
        ]

    def __str__(self):
        return f"{self.school} · {self.date:%Y-%m-%d}"


# ---------------------------------------------------------------------------------------------
# The registration and review workflow (notice 二(三)1, 二(四)1, 三): its table is reviews.workflow.


class Action(models.TextChoices):
    DECLARE = "declare", "教师申报"
    SELF_REGISTER = "self_register", "教师自主登记"
    ADMIN_REGISTER = "admin_register", "校管理员代为登记"
    EDIT = "edit", "修改"
    # The review steps approve under their own names (reviews.workflow).
    SCHOOL_REVIEW = wf.SCHOOL_REVIEW, wf.STEPS[wf.SCHOOL_REVIEW].label
    LEADER_SIGN = wf.LEADER_SIGN, wf.STEPS[wf.LEADER_SIGN].label
    DISTRICT_REVIEW = wf.DISTRICT_REVIEW, wf.STEPS[wf.DISTRICT_REVIEW].label
    CONFIRM = wf.CONFIRM, wf.STEPS[wf.CONFIRM].label
    REJECT = "reject", "审核不通过"
    RETURN = "return", "退回修改"
    WITHDRAW = "withdraw", "撤回"
    RESUBMIT = "resubmit", "重新提交"
    EVIDENCE_ADD = "evidence_add", "上传证明材料"
    EVIDENCE_REMOVE = "evidence_remove", "删除证明材料"
    ROSTER = "roster", "基地校花名册认定"
    FEED = "feed", "系统导入认定"
    FEED_CORRECT = "feed_correct", "系统导入更正"
    CLOSE_LATE = "close_late", "封存时关闭（未按期审核）"


class AppendOnlyQuerySet(audit.AppendOnlyQuerySet):
    """Audit rows are written once: bulk update and delete are refused in Python as well
    (PostgreSQL refuses them with a trigger)."""

    refused_update = "审核记录不可修改。"
    refused_delete = "审核记录不可删除。"


class EntryTransition(models.Model):
    """One step in an entry's life: a transition (from_state → to_state) or an edit
    (from_state == to_state, the changed fields in `changes`). Append-only."""

    entry = models.ForeignKey(
        "credits.CreditEntry", verbose_name="学分登记", on_delete=models.PROTECT, related_name="transitions"
    )
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    # Empty for system actions (feeds); the roster reviewer for roster credits.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField("操作角色", max_length=32, blank=True)
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    from_state = models.CharField("原状态", max_length=20, blank=True)
    to_state = models.CharField("新状态", max_length=20)
    changes = models.JSONField("变更字段", default=dict, blank=True, help_text="{字段: [原值, 新值]}")
    comment = models.CharField("意见 / 理由", max_length=500, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "审核记录"
        verbose_name_plural = "审核记录"
        ordering = ["at", "id"]
        triggers = append_only("entry_transition_append_only")

    def __str__(self):
        return f"{self.get_action_display()} {self.from_state or '—'} → {self.to_state}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("审核记录不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审核记录不可删除。")


def evidence_upload_to(instance, filename: str) -> str:
    # A random name: the path reveals neither the teacher nor the original file name.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"evidence/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    """A proof file (学时证明, 证书, 通知安排…) of an entry: PDF, JPG or PNG, checked by content."""

    entry = models.ForeignKey(
        "credits.CreditEntry", verbose_name="学分登记", on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField("文件", upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    # Set when a reviewer has passed the entry with this file: from then on it cannot be swapped.
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = "证明材料"
        verbose_name_plural = "证明材料"
        ordering = ["uploaded_at", "id"]
        # The duplicate-proof lookups (reviews.services.duplicates) find a file's other holders by
        # its digest: without an index every review queue page scanned every proof of the city.
        indexes = [models.Index(fields=["sha256"], name="reviews_evidence_sha256")]

    def __str__(self):
        return self.original_name

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None




def roster_upload_to(instance, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()
    return f"rosters/{uuid.uuid4().hex}{suffix}"


class Roster(models.Model):
    """A 基地校's yearly submission (notice 二(三)1(2)): plan, summary and 花名册 (附件1)."""

    school = models.ForeignKey("accounts.School", verbose_name="基地校", on_delete=models.PROTECT, related_name="rosters")
    academic_year = models.ForeignKey("credits.AcademicYear", verbose_name="学年", on_delete=models.PROTECT, related_name="rosters")
    level = models.CharField("基地校级别", max_length=8, help_text="提交时学校的基地校级别（市级 40 / 区县级 25 学分上限）。")
    item = models.ForeignKey("credits.CreditItem", verbose_name="认定项目", on_delete=models.PROTECT, related_name="+")
    plan_file = models.FileField("培训计划", upload_to=roster_upload_to, max_length=200)
    summary_file = models.FileField("培训总结", upload_to=roster_upload_to, max_length=200)
    roster_file = models.FileField("参培人员花名册", upload_to=roster_upload_to, max_length=200)
    status = models.CharField("状态", max_length=20, choices=RosterStatus.choices, default=RosterStatus.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("提交时间")
    district_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    district_reviewed_at = models.DateTimeField("区县审核时间", null=True, blank=True)
    city_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    city_reviewed_at = models.DateTimeField("市级复审时间", null=True, blank=True)
    comment = models.CharField("审核意见", max_length=500, blank=True)
    row_count = models.PositiveIntegerField("行数", default=0)
    error_count = models.PositiveIntegerField("错误行数", default=0)

    class Meta:
        verbose_name = "基地校花名册"
        verbose_name_plural = "基地校花名册"
        ordering = ["-submitted_at"]
        constraints = [models.UniqueConstraint(fields=["school", "academic_year"], name="roster_one_per_school_year")]
        # Once approved, a roster is history: PostgreSQL refuses any change or deletion.
        triggers = append_only("roster_approved_frozen", condition=pgtrigger.Q(old__status="approved"))

    def __str__(self):
        return f"{self.school} · {self.academic_year} 花名册"

    @property
    def is_frozen(self) -> bool:
        return self.status in ROSTER_FROZEN_STATUSES

    @property
    def needs_city_review(self) -> bool:
        """A city 基地校 of a district goes district → city; a 市直属 base school goes to the city
        alone (notice 二(三)1(2): 市直属学校直接上交市教科院), whose one review is final."""
        return self.level == "city" and self.school.district_id is not None


class RosterRow(models.Model):
    """One line of the 花名册 (附件1: 序号, 学校, 账号, 姓名, 学科, 学段, 学时, 学分)."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField("Excel 行号")
    seq = models.CharField("序号", max_length=16, blank=True)
    school_name = models.CharField("学校", max_length=64, blank=True)
    username = models.CharField("账号", max_length=150, blank=True)
    name = models.CharField("姓名", max_length=32, blank=True)
    subject = models.CharField("学科", max_length=32, blank=True)
    stage = models.CharField("学段", max_length=16, blank=True)
    hours = models.DecimalField("学时", max_digits=7, decimal_places=1, null=True, blank=True)
    credits = models.DecimalField("学分", max_digits=7, decimal_places=1, null=True, blank=True)
    teacher = models.ForeignKey("accounts.TeacherProfile", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    error = models.CharField("错误", max_length=300, blank=True)
    entry = models.OneToOneField(
        "credits.CreditEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="roster_row"
    )

    class Meta:
        verbose_name = "花名册行"
        verbose_name_plural = "花名册行"
        ordering = ["roster", "line"]

    def __str__(self):
        return f"{self.line}: {self.username} {self.name}"


class FeedChannel(models.TextChoices):
    """The systems whose records become credits without the review chain (notice 二(三)1)."""

    SIGNIN = "signin", "二维码/身份证扫描签到培训"
    MICRO_COURSE = "micro_course", "微师培微课学习"
    DIGITAL_SCHOOL = "digital_school", "成都数字学校直播/点播"
    VIDEO_COURSE = "video_course", "继教网视频课程"
    READING_NOTE = "reading_note", "读书笔记"
    REFLECTION = "reflection", "自学反思"
    PARTY_E_HOME = "party_e_home", "蓉城先锋·党员e家"


class FeedImport(models.Model):
    """One import of a feed (a file or an API call), with its counts and per-row errors."""

    channel = models.CharField("数据来源", max_length=20, choices=FeedChannel.choices)
    item_code = models.CharField("认定项目代码", max_length=40)
    via = models.CharField("方式", max_length=8, choices=[("file", "文件"), ("api", "接口")])
    file = models.FileField("文件", upload_to="feeds/%Y/", max_length=200, blank=True)
    filename = models.CharField("原文件名", max_length=200, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("导入时间", auto_now_add=True)
    total_count = models.PositiveIntegerField("记录数", default=0)
    created_count = models.PositiveIntegerField("新增", default=0)
    skipped_count = models.PositiveIntegerField("已存在跳过", default=0)
    updated_count = models.PositiveIntegerField(
        "更正", default=0, help_text="同一记录编号重新发送、数值不同：按新数值更正原登记（留有更正记录）。"
    )
    error_count = models.PositiveIntegerField("错误", default=0)
    errors = models.JSONField("错误明细", default=list, blank=True, help_text='[{"row": 3, "message": "…"}]')

    class Meta:
        verbose_name = "系统数据导入"
        verbose_name_plural = "系统数据导入"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_channel_display()} {self.created_at:%Y-%m-%d %H:%M}"


class WindowExtension(models.Model):
    """City staff widen a window — close it later, open it earlier, or both — for the whole city
    (no district, no school), one district, or one school, with the reason on record. Written
    once: a further change is a further row (PostgreSQL refuses UPDATE and DELETE)."""

    academic_year = models.ForeignKey("credits.AcademicYear", verbose_name="学年", on_delete=models.PROTECT, related_name="window_extensions")
    window = models.CharField("时间段", max_length=20, choices=Window.choices)
    district = models.ForeignKey(
        "accounts.District", verbose_name="区（市）县", null=True, blank=True, on_delete=models.PROTECT,
        help_text="留空表示全市（含市直属学校）。",
    )
    school = models.ForeignKey(
        "accounts.School", verbose_name="学校", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="只对这一所学校延期（区县留空）。",
    )
    opens = models.DateField("提前至", null=True, blank=True, help_text="提前开放的日期；留空表示开放日期不变。")
    until = models.DateField("延长至", null=True, blank=True, help_text="延后截止的日期；留空表示截止日期不变。")
    reason = models.CharField("延期理由", max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("设置时间", auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "时间段延期"
        verbose_name_plural = "时间段延期"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(opens__isnull=False) | models.Q(until__isnull=False),
                                   name="window_extension_changes_a_date"),
            models.CheckConstraint(condition=models.Q(district__isnull=True) | models.Q(school__isnull=True),
                                   name="window_extension_one_scope"),
        ]
        triggers = append_only("window_extension_append_only")

    def __str__(self):
        parts = [str(self.academic_year), self.get_window_display()]
        if self.opens:
            parts.append(f"提前至 {self.opens:%Y-%m-%d}")
        if self.until:
            parts.append(f"延至 {self.until:%Y-%m-%d}")
        return " ".join(parts)

    @property
    def scope_label(self) -> str:
        if self.school_id:
            return self.school.name
        if self.district_id:
            return self.district.name
        return "全市"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("延期记录不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("延期记录不可删除。")

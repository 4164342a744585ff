"""Organisations (city → district → school), users, teacher profiles and roles."""

import unicodedata

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from core import audit
from core.audit import append_only

from .idcard import mask_id_number, validate_id_number


class Role(models.TextChoices):
    TEACHER = "teacher", "教师"
    SCHOOL_ADMIN = "school_admin", "校管理员"
    SCHOOL_LEADER = "school_leader", "分管校长"
    BASE_SCHOOL_ADMIN = "base_school_admin", "基地校管理员"
    DISTRICT_ADMIN = "district_admin", "区（市）县管理员"
    CITY_STAFF = "city_staff", "市教科院教师发展研究所"


class Stage(models.TextChoices):
    """学段."""

    KINDERGARTEN = "kindergarten", "幼儿园"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中"
    SPECIAL = "special", "特殊教育"
    VOCATIONAL = "vocational", "中职"


class SchoolCategory(models.TextChoices):
    SENIOR = "senior", "高中"
    JUNIOR = "junior", "初中"
    PRIMARY = "primary", "小学"
    KINDERGARTEN = "kindergarten", "幼儿园"
    SPECIAL = "special", "特教"
    VOCATIONAL = "vocational", "职业"
    PRIVATE = "private", "民办"
    OTHER = "other", "其他"


class BaseLevel(models.TextChoices):
    """基地校 level: decides the per-teacher yearly cap of its roster credits (40 / 25)."""

    NONE = "none", "非基地校"
    DISTRICT = "district", "区（市）县教师发展基地校"
    CITY = "city", "市级教师发展基地校"


class Title(models.TextChoices):
    NONE = "none", "无"
    THIRD = "third", "三级教师"
    SECOND = "second", "二级教师"
    FIRST = "first", "一级教师"
    SENIOR = "senior", "高级教师"
    PROFESSOR = "professor", "正高级教师"


class District(models.Model):
    code = models.CharField("区划代码", max_length=6, unique=True)
    name = models.CharField("名称", max_length=32, unique=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "区（市）县"
        verbose_name_plural = "区（市）县"
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class School(models.Model):
    code = models.CharField("学校代码", max_length=32, unique=True)
    name = models.CharField("学校名称", max_length=64)
    district = models.ForeignKey(
        District,
        verbose_name="区（市）县",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="schools",
        help_text="留空表示市直属学校（由市教科院教师发展研究所承担区级审核）。",
    )
    category = models.CharField("类别", max_length=16, choices=SchoolCategory.choices)
    stages = models.JSONField("学段", default=list, help_text="该校开设的学段；高完中同时含初中、高中。")
    is_private = models.BooleanField("民办", default=False)
    base_level = models.CharField("基地校级别", max_length=8, choices=BaseLevel.choices, default=BaseLevel.NONE)
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = "学校"
        verbose_name_plural = "学校"
        ordering = ["district__order", "code"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="school_unique_name_in_district")]
        # Granted per school with django-guardian, e.g. a district admin standing in for a 市直属学校.
        permissions = [("review_school", "可代行该校的区级审核")]

    def __str__(self):
        return self.name

    @property
    def is_city_direct(self) -> bool:
        return self.district_id is None

    def get_stages_display(self) -> str:
        labels = dict(Stage.choices)
        return "、".join(labels.get(s, s) for s in self.stages)


def normalize_username(value: str) -> str:
    """One spelling per 账号: NFKC turns full-width 'ｔｅａｃｈｅｒ' into 'teacher', casefold
    makes 'Teacher' the same account. Used when an account is made and when one signs in."""
    return unicodedata.normalize("NFKC", value or "").strip().casefold()


# Look-alikes (Cyrillic 'а' for Latin 'a') survive NFKC: only ASCII letters, digits and _.- pass.
username_validator = RegexValidator(r"^[A-Za-z0-9_.\-]+\Z", "账号只能包含英文字母、数字和 _ . - 字符。")


class UserManager(BaseUserManager):
    def get_by_natural_key(self, username):
        # Sign-in finds the account whatever width or case was typed (older accounts may hold
        # capitals; the constraint below keeps case variants from coexisting).
        return self.get(username__iexact=normalize_username(username))


class User(AbstractUser):
    """Login is by 账号 (username). Personal data of teachers lives in TeacherProfile."""

    username_validator = username_validator
    username = models.CharField(
        "账号", max_length=150, unique=True, validators=[username_validator],
        help_text="英文字母、数字和 _ . - ，不区分大小写。",
        error_messages={"unique": "该账号已被使用。"},
    )

    must_change_password = models.BooleanField(
        "首次登录须修改密码", default=False, help_text="管理员创建的账号首次登录时必须修改密码。"
    )
    api_access = models.BooleanField(
        "可申请 API 令牌", default=False,
        help_text="仅对接平台的系统账号（学分数据推送、集成）需要；普通教师和管理员使用网页，不需要令牌。",
    )

    objects = UserManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [models.UniqueConstraint(Lower("username"), name="username_unique_ignoring_case")]

    @classmethod
    def normalize_username(cls, username):
        return normalize_username(username)

    def __str__(self):
        profile = getattr(self, "teacher_profile", None)
        name = profile.name if profile else (self.get_full_name() or self.username)
        return f"{name}（{self.username}）"

    @property
    def display_name(self) -> str:
        profile = getattr(self, "teacher_profile", None)
        return profile.name if profile else (self.last_name + self.first_name or self.username)


class AccountStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已审核"
    REJECTED = "rejected", "审核未通过"
    INACTIVE = "inactive", "已停用（离职/退休）"


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class TeacherProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="teacher_profile")
    school = models.ForeignKey(School, verbose_name="任职学校", on_delete=models.PROTECT, related_name="teachers")
    name = models.CharField("姓名", max_length=32)
    gender = models.CharField("性别", max_length=8, choices=Gender.choices)
    id_number = models.CharField("身份证号", max_length=18, unique=True, validators=[validate_id_number])
    subject = models.CharField("任教学科", max_length=32, blank=True)
    stage = models.CharField("学段", max_length=16, choices=Stage.choices)
    title = models.CharField("职称", max_length=16, choices=Title.choices, default=Title.NONE)
    is_head_teacher = models.BooleanField("班主任", default=False)
    is_new_teacher = models.BooleanField("新任教师", default=False)
    probation_start = models.DateField("试用期开始日期", null=True, blank=True)
    is_new_principal = models.BooleanField("新任（拟任）校长", default=False)
    is_party_member = models.BooleanField("党员", default=False)
    status = models.CharField("账号状态", max_length=16, choices=AccountStatus.choices, default=AccountStatus.PENDING)
    status_reason = models.CharField("审核意见", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "教师信息"
        verbose_name_plural = "教师信息"
        ordering = ["school_id", "name"]
        indexes = [models.Index(fields=["school", "status"])]

    def __str__(self):
        return f"{self.name}（{self.school}）"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def can_register_credits(self) -> bool:
        """Notice 一(二): 未审核或审核未通过的账号不能进行教师培训学分登记."""
        return self.status == AccountStatus.APPROVED and self.user.is_active


class RoleAssignment(models.Model):
    """A role held within a scope: a school, a district, or the whole city (both empty)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    school = models.ForeignKey(School, verbose_name="学校", null=True, blank=True, on_delete=models.PROTECT)
    district = models.ForeignKey(District, verbose_name="区（市）县", null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField("授予时间", auto_now_add=True)

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "school", "district"], name="role_assignment_unique"),
            models.CheckConstraint(
                name="role_assignment_scope_matches_role",
                condition=(
                    Q(role__in=["teacher", "school_admin", "school_leader", "base_school_admin"],
                      school__isnull=False, district__isnull=True)
                    | Q(role="district_admin", school__isnull=True, district__isnull=False)
                    | Q(role="city_staff", school__isnull=True, district__isnull=True)
                ),
            ),
        ]

    def __str__(self):
        scope = self.school or self.district or "成都市"
        return f"{self.user.username} · {self.get_role_display()} · {scope}"


class AccountEventQuerySet(audit.AppendOnlyQuerySet):
    refused_update = "账号变更记录不可修改。"
    refused_delete = "账号变更记录不可删除。"


class AccountEvent(models.Model):
    """Every change to an account or a teacher profile: who, when, what before and after."""

    class Action(models.TextChoices):
        CREATED = "created", "创建"
        APPROVED = "approved", "审核通过"
        REJECTED = "rejected", "审核不通过"
        CHANGED = "changed", "信息变更"
        CHANGE_REQUESTED = "change_requested", "申请变更"
        CHANGE_CHECKED = "change_checked", "学校核对变更"
        CHANGE_APPROVED = "change_approved", "变更已批准"
        CHANGE_REJECTED = "change_rejected", "变更未通过"
        TRANSFERRED = "transferred", "调动"
        DEACTIVATED = "deactivated", "停用"
        REACTIVATED = "reactivated", "恢复"
        PASSWORD_CHANGED = "password_changed", "修改密码"
        PASSWORD_RESET = "password_reset", "重置密码"
        ROLE_GRANTED = "role_granted", "授予角色"
        ROLE_REVOKED = "role_revoked", "撤销角色"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="account_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField("操作角色", max_length=32, choices=Role.choices, blank=True)
    action = models.CharField("操作", max_length=32, choices=Action.choices)
    before = models.JSONField("变更前", default=dict, blank=True)
    after = models.JSONField("变更后", default=dict, blank=True)
    comment = models.CharField("说明", max_length=200, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "账号变更记录"
        verbose_name_plural = "账号变更记录"
        ordering = ["-at", "-id"]
        # Written once: PostgreSQL refuses UPDATE and DELETE (core.audit), the ORM refuses them too.
        triggers = append_only("account_event_append_only")

    objects = AccountEventQuerySet.as_manager()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("账号变更记录不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("账号变更记录不可删除。")

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class ProfileChangeRequest(models.Model):
    """A teacher's change to their own data: the school admin checks, the district approves."""

    class Status(models.TextChoices):
        PENDING = "pending", "待学校核对"
        SCHOOL_CHECKED = "school_checked", "待区县审批"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "未通过"

    profile = models.ForeignKey(TeacherProfile, on_delete=models.PROTECT, related_name="change_requests")
    changes = models.JSONField("申请变更内容", help_text="{字段: 新值}")
    original = models.JSONField("原值", default=dict)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField("审核意见", max_length=200, blank=True)
    note = models.CharField("申请说明", max_length=200, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="学校核对人", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    checked_at = models.DateTimeField("学校核对时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审批人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "信息变更申请"
        verbose_name_plural = "信息变更申请"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.profile.name} · {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.SCHOOL_CHECKED)


class Notification(models.Model):
    """In-app message with an unread count (rejections, returns, approvals, window reminders)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField("标题", max_length=100)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=200, blank=True)
    # A key makes a reminder idempotent: the same reminder is not sent twice.
    dedupe_key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    # Set once the copy went out by e-mail (recipients with an address): a redelivered task sends nothing.
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""), name="notification_dedupe"
            )
        ]

    def __str__(self):
        return self.title


class Job(models.Model):
    """A long job (an import, a bulk approval) whose progress a page shows as a bar."""

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField("类型", max_length=40)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField("总数", default=0)
    done = models.PositiveIntegerField("已处理", default=0)
    result = models.JSONField("结果", default=dict, blank=True)
    error = models.TextField("错误", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # Written with each progress step: a running job whose worker died stops beating, so it can
    # be told from a slow one (accounts.jobs.job_is_stale) and resumed.
    heartbeat_at = models.DateTimeField("最近进度时间", null=True, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} #{self.pk}（{self.get_status_display()}）"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


class InitialPassword(models.Model):
    """The initial password of an account an import created, kept encrypted (core.vault) until
    the admin who ran the import downloads it once, or until it expires; then the row is deleted.
    Written in the same transaction as the account, so a job killed mid-way loses none."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="initial_passwords")
    row = models.PositiveIntegerField("Excel行号")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    secret = models.TextField("密文")
    expires_at = models.DateTimeField("过期时间")

    class Meta:
        verbose_name = verbose_name_plural = "待下载的初始密码"
        ordering = ["job", "row"]
        constraints = [models.UniqueConstraint(fields=["job", "row"], name="initial_password_once_per_row")]

    def __str__(self) -> str:
        return f"导入{self.job_id} 第{self.row}行"


class ExportDownload(models.Model):
    """Who downloaded which file of teachers' personal data (lists with 身份证号, 附件1–3,
    statements, packages, archives, initial passwords), and with which scope. Written by
    ``accounts.downloads.records_download`` only; never changed or deleted (a trigger refuses
    UPDATE and DELETE on PostgreSQL), so a leak can be traced to the account that took the file."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    roles = models.CharField("角色", max_length=200, blank=True)
    export = models.CharField("导出内容", max_length=64, db_index=True)
    params = models.JSONField("范围与参数", default=dict, blank=True)
    filename = models.CharField("文件名", max_length=255, blank=True)
    rows = models.PositiveIntegerField("行数", null=True, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "个人数据下载记录"
        verbose_name_plural = "个人数据下载记录"
        ordering = ["-at", "-id"]
        triggers = append_only("export_download_append_only")

    def __str__(self) -> str:
        return f"{self.export} {self.at:%Y-%m-%d %H:%M}"

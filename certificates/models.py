"""审证颁证 (notice 三, 三(二)): who applies for a title this year, the 继教证书 issued to them,
its revocation, the yearly 学分证明书, the issuing bodies, the city's versioned template, and the
log of every generation run.

Nothing issued is ever deleted or changed: certificates, statements, revocations and the audit
rows are insert-only (pgtrigger refuses UPDATE and DELETE in PostgreSQL; the model refuses them in
Python). A reissue is a new certificate that names the one it replaces.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.audit import append_only


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("已颁发的记录不可修改。")

    def delete(self):
        raise PermissionError("已颁发的记录不可删除。")


class AppendOnly(models.Model):
    """Written once: a later save or delete is refused (and by a trigger in PostgreSQL)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("已颁发的记录不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("已颁发的记录不可删除。")


_append_only = append_only


class TitleKind(models.TextChoices):
    """三(二)3: 一级 / 高级 / 正高级 need the last five 学年; 转正 the last one."""

    FIRST = "first", "中小学一级教师"
    SENIOR = "senior", "中小学高级教师"
    PROFESSOR = "professor", "中小学正高级教师"
    PROBATION = "probation", "新教师转正"


class Issuer(models.Model):
    """An issuing body: a district's 教育局 (for the district's schools) or the city office (for
    市直属学校). Its name is the certificate's 落款; its seal is drawn from the name unless city
    staff upload one."""

    code = models.SlugField("代码", max_length=40, unique=True, help_text="签名密钥按此代码配置。")
    name = models.CharField("落款（发证机关）", max_length=64)
    district = models.OneToOneField(
        "accounts.District", verbose_name="区（市）县", null=True, blank=True, on_delete=models.PROTECT,
        related_name="issuer", help_text="留空为市级发证机关（市直属学校）。",
    )
    seal_image = models.FileField("上传的印章图片", upload_to="certificates/seals/", blank=True)
    seal_text = models.CharField("印章文字", max_length=40, blank=True, help_text="留空时用落款名称。")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "发证机关"
        verbose_name_plural = "发证机关"
        ordering = ["district__order", "code"]

    def __str__(self):
        return self.name

    @property
    def is_city(self) -> bool:
        return self.district_id is None


class DocumentKind(models.TextChoices):
    CERTIFICATE = "certificate", "继教证书"
    STATEMENT = "statement", "学分证明书"


class CertificateTemplate(AppendOnly):
    """The city's template (notice 三(二)1: 按市教科院教师发展研究所发模板), one per document kind,
    edited by city staff: every edit is a new version; each certificate names the version it used."""

    kind = models.CharField("文书", max_length=16, choices=DocumentKind.choices, default=DocumentKind.CERTIFICATE)
    version = models.PositiveIntegerField("版本")
    html = models.TextField("模板 HTML（Django 模板语法）")
    css = models.TextField("样式 CSS", blank=True)
    note = models.CharField("修改说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="修改人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "证书模板版本"
        verbose_name_plural = "证书模板版本"
        ordering = ["kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="certificate_template_version_unique")]
        triggers = _append_only("certificate_template_append_only")

    def __str__(self):
        return f"{self.get_kind_display()} 模板 v{self.version}"


class TitleApplication(models.Model):
    """A teacher applying this year (the year of the 职评, e.g. 2018 → the 学年 up to 2017-2018),
    marked by the school admin. Withdrawn applications stay, with who and why."""

    teacher = models.ForeignKey(
        "accounts.TeacherProfile", verbose_name="教师", on_delete=models.PROTECT, related_name="title_applications"
    )
    school = models.ForeignKey("accounts.School", verbose_name="学校", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("申报类别", max_length=16, choices=TitleKind.choices)
    year = models.PositiveSmallIntegerField("评审年度", help_text="例如 2018：计算截至 2017-2018 学年的学分。")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="撤回人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdraw_reason = models.CharField("撤回原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "职评 / 转正申报"
        verbose_name_plural = "职评 / 转正申报"
        ordering = ["-year", "school_id", "teacher__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "year", "kind"], condition=Q(withdrawn_at__isnull=True),
                name="title_application_one_open_per_kind",
            )
        ]
        indexes = [models.Index(fields=["school", "year"])]

    def __str__(self):
        return f"{self.teacher.name} · {self.year} · {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.withdrawn_at is None


class Certificate(AppendOnly):
    """《成都市中小学教师继续教育证明书》 (继教证书): one issued document. Insert-only."""

    issuer = models.ForeignKey(Issuer, verbose_name="发证机关", on_delete=models.PROTECT, related_name="certificates")
    year = models.PositiveSmallIntegerField("颁证年度")
    number = models.PositiveIntegerField("序号")
    serial = models.CharField("证书编号", max_length=64, unique=True)
    teacher = models.ForeignKey(
        "accounts.TeacherProfile", verbose_name="教师", on_delete=models.PROTECT, related_name="certificates"
    )
    application = models.ForeignKey(
        TitleApplication, verbose_name="申报", null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    kind = models.CharField("类别", max_length=16, choices=TitleKind.choices)
    teacher_name = models.CharField("姓名", max_length=32)
    school_name = models.CharField("学校", max_length=64)
    years = models.JSONField("证明的学年", help_text="[2013, …, 2017]")
    totals = models.JSONField("证明的学分", help_text="每学年的规范性、灵活性、合计与小计（字符串小数）。")
    eligible = models.BooleanField("符合条件")
    override_reason = models.CharField("不符合条件仍颁发的理由", max_length=300, blank=True)
    template = models.ForeignKey(CertificateTemplate, verbose_name="模板版本", on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="颁发人", on_delete=models.PROTECT, related_name="+")
    issued_role = models.CharField("颁发角色", max_length=32)
    issued_at = models.DateTimeField("颁发时间", default=timezone.now)
    code = models.CharField("验证码", max_length=64, unique=True)
    pdf = models.FileField("PDF", upload_to="certificates/issued/")
    pdf_sha256 = models.CharField("PDF 摘要", max_length=64)
    signed = models.BooleanField("已电子签名", default=False)
    replaces = models.OneToOneField(
        "self", verbose_name="替换的证书", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    run = models.ForeignKey("GenerationRun", verbose_name="生成批次", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="certificates")

    class Meta:
        verbose_name = "继教证书"
        verbose_name_plural = "继教证书"
        ordering = ["-issued_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["issuer", "year", "number"], name="certificate_serial_unique")]
        triggers = _append_only("certificate_append_only")

    def __str__(self):
        return f"{self.serial} · {self.teacher_name}"

    @property
    def revocation_or_none(self):
        try:
            return self.revocation
        except Revocation.DoesNotExist:
            return None


class Revocation(AppendOnly):
    """Who revoked a certificate, when and why. The certificate itself is never changed."""

    certificate = models.OneToOneField(Certificate, verbose_name="证书", on_delete=models.PROTECT, related_name="revocation")
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="撤销人", on_delete=models.PROTECT, related_name="+")
    revoked_role = models.CharField("撤销角色", max_length=32)
    revoked_at = models.DateTimeField("撤销时间", default=timezone.now)
    reason = models.CharField("撤销原因", max_length=300)

    class Meta:
        verbose_name = "证书撤销记录"
        verbose_name_plural = "证书撤销记录"
        triggers = _append_only("revocation_append_only")

    def __str__(self):
        return f"撤销 {self.certificate}"


class CreditStatement(AppendOnly):
    """继续教育学分证明书 of one sealed 学年 (notice 三: 经市级审定后自动生成盖有电子印章的…):
    its numbers are the seal's snapshot, with the snapshot's Merkle proof against the year's root."""

    teacher = models.ForeignKey(
        "accounts.TeacherProfile", verbose_name="教师", on_delete=models.PROTECT, related_name="credit_statements"
    )
    academic_year = models.ForeignKey("credits.AcademicYear", verbose_name="学年", on_delete=models.PROTECT, related_name="+")
    teacher_name = models.CharField("姓名", max_length=32)
    school_name = models.CharField("学校", max_length=64)
    totals = models.JSONField("学分", help_text="规范性、灵活性、合计（字符串小数），来自封存快照。")
    leaf = models.CharField("快照叶子哈希", max_length=64)
    proof = models.JSONField("Merkle 证明", help_text="从叶子到根的兄弟哈希列表。")
    root = models.CharField("学年封存根", max_length=64)
    template = models.ForeignKey(CertificateTemplate, verbose_name="模板版本", on_delete=models.PROTECT, related_name="+")
    issuer = models.ForeignKey(Issuer, verbose_name="发证机关", on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField("生成时间", default=timezone.now)
    code = models.CharField("验证码", max_length=64, unique=True)
    pdf = models.FileField("PDF", upload_to="certificates/statements/")
    pdf_sha256 = models.CharField("PDF 摘要", max_length=64)
    signed = models.BooleanField("已电子签名", default=False)
    run = models.ForeignKey("GenerationRun", verbose_name="生成批次", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="statements")

    class Meta:
        verbose_name = "学分证明书"
        verbose_name_plural = "学分证明书"
        ordering = ["-academic_year__start_year", "teacher_id"]
        constraints = [
            models.UniqueConstraint(fields=["teacher", "academic_year"], name="credit_statement_one_per_year")
        ]
        triggers = _append_only("credit_statement_append_only")

    def __str__(self):
        return f"{self.teacher_name} {self.academic_year} 学分证明书"


class GenerationRun(models.Model):
    """Every generation run (one certificate, a school's batch, a reissue, statements) is logged:
    who started it, what it covered, how many documents it made, what it refused and why."""

    class Kind(models.TextChoices):
        SINGLE = "single", "单份颁发"
        BATCH = "batch", "按学校批量颁发"
        REISSUE = "reissue", "补发 / 换发"
        STATEMENT = "statement", "学分证明书"

    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("accounts.School", verbose_name="学校", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    job = models.ForeignKey("accounts.Job", verbose_name="后台任务", null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    made = models.PositiveIntegerField("生成份数", default=0)
    refused = models.JSONField("未生成（原因）", default=list, blank=True)
    error = models.TextField("错误", blank=True)

    class Meta:
        verbose_name = "生成批次记录"
        verbose_name_plural = "生成批次记录"
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class CertEvent(AppendOnly):
    """The audit of this app: applications marked and withdrawn, certificates issued (with an
    override's reason), revoked and reissued, the template edited, a seal uploaded."""

    class Action(models.TextChoices):
        APPLICATION_MARKED = "application_marked", "登记申报"
        APPLICATION_WITHDRAWN = "application_withdrawn", "撤回申报"
        ISSUED = "issued", "颁发证书"
        ISSUED_OVERRIDE = "issued_override", "不符合条件仍颁发"
        REVOKED = "revoked", "撤销证书"
        REISSUED = "reissued", "换发证书"
        TEMPLATE_EDITED = "template_edited", "修改模板"
        SEAL_UPLOADED = "seal_uploaded", "上传印章"
        STATEMENT_GENERATED = "statement_generated", "生成学分证明书"

    action = models.CharField("操作", max_length=32, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("操作角色", max_length=32, blank=True)
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    teacher = models.ForeignKey("accounts.TeacherProfile", verbose_name="教师", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(TitleApplication, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    certificate = models.ForeignKey(Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    detail = models.JSONField("详情", default=dict, blank=True)
    reason = models.CharField("理由", max_length=300, blank=True)

    class Meta:
        verbose_name = "审证颁证记录"
        verbose_name_plural = "审证颁证记录"
        ordering = ["at", "pk"]
        triggers = _append_only("cert_event_append_only")

    def __str__(self):
        return f"{self.get_action_display()} · {self.at:%Y-%m-%d %H:%M}"

"""What the reports app keeps: the signed and stamped 附件2 scans, archived per teacher and 学年
("签字盖章的登记表按年度存档备查", notice 二(四)1). Append-only: a new scan is a new row; the
latest one is current, earlier ones stay on file."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models

from core.audit import append_only


def scan_upload_to(instance, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()
    return f"form2-scans/{instance.academic_year.start_year}/{uuid.uuid4().hex}{suffix}"


class SignedForm2(models.Model):
    teacher = models.ForeignKey("accounts.TeacherProfile", verbose_name="教师", on_delete=models.PROTECT,
                                related_name="signed_form2s")
    academic_year = models.ForeignKey("credits.AcademicYear", verbose_name="学年", on_delete=models.PROTECT,
                                      related_name="signed_form2s")
    school = models.ForeignKey("accounts.School", verbose_name="存档学校", on_delete=models.PROTECT, related_name="+")
    file = models.FileField("签字盖章扫描件", upload_to=scan_upload_to, max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "附件2 签字盖章扫描件"
        verbose_name_plural = "附件2 签字盖章扫描件"
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["teacher", "academic_year"]), models.Index(fields=["school", "academic_year"])]
        triggers = append_only("signed_form2_append_only")

    def __str__(self):
        return f"{self.teacher.name} · {self.academic_year} 附件2"


class ExportPart(models.Model):
    """One part of a big document run as a job split across workers (reports.exports): a batch of
    schools of a district's or the city's export (送审报表, 达标情况), or a chunk of teachers of a
    school's statements bundle in the 审证 package (reports.package). A worker writes the part's
    file and marks the part done in one transaction under the part's row lock, so a redelivered or
    concurrent task finds it done or locked and changes nothing; the last part to finish enqueues
    the merge."""

    job = models.ForeignKey("accounts.Job", on_delete=models.CASCADE, related_name="export_parts")
    index = models.PositiveIntegerField("序号")
    ids = models.JSONField("学校或教师", default=list)  # in the document's order
    file = models.CharField("分块文件", max_length=200, blank=True)
    rows = models.PositiveIntegerField("行数", default=0)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导出分块"
        verbose_name_plural = "导出分块"
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="export_part_unique")]

    def __str__(self):
        return f"{self.job} · 第{self.index + 1}块"

"""Review workflow data. The district's yearly review schedule lives here too."""

from django.db import models


class ReviewAppointment(models.Model):
    """A school's date for the annual audit, as each district publishes every year
    (Shuangliu 2018: 附件2 双流区教师继续教育学分登记审证时间安排)."""

    academic_year = models.ForeignKey("credits.AcademicYear", verbose_name="学年", on_delete=models.PROTECT)
    school = models.ForeignKey("accounts.School", verbose_name="学校", on_delete=models.PROTECT, related_name="appointments")
    group = models.CharField("类别", max_length=16, help_text="时间安排表中的分组：高中、特教、初中、小学、幼儿园、民办学校。")
    sequence = models.PositiveSmallIntegerField("序号")
    date = models.DateField("审证日期")
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

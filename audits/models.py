"""审证 (notice 三(一)2): a school hands in its 学年 (上报), its district reviews it on the
district's 审证时间安排 (the city for a 市直属学校), the city's 核对 confirms it. The calendar
itself (windows, extensions, the schedule's rows) is reviews.calendar / reviews.models."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.audit import append_only


class HandInStatus(models.TextChoices):
    NOT_SUBMITTED = "not_submitted", "未上报"
    SUBMITTED = "submitted", "已上报，待审核"
    RETURNED = "returned", "已退回，待重新上报"
    REVIEWED = "reviewed", "已审核"
    CHECKED = "checked", "已核对"


class HandInAction(models.TextChoices):
    SUBMIT = "submit", "学校上报"
    REVIEW = "review", "审核通过"
    RETURN = "return", "退回学校"
    CHECK = "check", "市级核对"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("审证记录不可修改。")

    def delete(self):
        raise PermissionError("审证记录不可删除。")


class SchoolHandIn(models.Model):
    """One school's 学年 as handed in: its state in the 审证 workflow (audits.workflow)."""

    school = models.ForeignKey("accounts.School", verbose_name="学校", on_delete=models.PROTECT, related_name="hand_ins")
    academic_year = models.ForeignKey("credits.AcademicYear", verbose_name="学年", on_delete=models.PROTECT,
                                      related_name="hand_ins")
    status = models.CharField("状态", max_length=16, choices=HandInStatus.choices, default=HandInStatus.NOT_SUBMITTED)
    # Bumped by every step: a page posts the version it showed, so a decision taken on a stale
    # page (the school handed in again meanwhile) is refused.
    version = models.PositiveIntegerField("版本", default=0)
    submitted_at = models.DateTimeField("上报时间", null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField("核对时间", null=True, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    last_comment = models.CharField("最近意见", max_length=500, blank=True)

    class Meta:
        verbose_name = "学校上报"
        verbose_name_plural = "学校上报"
        ordering = ["academic_year", "school"]
        constraints = [models.UniqueConstraint(fields=["school", "academic_year"], name="hand_in_one_per_school_year")]

    def __str__(self):
        return f"{self.school} · {self.academic_year} · {self.get_status_display()}"


class HandInEvent(models.Model):
    """One step of a hand-in: who, in which role, when, from which state to which, and why.
    Append-only (PostgreSQL refuses UPDATE and DELETE)."""

    hand_in = models.ForeignKey(SchoolHandIn, verbose_name="学校上报", on_delete=models.PROTECT, related_name="events")
    action = models.CharField("操作", max_length=16, choices=HandInAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("操作角色", max_length=32)
    at = models.DateTimeField("时间", default=timezone.now)
    from_state = models.CharField("原状态", max_length=16)
    to_state = models.CharField("新状态", max_length=16)
    comment = models.CharField("意见 / 理由", max_length=500, blank=True)
    counts = models.JSONField("数量", default=dict, blank=True, help_text="例如核对时确认登记的条数。")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "审证记录"
        verbose_name_plural = "审证记录"
        ordering = ["at", "id"]
        triggers = append_only("hand_in_event_append_only")

    def __str__(self):
        return f"{self.get_action_display()} {self.from_state} → {self.to_state}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("审证记录不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审证记录不可删除。")


class HandInExclusion(models.Model):
    """An entry the school left out of its hand-in, with the reason (it stays as it is, open,
    and is listed to the district and the city). Belongs to the submit event that left it out."""

    event = models.ForeignKey(HandInEvent, verbose_name="上报记录", on_delete=models.PROTECT, related_name="exclusions")
    entry = models.ForeignKey("credits.CreditEntry", verbose_name="学分登记", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("当时状态", max_length=20)
    reason = models.CharField("暂不纳入的理由", max_length=300)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "暂不纳入的登记"
        verbose_name_plural = "暂不纳入的登记"
        ordering = ["event", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "entry"], name="hand_in_exclusion_once")]
        triggers = append_only("hand_in_exclusion_append_only")

    def __str__(self):
        return f"{self.entry_id}：{self.reason}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("审证记录不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审证记录不可删除。")

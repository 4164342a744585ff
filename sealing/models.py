"""The seal of a 学年 (notice 三(一)2: "11月市教研院教师发展研究所统一核对……所有数据并封存").

A SealRecord is one seal of one 学年: who started it, when, why (when sealed anyway), its
progress in chunks (one SealChunk per school, taken by any number of Celery workers), and when
it commits: the counts, the Merkle root over every teacher's snapshot and `sealed_at`.
A SealedSnapshot is one teacher's figures in the sealed 学年 with the digest of its canonical
serialisation (``sealing.merkle``). Readers use snapshots of committed seals only, so nobody
ever sees a half-sealed year.
"""

from django.conf import settings
from django.db import models

from credits.models import YearFigureFields


class SealState(models.TextChoices):
    RUNNING = "running", "封存中"
    COMMITTED = "committed", "已封存"


class SealRecord(models.Model):
    academic_year = models.ForeignKey("credits.AcademicYear", verbose_name="学年", on_delete=models.PROTECT,
                                      related_name="seals")
    state = models.CharField("状态", max_length=16, choices=SealState.choices, default=SealState.RUNNING)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="封存人", on_delete=models.PROTECT,
                                   related_name="+")
    started_at = models.DateTimeField("开始时间")
    committed_at = models.DateTimeField("封存完成时间", null=True, blank=True)
    forced = models.BooleanField("未全部审核即封存", default=False)
    reason = models.CharField("封存理由", max_length=500, blank=True,
                              help_text="尚有学校或登记未审核完毕时，市教科院仍决定封存的理由。")
    closed_late_count = models.PositiveIntegerField("关闭为“未按期审核”的登记数", default=0)
    chunk_total = models.PositiveIntegerField("分块总数", default=0)
    chunk_done = models.PositiveIntegerField("已完成分块", default=0)
    teacher_count = models.PositiveIntegerField("教师数", default=0)
    entry_count = models.PositiveIntegerField("计入的登记数", default=0)
    total_credits = models.DecimalField("学分合计", max_digits=14, decimal_places=1, default=0)
    # The seal takes the kept totals table and checks it against the full recompute: rows that
    # differed (or were missing) and were corrected to the recompute before the snapshot.
    corrected_count = models.PositiveIntegerField("核对时更正的合计行数", default=0)
    merkle_root = models.CharField("Merkle 根", max_length=64, blank=True)
    job = models.ForeignKey("accounts.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "学年封存记录"
        verbose_name_plural = "学年封存记录"
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["academic_year"], name="one_seal_per_year"),
        ]

    def __str__(self):
        return f"{self.academic_year} {self.get_state_display()}"

    @property
    def percent(self) -> int:
        if self.state == SealState.COMMITTED:
            return 100
        # The last step (the root and `sealed_at`) counts as one more chunk.
        return int(self.chunk_done * 100 / (self.chunk_total + 1)) if self.chunk_total else 0

    @property
    def is_committed(self) -> bool:
        return self.state == SealState.COMMITTED


class SealChunk(models.Model):
    """One school's share of a seal: its teachers' snapshots are written in one transaction
    together with `done_at`, so a chunk is either wholly there or not at all."""

    seal = models.ForeignKey(SealRecord, on_delete=models.PROTECT, related_name="chunks")
    school = models.ForeignKey("accounts.School", verbose_name="学校", on_delete=models.PROTECT, related_name="+")
    teacher_count = models.PositiveIntegerField("教师数", default=0)
    corrected_count = models.PositiveIntegerField("核对时更正的合计行数", default=0)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "封存分块"
        verbose_name_plural = "封存分块"
        constraints = [models.UniqueConstraint(fields=["seal", "school"], name="seal_chunk_unique")]

    def __str__(self):
        return f"{self.seal} · {self.school}"


class SealedSnapshot(YearFigureFields):
    """One teacher's figures in a sealed 学年 and the digest of their canonical serialisation
    (the Merkle leaf)."""

    seal = models.ForeignKey(SealRecord, on_delete=models.PROTECT, related_name="snapshots")
    academic_year = models.ForeignKey("credits.AcademicYear", verbose_name="学年", on_delete=models.PROTECT,
                                      related_name="+")
    teacher = models.ForeignKey("accounts.TeacherProfile", verbose_name="教师", on_delete=models.PROTECT,
                                related_name="sealed_snapshots")
    school = models.ForeignKey("accounts.School", verbose_name="封存时学校", on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey("accounts.District", verbose_name="封存时区（市）县", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    digest = models.CharField("摘要（SHA-256）", max_length=64)

    class Meta:
        verbose_name = "封存快照"
        verbose_name_plural = "封存快照"
        ordering = ["teacher_id"]
        constraints = [models.UniqueConstraint(fields=["seal", "teacher"], name="sealed_snapshot_unique")]
        indexes = [models.Index(fields=["academic_year", "school"]), models.Index(fields=["academic_year", "district"])]

    def __str__(self):
        return f"{self.teacher_id} · {self.academic_year_id} · {self.total}"

    def payload(self) -> dict:
        from .merkle import snapshot_payload

        return snapshot_payload(teacher_id=self.teacher_id, start_year=self.academic_year.start_year,
                                figures=self.figures())

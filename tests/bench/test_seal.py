"""The seal benchmark (bench.seal) prints its figures (seconds to seal, the bare GROUP BY, their
ratio) and leaves the database unsealed."""

import datetime
import io
import re

import pytest
from django.core.management import call_command

from credits.models import AcademicYear
from sealing.models import SealedSnapshot, SealRecord

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_seal_bench_prints_the_figures_at_a_tiny_size(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda value=None, timezone=None: datetime.date(2026, 12, 1))
    out = io.StringIO()
    call_command("seal_bench", teachers=100, seed=3, stdout=out)
    text = out.getvalue()
    from accounts.models import TeacherProfile

    head = re.search(r"封存基准（\w+）：2025-2026学年，(\d+) 名教师", text)
    assert head and int(head.group(1)) == TeacherProfile.objects.count() >= 100
    seconds = re.search(r"封存：合计 ([\d.]+) s", text)
    group_by = re.search(r"裸 SQL GROUP BY.*?：([\d.]+) s，(\d+) 行", text)
    ratio = re.search(r"比值 封存 / GROUP BY：(\d+|—) 倍", text)
    assert seconds and group_by and ratio, text
    assert float(seconds.group(1)) > 0 and int(group_by.group(2)) > 0
    assert re.search(r"Merkle 根 [0-9a-f]{64}；已回滚", text)
    # Rolled back: nothing sealed, nothing locked; a second run measures the same city again.
    assert not SealRecord.objects.exists() and not SealedSnapshot.objects.exists()
    assert not AcademicYear.objects.filter(sealing_started_at__isnull=False).exists()
    again = io.StringIO()
    call_command("seal_bench", stdout=again)
    assert re.search(r"Merkle 根 ([0-9a-f]{64})", again.getvalue()).group(1) == re.search(
        r"Merkle 根 ([0-9a-f]{64})", text).group(1)

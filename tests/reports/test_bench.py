"""The benchmark runs on a small world, prints its figures and leaves no data behind."""

import io
import re

from django.core.management import call_command

from accounts.models import TeacherProfile


def test_the_benchmark_prints_seconds_and_memory_and_rolls_back(db):
    out = io.StringIO()
    call_command("reports_bench", "--district-teachers", "120", "--school-teachers", "2", "--entries", "3",
                 "--trace-python", stdout=out)
    text = out.getvalue()
    assert "区送审报表 Excel（120 人）" in text and "120 行" in text
    assert "全校个人学分统计表 PDF（2 人）" in text and "2 份" in text
    assert "出错" not in text
    figures = re.findall(r"([\d.]+) s（CPU\s+([\d.]+) s）\s+Python 峰值\s+(未测|[\d.]+ MB)\s+本项 RSS 峰值\s+([\d.]+) MB", text)
    assert len(figures) == 3
    assert all(float(wall) > 0 and float(cpu) > 0 and float(rss) > 0 for wall, cpu, _, rss in figures)
    assert [peak != "未测" for _, _, peak, _ in figures] == [True, True, False]  # traced in a second pass, never under WeasyPrint
    assert not TeacherProfile.objects.exists()


def test_without_trace_python_no_pass_runs_under_tracemalloc(db):
    out = io.StringIO()
    call_command("reports_bench", "--district-teachers", "40", "--school-teachers", "1", "--entries", "1", "--no-pdf",
                 stdout=out)
    assert re.findall(r"Python 峰值\s+(未测|[\d.]+ MB)", out.getvalue()) == ["未测", "未测"]

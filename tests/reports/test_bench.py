"""The benchmark runs on a small world, prints its figures and leaves no data behind."""

import io

from django.core.management import call_command

from accounts.models import TeacherProfile


def test_the_benchmark_prints_seconds_and_memory_and_rolls_back(db):
    out = io.StringIO()
    call_command("reports_bench", "--district-teachers", "120", "--school-teachers", "2", "--entries", "3", stdout=out)
    text = out.getvalue()
    assert "区送审报表 Excel（120 人）" in text and "120 行" in text
    assert "全校个人学分统计表 PDF（2 人）" in text and "2 份" in text
    assert text.count(" s   Python 峰值") == 3 and text.count("MB   进程峰值 RSS") == 2 and "出错" not in text
    assert not TeacherProfile.objects.exists()

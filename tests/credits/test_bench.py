import io

from accounts.models import TeacherProfile
from credits.bench import run
from credits.models import CreditEntry


def test_benchmark_reports_both_paths_and_rolls_its_data_back(catalogue):
    out = io.StringIO()
    result = run(teachers=6, entries=4, sample=2, out=out)
    assert result["agree"] and result["entries"] == 24
    assert "school_totals（一条 SQL）" in out.getvalue() and "已回滚" in out.getvalue()
    assert not CreditEntry.objects.exists() and not TeacherProfile.objects.exists()

"""Compliance checks of 二(一) and 三(二)3, pure: each says what is missing, in credits."""

from decimal import Decimal

from credits import rules as R

D = Decimal


def totals(regulated, flexible):
    return R.YearTotals(regulated=D(regulated), flexible=D(flexible), total=D(regulated) + D(flexible))


def test_year_check_reports_what_is_missing_in_credits():
    """二(一)1–2: ≥72 a year, ≥48 规范性, ≥24 灵活性."""
    c = R.year_check(totals(50, 10), 2017)
    assert not c.ok
    assert c.missing == {"total": D(12), "regulated": D(0), "flexible": D(14)}


def test_year_check_passes_at_exactly_72_48_24():
    assert R.year_check(totals(48, 24)).ok


def test_year_check_needs_72_even_when_both_minimums_are_met():
    c = R.year_check(totals(48, "23.9"))
    assert c.missing["total"] == D("0.1") and c.missing["flexible"] == D("0.1")


def test_cycle_check_sums_five_years_to_360():
    by_year = {y: totals(50, 20) for y in range(2017, 2022)}
    c = R.cycle_check(by_year, range(2017, 2022))
    assert c.missing == {"total": D(10)}
    assert c.years == (2017, 2018, 2019, 2020, 2021)


def test_cycle_start_for_counts_five_year_cycles_from_the_configured_start():
    assert R.cycle_start_for(2017, 2017) == 2017
    assert R.cycle_start_for(2021, 2017) == 2017
    assert R.cycle_start_for(2022, 2017) == 2022
    assert R.cycle_start_for(2020, 2018) == 2018
    assert R.cycle_start_for(2017, 2018) == 2013


def test_title_check_needs_240_regulated_and_120_flexible_in_the_last_five_years():
    """三(二)3 职评: ≥360, of which ≥240 规范性 and ≥120 灵活性."""
    by_year = {y: totals(60, 20) for y in range(2017, 2022)}
    c = R.title_check(by_year, range(2017, 2022))
    assert c.missing == {"total": D(0), "regulated": D(0), "flexible": D(20)}
    assert not c.ok


def test_title_check_counts_missing_years_as_zero():
    c = R.title_check({2021: totals(100, 50)}, range(2017, 2022))
    assert c.missing == {"total": D(210), "regulated": D(140), "flexible": D(70)}


def test_probation_pass_needs_120_in_the_last_year():
    """三(二)3 新教师转正: the last 学年 ≥120."""
    assert R.probation_pass_check(totals(100, 19), 2017).missing == {"total": D(1)}
    assert R.probation_pass_check(totals(100, 20), 2017).ok


def _with_items(**credited):
    by_item = {code: R.ItemTotal(raw=D(v), credited=D(v), over_cap=D(0)) for code, v in credited.items()}
    total = sum((D(v) for v in credited.values()), D(0))
    return R.YearTotals(regulated=total, total=total, by_item=by_item)


RULES = {
    "induction": R.ItemRule("induction", "regulated", "centralized", "per_hour", D(1), new_teacher_induction=True),
    "other": R.ItemRule("other", "regulated", "centralized", "per_hour", D(1)),
}


def test_new_teacher_needs_120_of_induction_training_in_the_probation_year():
    """二(一)1: 新任教师在试用期内应完成不少于120学分的岗位适应性培训 — only those items count."""
    c = R.new_teacher_check(_with_items(induction=90, other=200), 2017, RULES)
    assert c.missing == {"total": D(30)}
    assert "岗位适应性培训" in c.label and c.counts == "仅计岗位适应性培训项目"


def test_120_hours_of_other_training_do_not_pass_the_new_teacher_check():
    assert not R.new_teacher_check(_with_items(other=120), 2017, RULES).ok


def test_the_probation_pass_check_counts_every_credit():
    """三(二)3 新教师转正: 最近一个学年度至少120培训学分 — all of them."""
    c = R.probation_pass_check(_with_items(other=120), 2017)
    assert c.ok and c.counts == "全部学分" and "全部学分" in c.label


def test_head_teacher_needs_30_of_topic_training():
    assert R.head_teacher_check(D(12), range(2017, 2022)).missing == {"total": D(18)}


def test_new_principal_needs_300_of_qualification_training():
    assert R.new_principal_check(D(300), range(2017, 2022)).ok
    assert R.new_principal_check(D(120), range(2017, 2022)).missing == {"total": D(180)}


def test_start_year_for_the_31_july_and_1_august_boundary():
    """三(三)2: 本学年度学分登记截止时间为7月31日，8月1日及以后产生的学分计入下个学年度。"""
    import datetime

    assert R.start_year_for(datetime.date(2018, 7, 31)) == 2017
    assert R.start_year_for(datetime.date(2018, 8, 1)) == 2018


def test_the_unconfirmed_share_is_cut_by_the_cap_like_the_rest():
    """Credits resting on 待确认 values (第14–16条 defaults) are counted as such, never more than
    the item is credited after its cap."""
    rules = {
        "notes": R.ItemRule("notes", "regulated", "self_directed", "per_count", D(3), cap=D(8), unconfirmed=True),
        "talk": R.ItemRule("talk", "flexible", "self_directed", "by_option", options={"a": D(10), "b": D(4)},
                           unconfirmed_options=frozenset({"a"})),
    }
    t = R.year_totals([R.Claim("notes", D(5)), R.Claim("talk", D(1), "a"), R.Claim("talk", D(1), "b")], rules)
    assert t.by_item["notes"].unconfirmed == D(8) and t.by_item["talk"].unconfirmed == D(10)
    assert (t.total, t.unconfirmed) == (D(22), D(18))
    assert R.year_check(t, 2017).unconfirmed == D(18)

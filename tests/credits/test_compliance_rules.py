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


def test_new_teacher_needs_120_in_the_probation_year():
    assert R.new_teacher_check(totals(90, 0), 2017).missing == {"total": D(30)}


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

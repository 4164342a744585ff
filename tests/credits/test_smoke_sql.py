from decimal import Decimal

from credits import selectors
from credits.models import EntryStatus
from tests.factories import CreditEntryFactory, TeacherProfileFactory


def test_sql_and_python_agree_on_a_mixed_year(catalogue, year):
    from credits.selectors import item_for

    t = TeacherProfileFactory()
    for code, qty, opt in [("micro_course", "3", ""), ("micro_course", "5", ""), ("reading_note", "4", ""),
                           ("base_city_roster", "30", ""), ("base_city_activity", "20", ""),
                           ("school_based_training", "7.5", ""), ("putonghua", "1", "grade2b"),
                           ("research_project", "1", "lead_city")]:
        CreditEntryFactory(teacher=t, academic_year=year, item=item_for(code, 2017), quantity_claimed=Decimal(qty),
                           option=opt, status=EntryStatus.CONFIRMED)
    sql = selectors.school_totals(school_ids=[t.school_id], academic_year=year)[t.pk]
    py = selectors.school_totals_python(school_ids=[t.school_id], academic_year=year)[t.pk]
    assert (sql.regulated, sql.flexible, sql.total, sql.raw_total) == (py.regulated, py.flexible, py.total, py.raw_total)
    assert sql.by_kind == py.by_kind
    assert py.total == Decimal("2") + 8 + 40 + 10 + Decimal("3.7") + 15

from decimal import Decimal

import pytest

from credits import selectors
from credits.models import CreditEntry, CreditItem
from credits.services import (
    CatalogueError,
    entry_refresh_credits,
    item_changed_values,
    item_save_new_version,
    items_confirm_values,
)
from tests.factories import TeacherProfileFactory

D = Decimal


@pytest.fixture
def teacher(db):
    return TeacherProfileFactory()


def test_entry_refresh_credits_stores_the_standalone_value(make_entry, teacher):
    e = make_entry(teacher, "reading_note", "4")
    assert entry_refresh_credits(e) == D(12)
    e.refresh_from_db()
    assert e.credits == D(12)


def test_entry_refresh_credits_uses_the_approved_quantity_and_option(make_entry, teacher):
    e = make_entry(teacher, "degree_education", "3", option="failed", quantity_approved=D(2))
    assert entry_refresh_credits(e) == D(4)


def test_entry_refresh_credits_without_save_leaves_the_row(make_entry, teacher):
    e = make_entry(teacher, "admin_training", "5")
    entry_refresh_credits(e, save=False)
    assert e.credits == D(5)
    assert CreditEntry.objects.get(pk=e.pk).credits == D(0)


def test_new_version_leaves_earlier_entries_and_their_credits_unchanged(make_entry, teacher):
    e = make_entry(teacher, "reading_note", "2", year=2017)
    entry_refresh_credits(e)
    item = CreditItem.objects.get(pk=e.item_id)
    item.rate = D(4)
    new = item_save_new_version(item=item, valid_from=2018)
    e.refresh_from_db()
    assert (e.item_id, e.credits) == (item.pk, D(6))
    assert CreditItem.objects.get(pk=item.pk).rate == D(3)
    assert (new.rate, new.valid_from, new.code) == (D(4), 2018, "reading_note")
    assert selectors.teacher_year_totals(teacher=teacher, academic_year=2017).total == D(6)
    assert selectors.item_for("reading_note", 2018) == new


def test_new_version_is_refused_for_a_year_that_already_has_entries_on_the_current_row(make_entry, teacher):
    make_entry(teacher, "reading_note", "1", year=2018)
    item = CreditItem.objects.get(code="reading_note")
    item.rate = D(4)
    with pytest.raises(CatalogueError, match="已有按当前版本登记的学分"):
        item_save_new_version(item=item, valid_from=2018)
    assert CreditItem.objects.filter(code="reading_note").count() == 1


def test_new_version_must_start_after_the_current_one(catalogue):
    item = CreditItem.objects.get(code="reading_note")
    with pytest.raises(CatalogueError, match="须晚于当前版本"):
        item_save_new_version(item=item, valid_from=2017)
    assert CreditItem.objects.filter(code="reading_note").count() == 1


def test_changed_values_ignore_labels_and_the_unconfirmed_flag(catalogue):
    item = CreditItem.objects.get(code="research_project")
    item.options = [{**o, "label": o["label"] + "（改）", "unconfirmed": False} for o in item.options]
    item.note = "新的备注"
    assert item_changed_values(item) == []
    item.options[0]["credits"] = "31"
    assert item_changed_values(item) == ["options"]


def test_confirm_values_clears_every_flag_and_keeps_the_numbers(catalogue):
    item = CreditItem.objects.get(code="open_class")
    before = {o["key"]: o["credits"] for o in item.options}
    assert items_confirm_values(items=[item]) == 1
    item.refresh_from_db()
    assert not item.has_unconfirmed_values
    assert {o["key"]: o["credits"] for o in item.options} == before

"""Issue 15: the rule catalogue is kept per process under a stamp that every write to the
catalogue changes (database triggers), so a computation after a change never counts with the
old rules, and one that follows an unchanged catalogue reads it with one query."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from credits import catalogue as kept_catalogue
from credits import selectors
from credits.models import CapGroup, CatalogueStamp, CreditItem
from credits.services import cap_group_save_new_version, item_save_new_version, items_confirm_values
from tests.factories import TeacherProfileFactory

from .test_admin import form_data, staff_client  # noqa: F401  (a fixture)

D = Decimal


def _stamp():
    return CatalogueStamp.objects.get(pk=1).stamp


def _catalogue_queries(ctx) -> list[str]:
    tables = ('FROM "credits_credititem"', 'FROM "credits_capgroup"', 'FROM "credits_cataloguestamp"')
    return [q["sql"] for q in ctx.captured_queries if any(t in q["sql"] for t in tables)]


@pytest.fixture
def teacher(db):
    return TeacherProfileFactory()


# --- every write path changes the stamp --------------------------------------------------------


def _bulk_create():
    item = CreditItem.objects.get(code="reading_note")
    item.pk, item.valid_from = None, 2030
    CreditItem.objects.bulk_create([item])


WRITES = {
    "queryset update": lambda: CreditItem.objects.filter(code="reading_note").update(cap=D(5)),
    "save": lambda: CreditItem.objects.get(code="reading_note").save(),
    "delete": lambda: CreditItem.objects.filter(code="reading_note").delete(),
    "bulk_create": _bulk_create,
    "cap group update": lambda: CapGroup.objects.filter(code="base_city").update(cap=D(30)),
    "cap group delete": lambda: CapGroup.objects.filter(code="base_city").delete(),
    "raw SQL": lambda: connection.cursor().execute("UPDATE credits_credititem SET name = name || '!'"),
    "confirm service": lambda: items_confirm_values(items=list(CreditItem.objects.filter(unconfirmed=True))),
    "item version service": lambda: item_save_new_version(item=CreditItem.objects.get(code="reading_note"),
                                                          valid_from=2030),
    "group version service": lambda: cap_group_save_new_version(group=CapGroup.objects.get(code="base_city"),
                                                                valid_from=2030),
    "loaddata": lambda: call_command("loaddata", "credit_items", verbosity=0),
}


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_every_write_to_the_catalogue_changes_the_stamp(catalogue, write):
    before = _stamp()
    WRITES[write]()
    assert _stamp() != before


def test_a_read_of_the_catalogue_leaves_the_stamp(catalogue):
    before = _stamp()
    selectors.catalogue_for(2017)
    list(CreditItem.objects.all())
    assert _stamp() == before


def test_the_admin_changes_the_stamp(catalogue, staff_client):  # noqa: F811
    item = CreditItem.objects.get(code="reading_note")
    before = _stamp()
    url = reverse("admin:credits_credititem_change", args=[item.pk])
    assert staff_client.post(url, form_data(item, cap="5")).status_code == 302
    assert _stamp() != before


# --- a change is seen by the next computation ----------------------------------------------------


def test_a_new_version_through_the_service_is_counted_by_the_next_computation(make_entry, teacher):
    make_entry(teacher, "reading_note", "4", year=2019)  # 4 notes × 3 = 12, the cap is 8
    assert selectors.teacher_year_totals(teacher=teacher, academic_year=2019).total == D(8)  # kept now
    item = CreditItem.objects.get(code="reading_note")
    item.cap = D(10)
    item_save_new_version(item=item, valid_from=2020)
    make_entry(teacher, "reading_note", "4", year=2020)  # on the new row: item_for reads the kept catalogue
    assert CreditItem.objects.get(code="reading_note", valid_from=2020).pk == selectors.item_for("reading_note", 2020).pk
    assert selectors.teacher_year_totals(teacher=teacher, academic_year=2020).total == D(10)
    assert selectors.teacher_year_totals(teacher=teacher, academic_year=2019).total == D(8)


def test_a_cap_changed_in_the_admin_is_counted_by_the_next_preview(catalogue, staff_client):  # noqa: F811
    item = CreditItem.objects.get(code="reading_note")
    assert selectors.preview_entry(teacher=None, item=item, quantity=D(4), academic_year=2017).total_after == D(8)
    url = reverse("admin:credits_credititem_change", args=[item.pk])
    assert staff_client.post(url, form_data(item, cap="11")).status_code == 302
    assert selectors.preview_entry(teacher=None, item=item, quantity=D(4), academic_year=2017).total_after == D(11)


def test_a_group_cap_changed_in_the_admin_is_counted_by_the_next_set_based_computation(
        make_entry, teacher, staff_client):  # noqa: F811
    make_entry(teacher, "base_city_roster", "45", year=2017)
    assert selectors.year_figures(teacher_ids=[teacher.pk], academic_year=2017)[teacher.pk].total == D(40)
    group = CapGroup.objects.get(code="base_city")
    url = reverse("admin:credits_capgroup_change", args=[group.pk])
    data = {"name": group.name, "cap": "44", "clause": group.clause, "new_version_from": "2018"}
    assert staff_client.post(url, data).status_code == 302
    make_entry(teacher, "base_city_roster", "45", year=2018)
    assert selectors.year_figures(teacher_ids=[teacher.pk], academic_year=2018)[teacher.pk].total == D(44)
    assert selectors.year_figures(teacher_ids=[teacher.pk], academic_year=2017)[teacher.pk].total == D(40)


def test_confirmed_values_are_no_longer_counted_as_unconfirmed_by_the_next_computation(make_entry, teacher):
    item = CreditItem.objects.filter(unconfirmed=True).first()
    assert item is not None
    make_entry(teacher, item.code, "1", year=2017, option=(item.options[0]["key"] if item.options else ""))
    assert selectors.year_figures(teacher_ids=[teacher.pk], academic_year=2017)[teacher.pk].unconfirmed > 0
    items_confirm_values(items=[item])
    assert selectors.year_figures(teacher_ids=[teacher.pk], academic_year=2017)[teacher.pk].unconfirmed == 0


def test_a_rolled_back_change_is_never_counted_even_when_another_change_follows(catalogue):
    item = CreditItem.objects.get(code="reading_note")

    def after_four():
        return selectors.preview_entry(teacher=None, item=item, quantity=D(4), academic_year=2017).total_after

    assert after_four() == D(8)
    with pytest.raises(RuntimeError), transaction.atomic():
        CreditItem.objects.filter(pk=item.pk).update(cap=D(9))
        assert after_four() == D(9)  # the writer's own transaction sees its change at once
        raise RuntimeError
    assert after_four() == D(8)
    # A counter would now hand the rolled-back catalogue's number to this different one.
    CreditItem.objects.filter(pk=item.pk).update(cap=D(10))
    assert after_four() == D(10)


def test_without_the_stamp_row_the_catalogue_is_read_every_time(catalogue):
    CatalogueStamp.objects.all().delete()
    item = CreditItem.objects.get(code="reading_note")
    assert selectors.group_caps_for(2017)["base_city"] == D(40)
    with connection.cursor() as cur:  # a write the triggers see brings the row back; this one must not
        cur.execute("DROP TRIGGER IF EXISTS credits_capgroup_stamp_update" if connection.vendor == "sqlite"
                    else "ALTER TABLE credits_capgroup DISABLE TRIGGER credits_capgroup_stamp")
    CapGroup.objects.filter(code="base_city").update(cap=D(33))
    assert not CatalogueStamp.objects.exists()
    assert selectors.group_caps_for(2017)["base_city"] == D(33)
    assert selectors.item_for("reading_note", 2017).cap == item.cap


# --- what is kept, and what it costs ------------------------------------------------------------


def test_an_unchanged_catalogue_costs_one_query_and_a_changed_one_three(make_entry, teacher):
    make_entry(teacher, "reading_note", "2", year=2017)
    selectors.teacher_year_totals(teacher=teacher, academic_year=2017)
    with CaptureQueriesContext(connection) as ctx:
        first = selectors.teacher_year_totals(teacher=teacher, academic_year=2017)
    assert len(_catalogue_queries(ctx)) == 1  # the stamp
    CreditItem.objects.filter(code="admin_training").update(note="改")
    with CaptureQueriesContext(connection) as ctx:
        again = selectors.teacher_year_totals(teacher=teacher, academic_year=2017)
    assert len(_catalogue_queries(ctx)) == 3  # the stamp, the items, the cap groups
    assert again == first


def test_the_kept_catalogue_gives_the_rules_read_afresh(catalogue):
    from credits import rules as R

    selectors.rules_for(2017)
    for year in (2017, 2020, 2026):
        kept = selectors.rules_for(year)
        fresh = kept_catalogue.Catalogue(None, CreditItem.objects.all(), CapGroup.objects.all())
        assert kept == fresh.rules_by_year([year])[year]
        assert {c: R.rule_from_item(selectors.item_for(c, year)) for c in kept} == kept
        assert selectors.group_caps_for(year) == {
            g.code: D(g.cap) for g in CapGroup.objects.filter(valid_from__lte=year).order_by("valid_from")}


def test_an_item_handed_out_is_a_copy(catalogue):
    item = selectors.item_for("reading_note", 2017)
    item.cap = D(99)
    item.options.append({"key": "x", "credits": "1"})
    again = selectors.item_for("reading_note", 2017)
    assert again.cap == D(8) and again.options == CreditItem.objects.get(code="reading_note").options
    assert again is not item


def test_the_rules_a_caller_changes_are_its_own(catalogue):
    rules = selectors.rules_for(2017)
    rules.pop("reading_note")
    assert "reading_note" in selectors.rules_for(2017)

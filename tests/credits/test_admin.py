"""City staff edit the catalogue in the admin; a value of an item with entries becomes a new version."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from credits.models import CreditItem
from credits.services import entry_refresh_credits
from tests.factories import TeacherProfileFactory, UserFactory

from .conftest import login

D = Decimal


@pytest.fixture
def staff_client(client, db):
    user = UserFactory(username="city-admin", is_staff=True, is_superuser=True)
    return login(client, user)


def form_data(item, **changes):
    data = {
        "name": item.name, "category": item.category, "kind": item.kind, "clause": item.clause, "flow": item.flow,
        "evidence": item.evidence, "note": item.note, "order": item.order, "conversion": item.conversion,
        "rate": item.rate, "unit_size": item.unit_size or "", "unit_label": item.unit_label,
        "options": json.dumps(item.options, ensure_ascii=False), "cap": item.cap or "", "cap_group": item.cap_group,
        "new_version_from": "",
    }
    for flag in ("is_active", "unconfirmed", "head_teacher_topic", "principal_qualification"):
        if getattr(item, flag):
            data[flag] = "on"
    data.update(changes)
    return data


def test_changing_a_value_of_an_item_with_entries_needs_a_new_version(staff_client, make_entry):
    entry = make_entry(TeacherProfileFactory(), "reading_note", "2")
    entry_refresh_credits(entry)
    item = entry.item
    url = reverse("admin:credits_credititem_change", args=[item.pk])
    response = staff_client.post(url, form_data(item, rate="4"))
    assert response.status_code == 200
    assert "另存为新版本" in response.content.decode()
    item.refresh_from_db()
    assert item.rate == D(3) and CreditItem.objects.filter(code="reading_note").count() == 1


def test_save_as_new_version_keeps_earlier_entries_credits(staff_client, make_entry):
    entry = make_entry(TeacherProfileFactory(), "reading_note", "2")
    entry_refresh_credits(entry)
    item = entry.item
    url = reverse("admin:credits_credititem_change", args=[item.pk])
    response = staff_client.post(url, form_data(item, rate="4", new_version_from="2019"))
    assert response.status_code == 302
    entry.refresh_from_db()
    item.refresh_from_db()
    assert (entry.item_id, entry.credits, item.rate) == (item.pk, D(6), D(3))
    new = CreditItem.objects.get(code="reading_note", valid_from=2019)
    assert new.rate == D(4)


def test_new_version_for_a_year_with_entries_is_refused_in_the_form(staff_client, make_entry):
    entry = make_entry(TeacherProfileFactory(), "reading_note", "2", year=2019)
    url = reverse("admin:credits_credititem_change", args=[entry.item_id])
    response = staff_client.post(url, form_data(entry.item, rate="4", new_version_from="2019"))
    assert response.status_code == 200
    assert "已有按当前版本登记的学分" in response.content.decode()
    assert CreditItem.objects.filter(code="reading_note").count() == 1


def test_an_item_without_entries_is_edited_in_place(staff_client, catalogue):
    item = CreditItem.objects.get(code="lecture_speaker")
    options = [{**o, "credits": "9"} if o["key"] == "national" else o for o in item.options]
    url = reverse("admin:credits_credititem_change", args=[item.pk])
    response = staff_client.post(url, form_data(item, options=json.dumps(options, ensure_ascii=False)))
    assert response.status_code == 302
    item.refresh_from_db()
    assert next(o for o in item.options if o["key"] == "national")["credits"] == "9"
    assert CreditItem.objects.filter(code="lecture_speaker").count() == 1


def test_confirm_action_clears_the_unconfirmed_flags(staff_client, catalogue):
    item = CreditItem.objects.get(code="publication")
    url = reverse("admin:credits_credititem_changelist")
    response = staff_client.post(url, {"action": "confirm_values", "_selected_action": [item.pk]})
    assert response.status_code == 302
    item.refresh_from_db()
    assert not item.has_unconfirmed_values


def test_changelist_renders_in_chinese(staff_client, catalogue):
    response = staff_client.get(reverse("admin:credits_credititem_changelist"))
    assert response.status_code == 200
    assert "每满3学时计1学分" in response.content.decode()


def test_changing_a_group_cap_with_entries_needs_a_new_version(staff_client, make_entry):
    from credits.models import CapGroup

    make_entry(TeacherProfileFactory(), "base_city_roster", "45")
    group = CapGroup.objects.get(code="base_city")
    url = reverse("admin:credits_capgroup_change", args=[group.pk])
    data = {"name": group.name, "cap": "50", "clause": group.clause, "new_version_from": ""}
    response = staff_client.post(url, data)
    assert response.status_code == 200 and "另存为新版本" in response.content.decode()
    group.refresh_from_db()
    assert group.cap == 40


def test_a_new_group_cap_version_leaves_earlier_years_totals(staff_client, make_entry):
    from credits import selectors
    from credits.models import CapGroup

    teacher = TeacherProfileFactory()
    make_entry(teacher, "base_city_roster", "45", year=2017)
    make_entry(teacher, "base_city_roster", "45", year=2018)
    group = CapGroup.objects.get(code="base_city")
    url = reverse("admin:credits_capgroup_change", args=[group.pk])
    data = {"name": group.name, "cap": "44", "clause": group.clause, "new_version_from": "2018"}
    assert staff_client.post(url, data).status_code == 302
    assert selectors.teacher_year_totals(teacher=teacher, academic_year=2017).total == D(40)
    assert selectors.teacher_year_totals(teacher=teacher, academic_year=2018).total == D(44)


def test_the_calendar_of_a_sealed_year_cannot_be_edited_in_the_admin(staff_client):
    import datetime

    from django.utils import timezone

    from tests.factories import AcademicYearFactory

    year = AcademicYearFactory(start_year=2017)
    year.sealed_at = timezone.now()
    year.save(update_fields=["sealed_at"])
    url = reverse("admin:credits_academicyear_change", args=[year.pk])
    staff_client.post(url, {
        "start_year": 2017, "registration_closes": "2018-08-31", "base_roster_deadline": "2018-06-20",
        "district_review_opens": "2018-09-01", "district_review_closes": "2018-10-31",
        "city_seal_opens": "2018-11-01", "city_seal_closes": "2018-11-30",
    })
    year.refresh_from_db()
    assert year.registration_closes == datetime.date(2018, 7, 31)
    staff_client.post(reverse("admin:credits_academicyear_delete", args=[year.pk]), {"post": "yes"})
    assert type(year).objects.filter(pk=year.pk).exists()

"""The shipped catalogue: loaded by setup_site, idempotent, valid, and honest about what it does
not know."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from credits.models import CapGroup, Category, CreditItem

# The items whose numbers the notice does not give: 《办法》第14–16条 (附件2) and 二(三)2(17).
UNCONFIRMED = {"lecture_speaker", "open_class", "class_contest", "academic_seminar", "research_project",
               "publication", "other_activity", "teaching_contest"}


@pytest.mark.django_db
def test_setup_site_loads_the_catalogue_and_reloading_changes_nothing():
    call_command("setup_site")
    first = list(CreditItem.objects.order_by("pk").values())
    call_command("setup_site")
    assert list(CreditItem.objects.order_by("pk").values()) == first
    assert len(first) == 39 and CapGroup.objects.count() == 2


def test_every_item_is_valid_and_quotes_its_clause(catalogue):
    for item in CreditItem.objects.all():
        item.full_clean()
        assert item.clause and item.name and item.flow


def test_unconfirmed_items_are_exactly_the_ones_without_numbers_in_the_notice(catalogue):
    flagged = {i.code for i in CreditItem.objects.all() if i.has_unconfirmed_values}
    assert flagged == UNCONFIRMED
    for item in CreditItem.objects.filter(code__in=UNCONFIRMED):
        assert item.unconfirmed and all(o["unconfirmed"] for o in item.options)


def test_tiered_defaults_decrease_from_national_to_school(catalogue):
    for item in CreditItem.objects.filter(code__in=UNCONFIRMED).exclude(code="other_activity"):
        values = {o["key"]: Decimal(o["credits"]) for o in item.options}
        for prefix in {k.rsplit("national", 1)[0] for k in values if "national" in k}:
            for suffix in {"", "_first", "_second", "_third"}:
                tiers = [values.get(f"{prefix}{lvl}{suffix}") for lvl in
                         ("national", "provincial", "city", "district", "school")]
                if None in tiers:
                    continue
                assert tiers == sorted(tiers, reverse=True), (item.code, tiers)


def test_caps_of_the_notice(catalogue):
    caps = dict(CreditItem.objects.exclude(cap=None).values_list("code", "cap"))
    assert caps == {"video_course": 20, "reading_note": 8, "self_reflection": 8, "party_e_home": 8,
                    "mentoring": 10, "micro_course": 8, "digital_school": 8,
                    # 二(三)2(18) "每年记72学分": credits are registered per 学年, so 72 in each.
                    "support_teaching": 72}
    assert dict(CapGroup.objects.values_list("code", "cap")) == {"base_city": 40, "base_district": 25}
    assert set(CreditItem.objects.filter(cap_group="base_city").values_list("code", flat=True)) == {
        "base_city_roster", "base_city_activity"}


def test_items_proven_by_a_document_are_registered_by_the_school_admin(catalogue):
    """Issue 4: 学历, 普通话, 职称考试, 支教, 师徒结队 — the school admin registers them for the
    teacher with the document (for 师徒结队, the school's own 学时证明, 二(三)2(16))."""
    flows = dict(CreditItem.objects.values_list("code", "flow"))
    for code in ("degree_education", "putonghua", "title_exam", "support_teaching", "mentoring"):
        assert flows[code] == "admin_register", code


def test_flexible_items_follow_attachment_2(catalogue):
    flexible = CreditItem.objects.filter(category=Category.FLEXIBLE)
    assert all("附件2" in i.clause for i in flexible)
    assert {i.code: i.rate for i in flexible if i.conversion == "per_hour"} == {
        "school_based_training": Decimal("0.5"), "lecture_attendee": Decimal("0.5"), "teaching_research": Decimal("0.5")}


def test_clean_refuses_an_option_without_credits(catalogue):
    from django.core.exceptions import ValidationError

    item = CreditItem.objects.get(code="putonghua")
    item.options = [{"key": "x", "label": "x"}]
    with pytest.raises(ValidationError):
        item.full_clean()


def test_clean_refuses_a_cap_with_two_decimal_places(catalogue):
    from django.core.exceptions import ValidationError

    item = CreditItem.objects.get(code="reading_note")
    item.cap = Decimal("7.55")
    with pytest.raises(ValidationError):
        item.full_clean()


def test_clean_refuses_a_cap_group_mixing_categories(catalogue):
    from django.core.exceptions import ValidationError

    item = CreditItem.objects.get(code="school_based_training")
    item.cap_group = "base_city"
    with pytest.raises(ValidationError):
        item.full_clean()

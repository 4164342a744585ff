import pytest
from django.urls import reverse

from accounts.models import Role
from credits.models import CreditItem, EntryStatus
from credits.views import unconfirmed_values
from tests.factories import TeacherProfileFactory, UserFactory, grant

from .conftest import login
from .test_catalogue_fixture import UNCONFIRMED


@pytest.fixture
def teacher(db):
    return TeacherProfileFactory()


@pytest.fixture
def teacher_client(client, teacher):
    return login(client, teacher.user)


@pytest.fixture
def city_client(client, db):
    user = UserFactory(username="city-staff")
    grant(user, Role.CITY_STAFF)
    return login(client, user)


def test_catalogue_needs_login(client, catalogue):
    response = client.get(reverse("credits:catalogue"))
    assert response.status_code == 302


def test_catalogue_shows_every_item_with_clause_conversion_and_caps(teacher_client, catalogue):
    html = teacher_client.get(reverse("credits:catalogue") + "?year=2017").content.decode()
    for item in CreditItem.objects.all():
        assert f'data-testid="item-{item.code}"' in html
        assert item.clause in html
    assert "每满3学时计1学分（按学年合计取整）" in html
    assert "合计最多 40 学分" in html and "合计最多 25 学分" in html


def test_catalogue_badges_every_unconfirmed_item_and_only_those(teacher_client, catalogue):
    html = teacher_client.get(reverse("credits:catalogue") + "?year=2017").content.decode()
    badged = {code for code in CreditItem.objects.values_list("code", flat=True) if f'data-testid="badge-{code}"' in html}
    assert badged == UNCONFIRMED
    assert "不代表《办法》的规定" in html


def test_unconfirmed_page_is_refused_to_a_teacher(teacher_client, catalogue):
    assert teacher_client.get(reverse("credits:unconfirmed")).status_code == 403


def test_unconfirmed_page_lists_every_value_of_articles_14_to_16(city_client, catalogue):
    html = city_client.get(reverse("credits:unconfirmed") + "?year=2017").content.decode()
    expected = [(i.code, o["key"]) for i in CreditItem.objects.filter(code__in=UNCONFIRMED) for o in i.options]
    assert len(expected) == len(unconfirmed_values(2017)) > 60
    for code, key in expected:
        assert f'data-testid="unconfirmed-{code}-{key}"' in html
    for label in ("高考命题", "中考阅卷", "高（中）考试卷分析", "课题主研", "公开课评讲", "学术专著"):
        assert label in html


def test_unconfirmed_page_drops_a_value_once_confirmed(city_client, catalogue):
    from credits.services import items_confirm_values

    items_confirm_values(items=list(CreditItem.objects.filter(code="other_activity")))
    html = city_client.get(reverse("credits:unconfirmed") + "?year=2017").content.decode()
    assert "unconfirmed-other_activity-" not in html
    assert "unconfirmed-publication-monograph" in html


def test_preview_partial_says_when_a_cap_cuts(teacher_client, teacher, make_entry):
    make_entry(teacher, "reading_note", "2")
    item = CreditItem.objects.get(code="reading_note")
    html = teacher_client.get(reverse("credits:preview"), {"item": item.pk, "quantity": "1",
                                                            "started_on": "2018-03-01"},
                              HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="preview-entry-credits">3<' in html
    assert 'data-testid="preview-cut"' in html and "超出每学年上限" in html
    assert "preview-unconfirmed" not in html


def test_preview_partial_marks_unconfirmed_values(teacher_client, catalogue):
    item = CreditItem.objects.get(code="class_contest")
    html = teacher_client.get(reverse("credits:preview"),
                              {"item": item.pk, "quantity": "1", "option": "city_first"}).content.decode()
    assert 'data-testid="preview-unconfirmed"' in html and "待确认" in html
    assert 'data-testid="preview-entry-credits">10<' in html
    assert "市级一等奖：每项 10 学分" in html


def test_preview_json(teacher_client, teacher, make_entry):
    make_entry(teacher, "micro_course", "2")
    item = CreditItem.objects.get(code="micro_course")
    data = teacher_client.get(reverse("credits:preview"), {"item": item.pk, "quantity": "1", "format": "json",
                                                           "started_on": "2017-12-01"}).json()
    assert data["entry_credits"] == "0.0" and data["added"] == "1.0" and data["unconfirmed"] is False
    assert data["academic_year"] == "2017-2018"


def test_preview_of_a_bad_quantity_shows_an_error(teacher_client, catalogue):
    item = CreditItem.objects.get(code="admin_training")
    html = teacher_client.get(reverse("credits:preview"), {"item": item.pk, "quantity": "abc"}).content.decode()
    assert 'data-testid="preview-error"' in html


def test_preview_for_another_schools_teacher_is_404(teacher_client, catalogue):
    stranger = TeacherProfileFactory()
    item = CreditItem.objects.get(code="admin_training")
    response = teacher_client.get(reverse("credits:preview"), {"item": item.pk, "quantity": "3",
                                                               "teacher": stranger.pk})
    assert response.status_code == 404


def test_preview_of_an_unknown_item_is_404(teacher_client, catalogue):
    assert teacher_client.get(reverse("credits:preview"), {"item": "999999", "quantity": "1"}).status_code == 404


def test_preview_without_quantity_asks_for_it(teacher_client, catalogue):
    item = CreditItem.objects.get(code="admin_training")
    html = teacher_client.get(reverse("credits:preview"), {"item": item.pk}).content.decode()
    assert 'data-testid="preview-empty"' in html


def test_catalogue_says_which_items_count_as_head_teacher_training(teacher_client, catalogue):
    html = teacher_client.get(reverse("credits:catalogue") + "?year=2017").content.decode()
    flagged = set(CreditItem.objects.filter(head_teacher_topic=True).values_list("code", flat=True))
    assert flagged == {"head_teacher_training"}
    assert all(f'data-testid="head-teacher-{code}"' in html for code in flagged)


def test_preview_of_an_entry_being_corrected_leaves_it_out(teacher_client, teacher, make_entry):
    entry = make_entry(teacher, "mentoring", "5", status=EntryStatus.SUBMITTED)
    other = make_entry(TeacherProfileFactory(), "mentoring", "5", status=EntryStatus.SUBMITTED)
    query = {"item": entry.item.pk, "quantity": "4", "format": "json", "started_on": "2017-12-01"}
    data = teacher_client.get(reverse("credits:preview"), {**query, "entry": entry.pk}).json()
    assert (data["added"], data["cut_by_cap"]) == ("8.0", "0.0")
    # Another teacher's entry id changes nothing: only the previewed teacher's entries are left out.
    data = teacher_client.get(reverse("credits:preview"), {**query, "entry": other.pk}).json()
    assert (data["added"], data["cut_by_cap"]) == ("0.0", "8.0")


def test_preview_with_a_non_ascii_digit_entry_id_ignores_it(teacher_client, catalogue):
    item = CreditItem.objects.get(code="admin_training")
    response = teacher_client.get(reverse("credits:preview"), {"item": item.pk, "quantity": "1", "entry": "²",
                                                               "format": "json"})
    assert response.status_code == 200

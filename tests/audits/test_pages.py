"""The 审证 pages: each role sees its page in its scope; the forms say before the click when
their window opens or closed; posts go through the services."""

import datetime

import pytest
from django.urls import reverse

from audits.models import HandInStatus, SchoolHandIn
from credits.models import CreditEntry
from reviews.models import ReviewAppointment, WindowExtension
from tests.factories import AcademicYearFactory

from .helpers import entry_at


@pytest.fixture
def clock_day():
    return datetime.date(2018, 9, 15)


def login(client, user):
    client.force_login(user)
    return client


def test_city_extends_a_window_earlier_for_one_school_on_the_page(world, client, clock):
    login(client, world.city)
    url = reverse("audits:calendar") + "?year=2017"
    page = client.get(url)
    assert page.status_code == 200
    assert "市直属学校审核开放至2018年9月30日" in page.content.decode()
    response = client.post(url, {"window": "district_review", "scope": "school", "school_code": world.city_school.code,
                                 "opens": "2018-09-05", "reason": "该校提前送审"})
    assert response.status_code == 302
    extension = WindowExtension.objects.get()
    assert (extension.school, extension.opens, extension.until, extension.reason) == (
        world.city_school, datetime.date(2018, 9, 5), None, "该校提前送审")
    assert "该校提前送审" in client.get(url).content.decode()


def test_a_refused_extension_is_shown_on_the_form_and_nothing_is_saved(world, client, clock):
    login(client, world.city)
    response = client.post(reverse("audits:calendar") + "?year=2017",
                           {"window": "district_review", "scope": "city", "until": "2018-10-01", "reason": "理由"})
    assert response.status_code == 200
    assert "须晚于当前截止日期" in response.content.decode()
    assert not WindowExtension.objects.exists()


def test_districts_see_their_calendar_without_the_form(world, client, clock):
    login(client, world.district_admin)
    page = client.get(reverse("audits:calendar") + "?year=2017")
    assert page.status_code == 200 and "extend-form" not in page.content.decode()
    assert "双流区测试" in page.content.decode()
    assert client.post(reverse("audits:calendar") + "?year=2017",
                       {"window": "registration", "scope": "city", "until": "2018-09-01", "reason": "x"}).status_code == 200
    assert not WindowExtension.objects.exists()
    login(client, world.school_admin)
    assert client.get(reverse("audits:calendar")).status_code == 403


def test_school_admin_hands_in_leaving_one_entry_out(world, client, clock):
    left = entry_at(world, "submitted", title="未初审")
    login(client, world.school_admin)
    url = reverse("audits:hand_in") + "?year=2017"
    page = client.get(url).content.decode()
    assert "未初审" in page and "学校初审开放至2018年10月31日" in page
    client.post(url, {"version": "0"})  # blocked: the open entry is neither done nor left out
    assert not SchoolHandIn.objects.filter(status=HandInStatus.SUBMITTED).exists()
    client.post(url, {"version": "0", "exclude": [left.pk], f"reason_{left.pk}": "教师病假"})
    hand_in = SchoolHandIn.objects.get()
    assert hand_in.status == HandInStatus.SUBMITTED
    assert "教师病假" in client.get(url).content.decode()


def test_the_hand_in_button_is_disabled_before_the_window_says_when(world, client, clock):
    AcademicYearFactory(start_year=2018)
    clock.set(datetime.date(2018, 12, 1))
    login(client, world.school_admin)
    page = client.get(reverse("audits:hand_in") + "?year=2017").content.decode()
    assert "学校初审已于2018年10月31日截止" in page
    assert 'data-testid="hand-in-submit" disabled' in page


def test_district_reviews_a_school_on_its_page(world, client, clock):
    entry_at(world, "district_reviewed")
    from audits import services as A

    hand_in = A.hand_in_submit(actor=world.school_admin, school=world.school, academic_year=world.year)
    ReviewAppointment.objects.create(academic_year=world.year, school=world.school, group="高中", sequence=1,
                                     date=datetime.date(2018, 9, 15), registrar="王老师", contact_phone="85800000")
    login(client, world.district_admin)
    listing = client.get(reverse("audits:hand_ins") + "?year=2017").content.decode()
    assert world.school.name in listing and "王老师" in listing and "今天" in listing
    detail = reverse("audits:hand_in_detail", args=[hand_in.pk])
    assert "区县复核开放至2018年10月31日" in client.get(detail).content.decode()
    client.post(detail, {"action": "review", "version": str(hand_in.version)})
    hand_in.refresh_from_db()
    assert hand_in.status == HandInStatus.REVIEWED
    # Out of scope: 404, nothing changes.
    login(client, world.other_district_admin)
    assert client.get(detail).status_code == 404
    assert client.post(detail, {"action": "return", "reason": "x"}).status_code == 404
    hand_in.refresh_from_db()
    assert hand_in.status == HandInStatus.REVIEWED


def test_city_checks_a_district_with_a_progress_bar(world, client, clock, django_capture_on_commit_callbacks):
    from audits import services as A

    entry_at(world, "district_reviewed")
    hand_in = A.hand_in_submit(actor=world.school_admin, school=world.school, academic_year=world.year)
    A.hand_in_review(actor=world.district_admin, hand_in=hand_in)
    clock.set(datetime.date(2018, 11, 10))
    login(client, world.city)
    page = client.get(reverse("audits:check") + "?year=2017").content.decode()
    assert "双流区测试" in page and "1 所学校待核对" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("audits:check") + "?year=2017", {"part": [f"d{world.school.district_id}"]})
    assert response.status_code == 302 and "job=" in response["Location"]
    assert set(CreditEntry.objects.values_list("status", flat=True)) == {"confirmed"}
    page = client.get(response["Location"]).content.decode()
    assert "确认登记 1 条" in page
    login(client, world.district_admin)
    assert client.get(reverse("audits:check")).status_code == 403


def test_district_publishes_its_schedule_copying_last_year(world, client, clock):
    AcademicYearFactory(start_year=2018)
    ReviewAppointment.objects.create(academic_year=world.year, school=world.school, group="高中", sequence=1,
                                     date=datetime.date(2018, 9, 11), registrar="王老师", contact_phone="85800000")
    login(client, world.district_admin)
    url = reverse("audits:schedule_edit") + "?year=2018"
    client.post(url, {"action": "copy"})
    copied = ReviewAppointment.objects.get(academic_year__start_year=2018)
    assert (copied.school, copied.date, copied.registrar) == (world.school, datetime.date(2019, 9, 11), "王老师")
    pk = world.school.pk
    client.post(url, {"action": "save", f"date_{pk}": "2019-09-12", f"group_{pk}": "高中", f"seq_{pk}": "1",
                      f"registrar_{pk}": "李老师", f"phone_{pk}": "85811111"})
    copied.refresh_from_db()
    assert (copied.date, copied.registrar, copied.contact_phone) == (datetime.date(2019, 9, 12), "李老师", "85811111")
    # A date outside the review window is refused and nothing changes.
    page = client.post(url, {"action": "save", f"date_{pk}": "2019-12-01"}, follow=True).content.decode()
    assert "须在" in page
    copied.refresh_from_db()
    assert copied.date == datetime.date(2019, 9, 12)

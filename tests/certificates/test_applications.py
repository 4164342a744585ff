"""The school admin marks the teachers applying this year, with an audit row; others are refused
and nothing changes."""

import pytest
from django.urls import reverse

from certificates.errors import CertificateError
from certificates.models import CertEvent, TitleApplication, TitleKind
from certificates.services import title_application_mark, title_application_withdraw
from tests.factories import TeacherProfileFactory

from .conftest import REVIEW_YEAR, WINDOW, give, seal, spread


def test_school_admin_marks_an_applicant_with_an_audit_row(org, teacher):
    app = title_application_mark(actor=org.admin, teacher=teacher, kind=TitleKind.SENIOR, year=REVIEW_YEAR)
    assert app.school == org.school and app.is_open
    event = CertEvent.objects.get(application=app)
    assert event.action == CertEvent.Action.APPLICATION_MARKED and event.actor == org.admin


@pytest.mark.parametrize("who", ["district_admin", "city", "other_district_admin"])
def test_others_cannot_mark(org, teacher, who):
    with pytest.raises(CertificateError) as exc:
        title_application_mark(actor=getattr(org, who), teacher=teacher, kind=TitleKind.SENIOR, year=REVIEW_YEAR)
    assert exc.value.kind == "forbidden"
    assert not TitleApplication.objects.exists() and not CertEvent.objects.exists()


def test_the_same_application_twice_is_refused(org, teacher):
    title_application_mark(actor=org.admin, teacher=teacher, kind=TitleKind.SENIOR, year=REVIEW_YEAR)
    with pytest.raises(CertificateError, match="已登记"):
        title_application_mark(actor=org.admin, teacher=teacher, kind=TitleKind.SENIOR, year=REVIEW_YEAR)
    assert TitleApplication.objects.count() == 1 and CertEvent.objects.count() == 1


def test_withdraw_needs_a_reason_and_is_recorded(org, teacher):
    app = title_application_mark(actor=org.admin, teacher=teacher, kind=TitleKind.SENIOR, year=REVIEW_YEAR)
    with pytest.raises(CertificateError, match="撤回原因"):
        title_application_withdraw(actor=org.admin, application=app, reason=" ")
    app.refresh_from_db()
    assert app.is_open
    title_application_withdraw(actor=org.admin, application=app, reason="今年不申报")
    app.refresh_from_db()
    assert not app.is_open and app.withdraw_reason == "今年不申报"
    assert CertEvent.objects.filter(action=CertEvent.Action.APPLICATION_WITHDRAWN, reason="今年不申报").exists()
    # Withdrawn, the teacher can be marked again.
    title_application_mark(actor=org.admin, teacher=teacher, kind=TitleKind.SENIOR, year=REVIEW_YEAR)


def test_the_page_marks_and_shows_the_shortfall(client, org, teacher, items):
    give(teacher, items, spread("239.9", "120"))
    seal(*WINDOW)
    client.force_login(org.admin)
    url = reverse("certificates:applications")
    response = client.post(url, {"school": org.school.pk, "year": REVIEW_YEAR, "teacher": teacher.pk,
                                 "kind": TitleKind.SENIOR})
    assert response.status_code == 302
    page = client.get(url, {"school": org.school.pk, "year": REVIEW_YEAR}).content.decode()
    assert "李老师" in page and "不符合" in page and "规范性还差 0.1 学分" in page
    assert "2013-2014" in page


def test_the_page_refuses_a_teacher_of_another_school(client, org):
    stranger = TeacherProfileFactory(school=org.other_school)
    client.force_login(org.admin)
    response = client.post(reverse("certificates:applications"),
                           {"school": org.school.pk, "teacher": stranger.pk, "kind": TitleKind.SENIOR})
    assert response.status_code == 404
    assert not TitleApplication.objects.exists()


def test_district_admin_sees_but_cannot_mark(client, org, teacher):
    client.force_login(org.district_admin)
    url = reverse("certificates:applications")
    assert client.get(url, {"school": org.school.pk}).status_code == 200
    assert client.post(url, {"school": org.school.pk, "teacher": teacher.pk, "kind": "senior"}).status_code == 403
    assert client.get(url, {"school": org.other_school.pk}).status_code == 404
    assert not TitleApplication.objects.exists()


def test_a_plain_teacher_gets_no_applications_page(client, teacher):
    client.force_login(teacher.user)
    assert client.get(reverse("certificates:applications")).status_code == 403


def test_planner_says_what_is_still_missing_and_which_items_are_full(client, org, teacher, items, clock):
    import datetime
    from decimal import Decimal

    from credits.models import EntryStatus
    from tests.factories import AcademicYearFactory, CreditEntryFactory, CreditItemFactory

    clock.day = datetime.date(2018, 3, 1)  # next September: 2018, window 2013-2017, 2017 still open
    give(teacher, items, {2013: (50, 30), 2014: (50, 30), 2015: (50, 30), 2016: (50, 20)})
    video = CreditItemFactory(code="cert_video", name="视频课程", category="regulated", kind="self_directed",
                              cap=Decimal("20"), valid_from=2010)
    CreditEntryFactory(teacher=teacher, academic_year=AcademicYearFactory(start_year=2017), item=video,
                       quantity_claimed=Decimal("25"), status=EntryStatus.DISTRICT_REVIEWED)
    client.force_login(teacher.user)
    page = client.get(reverse("certificates:planner"), {"kind": "senior"}).content.decode()
    # 规范性 200 + 20 (video, capped) = 220 → 20 short; 灵活性 110 → 10 short; total 330 → 30 short.
    assert 'data-testid="need-total">30<' in page
    assert 'data-testid="need-regulated">20<' in page
    assert 'data-testid="need-flexible">10<' in page
    assert "视频课程（上限 20）" in page
    assert "2017-2018" in page

"""Issuing a 继教证书: only to the eligible, or with an override and its reason; serial per issuer
and year; the 落款 of the district or the city; the PDF's text."""

import pytest

from certificates.errors import CertificateError
from certificates.models import CertEvent, Certificate, GenerationRun, TitleKind
from certificates.services import certificate_issue, title_application_mark
from tests.factories import TeacherProfileFactory

from .conftest import REVIEW_YEAR, WINDOW, give, pdf_text, seal, spread


def test_an_eligible_teacher_is_issued_by_the_district_with_its_luokuan(org, eligible_application):
    cert = certificate_issue(actor=org.district_admin, application=eligible_application)
    assert cert.serial == "JJD510116-2018-00001"
    assert cert.issuer.name == "成都市双流区教育局" and cert.eligible and not cert.override_reason
    assert cert.totals["total"] == "402" and cert.years == list(WINDOW)
    text = pdf_text(cert.pdf.read())
    for expected in ("李老师", "402", "268", "134", cert.serial, "成都市双流区教育局", "棠湖中学", cert.code):
        assert expected in text, expected
    assert CertEvent.objects.filter(certificate=cert, action=CertEvent.Action.ISSUED).exists()
    assert GenerationRun.objects.get(certificates=cert).kind == GenerationRun.Kind.SINGLE


def test_an_ineligible_teacher_is_refused_then_issued_with_an_override(org, teacher, items):
    give(teacher, items, spread("239.9", "130"))
    seal(*WINDOW)
    app = title_application_mark(actor=org.admin, teacher=teacher, kind=TitleKind.SENIOR, year=REVIEW_YEAR)
    with pytest.raises(CertificateError, match="不符合颁证条件") as exc:
        certificate_issue(actor=org.district_admin, application=app)
    assert "规范性还差 0.1 学分" in exc.value.message
    assert not Certificate.objects.exists()
    assert not CertEvent.objects.filter(action__startswith="issued").exists()
    cert = certificate_issue(actor=org.district_admin, application=app, override_reason="2013年支教证明补录中")
    assert not cert.eligible and cert.override_reason == "2013年支教证明补录中"
    event = CertEvent.objects.get(certificate=cert)
    assert event.action == CertEvent.Action.ISSUED_OVERRIDE and event.reason == "2013年支教证明补录中"
    assert event.detail["missing"]["regulated"] == "0.1"


def test_the_same_application_is_not_issued_twice(org, eligible_application):
    certificate_issue(actor=org.district_admin, application=eligible_application)
    with pytest.raises(CertificateError, match="不能重复颁发"):
        certificate_issue(actor=org.district_admin, application=eligible_application)
    assert Certificate.objects.count() == 1


@pytest.mark.parametrize("who", ["admin", "city", "other_district_admin"])
def test_only_the_schools_district_issues(org, eligible_application, who):
    with pytest.raises(CertificateError) as exc:
        certificate_issue(actor=getattr(org, who), application=eligible_application)
    assert exc.value.kind == "forbidden"
    assert not Certificate.objects.exists() and not GenerationRun.objects.exists()


def test_city_staff_issue_for_a_city_school_over_the_city_office(org, items):
    admin = __import__("tests.factories", fromlist=["grant"]).grant(
        __import__("tests.factories", fromlist=["UserFactory"]).UserFactory(username="c_admin"),
        "school_admin", school=org.city_school)
    teacher = TeacherProfileFactory(school=org.city_school, name="周老师")
    give(teacher, items, spread("240", "120"))
    seal(*WINDOW)
    app = title_application_mark(actor=admin, teacher=teacher, kind=TitleKind.FIRST, year=REVIEW_YEAR)
    with pytest.raises(CertificateError):
        certificate_issue(actor=org.district_admin, application=app)
    cert = certificate_issue(actor=org.city, application=app)
    assert cert.issuer.is_city and cert.serial == "JJSZ-2018-00001"
    assert "成都市教育科学研究院" in pdf_text(cert.pdf.read())


def test_serials_run_per_issuer_and_year(org, items):
    apps = []
    for name in ("甲", "乙"):
        t = TeacherProfileFactory(school=org.school, name=name)
        give(t, items, spread("240", "120"))
        apps.append(title_application_mark(actor=org.admin, teacher=t, kind=TitleKind.SENIOR, year=REVIEW_YEAR))
    seal(*WINDOW)
    serials = [certificate_issue(actor=org.district_admin, application=a).serial for a in apps]
    assert serials == ["JJD510116-2018-00001", "JJD510116-2018-00002"]


def test_an_issued_certificate_cannot_be_changed_or_deleted(org, eligible_application):
    cert = certificate_issue(actor=org.district_admin, application=eligible_application)
    with pytest.raises(PermissionError):
        cert.save()
    with pytest.raises(PermissionError):
        cert.delete()
    with pytest.raises(PermissionError):
        Certificate.objects.filter(pk=cert.pk).update(teacher_name="改")
    assert Certificate.objects.get(pk=cert.pk).teacher_name == "李老师"

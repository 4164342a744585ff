"""The pages and downloads: who gets what (out of scope answers 404), the signed 附件2 archive,
and the one-click package built by a job with a progress bar."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Job
from reports.models import SignedForm2
from tests.factories import DistrictFactory, UserFactory, grant
from tests.reviews.helpers import PDF_BYTES

from .conftest import RARE_NAME, counted, pdf_text

Y = {"year": "2017"}


def _get(client, user, name, **params):
    client.force_login(user)
    return client.get(reverse(name), {**Y, **params})


def test_a_teacher_downloads_their_own_statement_and_form2_but_not_anothers(world, client, tmp_path):
    counted(world.senior, "admin_training", 50)
    response = _get(client, world.senior.user, "reports:statement")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert RARE_NAME in pdf_text(response.content, tmp_path)
    assert _get(client, world.senior.user, "reports:form2_pdf").status_code == 200
    assert _get(client, world.senior.user, "reports:statement", teacher=world.junior.pk).status_code == 404
    assert _get(client, world.senior.user, "reports:index").status_code == 403


def test_school_documents_are_for_the_schools_admins_only(world, client):
    params = {"school": world.school.pk}
    for name in ("reports:submission", "reports:statements", "reports:precheck", "reports:compliance_export"):
        assert _get(client, world.other_admin, name, **params).status_code == 404, name
    assert _get(client, world.school_admin, "reports:submission", **params).status_code == 200
    xlsx = _get(client, world.school_admin, "reports:submission", format="xlsx", **params)
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    page = _get(client, world.school_admin, "reports:index", **params)
    assert page.status_code == 200 and "审证前自查" in page.content.decode()


def _post(client, user, name, **params):
    client.force_login(user)
    return client.post(reverse(name), {**Y, **params})


def test_district_and_city_exports_stay_in_scope(world, client):
    other = DistrictFactory(code="510104", name="锦江区")
    stranger = grant(UserFactory(username="jj"), "district_admin", district=other)
    mine = {"scope": "district", "district": world.district.pk}
    assert _post(client, world.district_admin, "reports:district_submission", **mine).status_code == 302
    assert _post(client, world.district_admin, "reports:compliance_export", **mine).status_code == 302
    assert Job.objects.filter(owner=world.district_admin).count() == 2
    assert _post(client, stranger, "reports:district_submission", **mine).status_code == 404
    assert _post(client, stranger, "reports:compliance_export", **mine).status_code == 404
    assert _post(client, world.district_admin, "reports:compliance_export", scope="city").status_code == 404
    assert not Job.objects.exclude(owner=world.district_admin).exists()  # the refusals started nothing
    assert _post(client, world.city, "reports:compliance_export", scope="city").status_code == 302
    assert _post(client, world.city, "reports:district_submission", scope="district", district="city").status_code == 302
    # A district's export is started by the button (POST), not by a link: a GET starts nothing.
    assert _get(client, world.district_admin, "reports:compliance_export", **mine).status_code == 405
    assert _get(client, world.district_admin, "reports:district_submission", **mine).status_code == 405
    assert Job.objects.count() == 4


def test_form3_defaults_to_the_applicants_the_school_admin_marked(world, client):
    from openpyxl import load_workbook

    from certificates.models import TitleApplication

    TitleApplication.objects.create(teacher=world.senior, school=world.school, kind="senior", year=2018,
                                    created_by=world.school_admin)
    response = _get(client, world.school_admin, "reports:form3", school=world.school.pk, format="xlsx")
    ws = load_workbook(io.BytesIO(response.content))["附件3"]
    assert ws["B6"].value == RARE_NAME and ws["B7"].value is None


def _scan(name="附件2.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_the_signed_form2_is_archived_with_the_year_and_only_by_the_school_or_the_teacher(world, client):
    client.force_login(world.leader)
    url = reverse("reports:form2")
    response = client.post(url, {"teacher": world.junior.pk, "year": "2017", "scan": _scan()})
    assert response.status_code == 403 and not SignedForm2.objects.exists()
    client.force_login(world.school_admin)
    client.post(url, {"teacher": world.junior.pk, "year": "2017", "scan": _scan("假的.pdf", b"not a pdf")})
    assert not SignedForm2.objects.exists()
    client.post(url, {"teacher": world.junior.pk, "year": "2017", "scan": _scan()})
    scan = SignedForm2.objects.get()
    assert (scan.teacher, scan.academic_year, scan.school) == (world.junior, world.year, world.school)
    assert scan.file.name.startswith("form2-scans/2017/")
    assert client.get(reverse("reports:form2_scan", args=[scan.pk])).status_code == 200
    client.force_login(world.senior.user)
    assert client.get(reverse("reports:form2_scan", args=[scan.pk])).status_code == 404


def test_a_sealed_year_takes_no_new_scan(world, client):
    world.year.sealed_at = timezone.now()
    world.year.save()
    client.force_login(world.junior.user)
    client.post(reverse("reports:form2"), {"teacher": world.junior.pk, "year": "2017", "scan": _scan()})
    assert not SignedForm2.objects.exists()


def test_the_one_click_package_is_a_job_whose_zip_holds_the_whole_package(world, client, tmp_path,
                                                                          django_capture_on_commit_callbacks):
    counted(world.senior, "admin_training", 50)
    client.force_login(world.school_admin)
    client.post(reverse("reports:form2"), {"teacher": world.junior.pk, "year": "2017", "scan": _scan()})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:package"), {"school": world.school.pk, "year": "2017",
                                                             "t": [world.senior.pk]})
    job = Job.objects.get(kind="reports_package")
    assert response.status_code == 302 and f"job={job.pk}" in response["Location"]
    assert job.status == Job.Status.DONE and job.done == job.total == 3 + 4
    page = client.get(response["Location"])
    assert "<progress" in page.content.decode() and reverse("reports:package_download", args=[job.pk]) in page.content.decode()
    download = client.get(reverse("reports:package_download", args=[job.pk]))
    zf = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = [n.split("/", 1)[1] for n in zf.namelist()]
    assert names == ["1-个人学分统计表（按送审报表顺序）.pdf", "2-送审报表（一式两份）.pdf", "2-送审报表.xlsx",
                     "3-附件3 送审报表（评职称用）.xlsx", "3-附件3 送审报表（评职称用）.pdf",
                     "4-附件2 签字盖章扫描件/t_a_junior-张初中.pdf", "清单.txt"]
    prefix = zf.namelist()[0].split("/")[0]
    statements = pdf_text(zf.read(f"{prefix}/1-个人学分统计表（按送审报表顺序）.pdf"), tmp_path, "zip")
    assert statements.index("张初中") < statements.index(RARE_NAME)
    assert zf.read(f"{prefix}/4-附件2 签字盖章扫描件/t_a_junior-张初中.pdf") == PDF_BYTES
    manifest = zf.read(f"{prefix}/清单.txt").decode()
    assert "尚未上传附件2 扫描件：" in manifest and RARE_NAME in manifest
    other = UserFactory(username="someone")
    client.force_login(grant(other, "school_admin", school=world.school))
    assert client.get(reverse("reports:package_download", args=[job.pk])).status_code == 404

"""Every download of a file that holds teachers' personal data leaves one ExportDownload row (who,
roles, what, scope); a refused download or a plain page leaves none, and the rows can't be changed."""

import pytest
from django.db import ProgrammingError, transaction
from django.urls import reverse

from accounts.models import ExportDownload
from tests.factories import DistrictFactory, UserFactory, grant

Y = {"year": "2017"}


def _get(client, user, name, **params):
    client.force_login(user)
    return client.get(reverse(name), {**Y, **params})


def test_a_school_export_writes_exactly_one_row_with_who_what_and_scope(world, client):
    response = _get(client, world.school_admin, "reports:submission", school=world.school.pk, format="xlsx")
    assert response.status_code == 200
    row = ExportDownload.objects.get()
    assert row.user == world.school_admin and "school_admin" in row.roles.split(",")
    assert row.export == "submission"
    assert row.params == {"year": "2017", "school": str(world.school.pk), "format": "xlsx"}
    assert row.filename.endswith("送审报表.xlsx")


def test_a_refused_download_writes_no_row(world, client):
    other = DistrictFactory(code="510104", name="锦江区")
    stranger = grant(UserFactory(username="jj"), "district_admin", district=other)
    assert _get(client, world.other_admin, "reports:statements", school=world.school.pk).status_code == 404
    assert _get(client, world.other_admin, "reports:submission", school=world.school.pk).status_code == 404
    client.force_login(stranger)
    assert client.post(reverse("reports:district_submission"), {"scope": "district", "district": world.district.pk,
                                                                "year": "2017"}).status_code == 404
    assert _get(client, world.senior.user, "reports:statement", teacher=world.junior.pk).status_code == 404
    assert not ExportDownload.objects.exists()


def test_the_compliance_page_is_recorded_only_when_it_answers_with_the_file(world, client):
    page = _get(client, world.school_admin, "reports:compliance", school=world.school.pk)
    assert page.status_code == 200 and not ExportDownload.objects.exists()
    xlsx = _get(client, world.school_admin, "reports:compliance", school=world.school.pk, format="xlsx")
    assert xlsx.status_code == 200
    row = ExportDownload.objects.get()
    assert row.export == "school_compliance" and row.rows is not None and row.rows >= 1


def test_personal_parameters_are_not_copied_into_the_record(world, client):
    from certificates.models import TitleApplication

    # No applicant marked yet: the page redirects with a message, and that is no download.
    assert _get(client, world.school_admin, "reports:form3", school=world.school.pk).status_code == 302
    assert not ExportDownload.objects.exists()
    TitleApplication.objects.create(teacher=world.senior, school=world.school, kind="senior", year=2018,
                                    created_by=world.school_admin)
    _get(client, world.school_admin, "reports:form3", school=world.school.pk, filler="王老师", phone="13800000000")
    row = ExportDownload.objects.get()
    assert "phone" not in row.params and "filler" not in row.params
    assert "13800000000" not in str(row.params) and "王老师" not in str(row.params)


@pytest.mark.postgres
def test_the_record_cannot_be_changed_or_deleted_on_postgresql(world, client):
    _get(client, world.school_admin, "reports:submission", school=world.school.pk, format="xlsx")
    row = ExportDownload.objects.get()
    for change in (lambda: ExportDownload.objects.filter(pk=row.pk).update(export="x"),
                   lambda: ExportDownload.objects.filter(pk=row.pk).delete()):
        with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
            change()
    row.refresh_from_db()
    assert row.export == "submission" and ExportDownload.objects.count() == 1

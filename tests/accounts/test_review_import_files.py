"""Review findings on the Excel import: hostile or broken files end in a clear message, never a
stuck job or an unbounded read."""

import dataclasses
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import imports, services
from accounts.errors import AccountError
from accounts.models import Job, TeacherProfile

from .test_import import _row, _workbook


def _with_broken_sheet_body(upload) -> SimpleUploadedFile:
    """A real workbook whose sheet XML breaks off after the header row."""
    src = zipfile.ZipFile(io.BytesIO(upload.read()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                cut = data.index(b'<row r="2"')
                data = data[:cut] + b'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="B2"'
            dst.writestr(info, data)
    return SimpleUploadedFile("教师名单.xlsx", out.getvalue())


@pytest.mark.django_db(transaction=True)
def test_a_sheet_broken_after_the_header_ends_the_job_with_a_message(admin_a, school_a):
    upload = _with_broken_sheet_body(_workbook([_row(1), _row(2)]))
    job = services.teachers_import_excel(actor=admin_a, school=school_a, upload=upload)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "无法读取" in job.error
    assert not TeacherProfile.objects.exists()


def test_a_file_that_unpacks_far_beyond_its_size_is_refused_at_once(admin_a, school_a, monkeypatch):
    monkeypatch.setattr(imports, "IMPORT_LIMITS", dataclasses.replace(imports.IMPORT_LIMITS, max_unpacked_bytes=200_000))
    rows = [_row(n) for n in range(1, 2000)]
    upload = _workbook(rows)
    assert upload.size < 200_000
    with pytest.raises(AccountError, match="过大"):
        services.teachers_import_excel(actor=admin_a, school=school_a, upload=upload)
    assert not Job.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_too_many_rows_stop_the_read_at_the_limit(admin_a, school_a, monkeypatch):
    import core.files

    monkeypatch.setattr(imports, "IMPORT_LIMITS", dataclasses.replace(imports.IMPORT_LIMITS, max_rows=3))
    read = []
    real = core.files.cell_text
    monkeypatch.setattr(core.files, "cell_text", lambda v: read.append(v) or real(v))
    job = services.teachers_import_excel(actor=admin_a, school=school_a,
                                         upload=_workbook([_row(n) for n in range(1, 200)]))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "最多 3 行" in job.error
    assert not TeacherProfile.objects.exists()
    # The rows after the limit are not read into memory.
    assert len(read) < 11 * 10


@pytest.mark.django_db(transaction=True)
def test_a_bad_username_in_one_row_is_reported_and_the_rest_go_in(admin_a, school_a):
    rows = [_row(1), _row(2, username="x" * 200), _row(3, username="有 空格/斜杠"), _row(4)]
    job = services.teachers_import_excel(actor=admin_a, school=school_a, upload=_workbook(rows))
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result["created"] == 2
    assert {e["row"] for e in job.result["errors"]} == {3, 4}
    assert all("账号" in e["reason"] for e in job.result["errors"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rows", [[_row(1)], "broken"])
def test_the_uploaded_file_is_removed_once_the_job_ends(admin_a, school_a, rows):
    """The sheet holds every teacher's 身份证号: it is kept only while the job needs it."""
    from django.core.files.storage import default_storage

    upload = _with_broken_sheet_body(_workbook([_row(1), _row(2)])) if rows == "broken" else _workbook(rows)
    job = services.teachers_import_excel(actor=admin_a, school=school_a, upload=upload)
    job.refresh_from_db()
    assert job.status in (Job.Status.DONE, Job.Status.FAILED)
    assert not default_storage.exists(job.result["file"])

"""Excel bulk import: per-row report, idempotent re-import, a Job with progress."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from accounts import imports, services
from accounts.errors import AccountError
from accounts.models import AccountEvent, AccountStatus, Job, TeacherProfile, User
from tests.factories import make_id_number

HEADER = ["账号", "姓名*", "性别*", "身份证号*", "学段*", "任教学科", "职称", "班主任", "新任教师", "试用期开始日期",
          "新任（拟任）校长", "党员"]


def _workbook(rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("教师名单.xlsx", buf.getvalue())


def _row(n, **kw):
    row = {"username": "", "name": f"导入教师{n}", "gender": "女", "id": make_id_number(n, birth="19900101"),
           "stage": "小学", "subject": "语文", "title": "二级教师", "head": "否", "new": "否", "start": None,
           "principal": "否"}
    row.update(kw)
    return [row["username"], row["name"], row["gender"], row["id"], row["stage"], row["subject"], row["title"],
            row["head"], row["new"], row["start"], row["principal"]]


def _fifty_with_three_bad():
    rows = [_row(n) for n in range(1, 51)]
    good = make_id_number(7, birth="19900101")
    rows[6] = _row(7, id=good[:17] + ("0" if good[17] != "0" else "1"))  # Excel row 8: wrong check digit
    rows[19] = _row(20, name="")  # Excel row 21: no name
    rows[41] = _row(42, stage="高中")  # Excel row 43: not taught at this primary school
    return rows


def _run(actor, school, rows):
    """In a transaction=True test the on_commit hook (the Celery task, eager) runs at once."""
    job = services.teachers_import_excel(actor=actor, school=school, upload=_workbook(rows))
    job.refresh_from_db()
    return job


@pytest.mark.django_db(transaction=True)
def test_fifty_rows_with_three_bad_create_47_and_report_the_3(admin_a, school_a):
    job = _run(admin_a, school_a, _fifty_with_three_bad())
    assert job.status == Job.Status.DONE and job.percent == 100 and job.total == 50
    assert TeacherProfile.objects.filter(school=school_a).count() == 47
    assert (job.result["created"], job.result["skipped"], job.result["failed"]) == (47, 0, 3)
    errors = {e["row"]: e["reason"] for e in job.result["errors"]}
    assert set(errors) == {8, 21, 43}
    assert "校验位错误" in errors[8]
    assert "姓名" in errors[21] and "不能为空" in errors[21]
    assert "学段" in errors[43]
    assert set(TeacherProfile.objects.values_list("status", flat=True)) == {AccountStatus.PENDING}
    assert AccountEvent.objects.filter(action="created").count() == 47


@pytest.mark.django_db(transaction=True)
def test_importing_the_same_file_again_creates_no_duplicates(admin_a, school_a):
    rows = _fifty_with_three_bad()
    _run(admin_a, school_a, rows)
    users_before = User.objects.count()
    again = _run(admin_a, school_a, rows)
    assert TeacherProfile.objects.count() == 47 and User.objects.count() == users_before
    assert (again.result["created"], again.result["skipped"], again.result["failed"]) == (0, 47, 3)


def test_duplicate_rows_in_one_file_are_reported(admin_a, school_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.teachers_import_excel(actor=admin_a, school=school_a,
                                             upload=_workbook([_row(1), _row(1, name="重复")]))
    job.refresh_from_db()
    assert job.result["created"] == 1
    assert job.result["errors"] == [{"row": 3, "name": "重复", "reason": "身份证号与第2行重复。"}]


def test_teacher_registered_at_another_school_is_refused(admin_a, school_a, teacher_b,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.teachers_import_excel(actor=admin_a, school=school_a,
                                             upload=_workbook([_row(1, id=teacher_b.id_number)]))
    job.refresh_from_db()
    assert job.result["errors"][0]["reason"] == services.ID_NUMBER_UNAVAILABLE  # not where it is registered
    teacher_b.refresh_from_db()
    assert teacher_b.school.name == "乙一小"


def test_bool_date_and_username_columns(admin_a, school_a, django_capture_on_commit_callbacks):
    import datetime

    with django_capture_on_commit_callbacks(execute=True):
        job = services.teachers_import_excel(actor=admin_a, school=school_a, upload=_workbook([
            _row(1, username="zhang01", head="是", new="是", start=datetime.datetime(2018, 9, 1)),
            _row(2, new="是"),
            _row(3, head="也许"),
        ]))
    job.refresh_from_db()
    profile = TeacherProfile.objects.get(user__username="zhang01")
    assert profile.is_head_teacher and profile.is_new_teacher and profile.probation_start == datetime.date(2018, 9, 1)
    reasons = {e["row"]: e["reason"] for e in job.result["errors"]}
    assert "试用期开始日期" in reasons[3] and "是”或“否" in reasons[4]


def test_upload_without_required_columns_is_refused_at_once(admin_a, school_a):
    wb = Workbook()
    wb.active.append(["姓名", "性别"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(AccountError, match="缺少必填列：身份证号、学段") as exc:
        services.teachers_import_excel(actor=admin_a, school=school_a, upload=SimpleUploadedFile("a.xlsx", buf.getvalue()))
    assert exc.value.field == "file"
    assert not Job.objects.exists()


def test_a_non_excel_file_is_refused(admin_a, school_a):
    with pytest.raises(AccountError, match="xlsx"):
        services.teachers_import_excel(actor=admin_a, school=school_a, upload=SimpleUploadedFile("a.csv", b"a,b"))
    with pytest.raises(AccountError, match="无法读取"):
        services.teachers_import_excel(actor=admin_a, school=school_a, upload=SimpleUploadedFile("a.xlsx", b"nope"))


def test_import_into_another_school_is_refused(admin_a, school_b):
    with pytest.raises(AccountError):
        services.teachers_import_excel(actor=admin_a, school=school_b, upload=_workbook([_row(1)]))
    assert not Job.objects.exists()


def test_initial_passwords_are_handed_out_once(admin_a, school_a, admin_b, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.teachers_import_excel(actor=admin_a, school=school_a, upload=_workbook([_row(1)]))
    job.refresh_from_db()
    with pytest.raises(AccountError):
        imports.take_initial_passwords(job=job, user=admin_b)
    rows = imports.take_initial_passwords(job=job, user=admin_a)
    user = User.objects.get(username=rows[0]["username"])
    assert user.check_password(rows[0]["password"]) and user.must_change_password
    job.refresh_from_db()
    assert "passwords" not in job.result
    with pytest.raises(AccountError, match="仅可下载一次"):
        imports.take_initial_passwords(job=job, user=admin_a)


def test_running_a_finished_job_again_does_nothing(admin_a, school_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.teachers_import_excel(actor=admin_a, school=school_a, upload=_workbook([_row(1)]))
    imports.teachers_import_run(job_id=job.pk)
    assert TeacherProfile.objects.count() == 1


def test_template_has_the_headers_the_import_reads():
    wb = load_workbook(io.BytesIO(imports.template_workbook()))
    headers = [c.value for c in wb.worksheets[0][1]]
    assert headers == HEADER
    assert "填写说明" in wb.sheetnames

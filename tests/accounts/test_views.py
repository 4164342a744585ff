"""Pages: scope (404 outside it, nothing changes), lists, forms with errors in place."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from accounts.models import AccountEvent, AccountStatus, Job, ProfileChangeRequest, TeacherProfile
from tests.factories import TeacherProfileFactory, make_id_number

MANAGE_URLS = ["teacher_detail", "teacher_edit", "teacher_deactivate", "teacher_transfer"]


def _snapshot(profile):
    profile.refresh_from_db()
    profile.user.refresh_from_db()
    return (profile.name, profile.school_id, profile.status, profile.user.is_active, profile.updated_at)


CASES = [(name, method) for name in MANAGE_URLS for method in ("get", "post")] + [
    ("teacher_reactivate", "post"), ("teacher_reset_password", "post"), ("account_approve", "post"),
    ("account_reject", "post")]


@pytest.mark.parametrize("name,method", CASES)
def test_school_admin_of_a_gets_404_for_school_b_teachers_and_nothing_changes(
        client, admin_a, teacher_b, school_a, name, method):
    before = _snapshot(teacher_b)
    client.force_login(admin_a)
    data = {"name": "改", "gender": "male", "id_number": teacher_b.id_number, "stage": "primary", "title": "none",
            "kind": "离职", "to_school": school_a.pk}
    response = getattr(client, method)(reverse(f"accounts:{name}", args=[teacher_b.pk]), data)
    assert response.status_code == 404
    assert _snapshot(teacher_b) == before
    assert not AccountEvent.objects.filter(user=teacher_b.user).exists()


def test_school_admin_of_a_gets_404_for_a_same_district_school(client, admin_a, teacher_a2):
    client.force_login(admin_a)
    assert client.get(reverse("accounts:teacher_detail", args=[teacher_a2.pk])).status_code == 404


def test_leader_sees_but_cannot_manage(client, leader_a, teacher_a):
    client.force_login(leader_a)
    detail = client.get(reverse("accounts:teacher_detail", args=[teacher_a.pk]))
    assert detail.status_code == 200 and teacher_a.masked_id_number in detail.content.decode()
    assert client.post(reverse("accounts:teacher_deactivate", args=[teacher_a.pk]), {"kind": "离职"}).status_code == 403
    teacher_a.refresh_from_db()
    assert teacher_a.status == AccountStatus.APPROVED


def test_teacher_list_shows_only_the_admins_school(client, admin_a, teacher_a, teacher_a2, teacher_b):
    client.force_login(admin_a)
    page = client.get(reverse("accounts:teacher_list")).content.decode()
    assert "甲老师" in page and "甲二老师" not in page and "乙老师" not in page


def test_district_admin_sees_only_their_district(client, district_admin_a, teacher_a, teacher_a2, teacher_b,
                                                 city_teacher):
    client.force_login(district_admin_a)
    page = client.get(reverse("accounts:teacher_list")).content.decode()
    assert "甲老师" in page and "甲二老师" in page
    assert "乙老师" not in page and "市直老师" not in page
    assert client.get(reverse("accounts:teacher_detail", args=[teacher_b.pk])).status_code == 404


def test_district_approval_queue_is_scoped(client, district_admin_a, pending_a, school_b, city_teacher):
    TeacherProfileFactory(school=school_b, name="乙待审", status=AccountStatus.PENDING)
    client.force_login(district_admin_a)
    page = client.get(reverse("accounts:account_approvals")).content.decode()
    assert "待审老师" in page and "乙待审" not in page and "市直老师" not in page


def test_city_staff_queue_holds_the_city_direct_schools(client, city, pending_a, city_teacher):
    client.force_login(city)
    page = client.get(reverse("accounts:account_approvals")).content.decode()
    assert "市直老师" in page and "待审老师" not in page


def test_teacher_list_search_filter_and_pagination(client, admin_a, school_a):
    for n in range(25):
        TeacherProfileFactory(school=school_a, name=f"批量{n:02d}", status=AccountStatus.APPROVED)
    TeacherProfileFactory(school=school_a, name="王待审", status=AccountStatus.PENDING)
    client.force_login(admin_a)
    url = reverse("accounts:teacher_list")
    first = client.get(url)
    assert first.context["page_obj"].paginator.count == 26 and len(first.context["page_obj"]) == 20
    assert "第 1 / 2 页" in first.content.decode()
    assert [t.name for t in client.get(url, {"q": "王"}).context["page_obj"]] == ["王待审"]
    assert [t.name for t in client.get(url, {"status": "pending"}).context["page_obj"]] == ["王待审"]
    assert client.get(url, {"stage": "senior"}).context["page_obj"].paginator.count == 0


def test_plain_teacher_cannot_open_the_teacher_list(client, teacher_a):
    client.force_login(teacher_a.user)
    assert client.get(reverse("accounts:teacher_list")).status_code == 403


def test_add_teacher_form_shows_the_check_digit_error_in_place(client, admin_a):
    client.force_login(admin_a)
    good = make_id_number(55)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    response = client.post(reverse("accounts:teacher_add"), {
        "name": "错号", "gender": "male", "id_number": wrong, "stage": "primary", "title": "none"})
    assert response.status_code == 200
    assert "校验位错误" in str(response.context["form"].errors["id_number"])
    assert 'data-testid="error-id_number"' in response.content.decode()
    assert not TeacherProfile.objects.exists()


def test_add_teacher_shows_the_initial_password_once(client, admin_a, school_a):
    client.force_login(admin_a)
    response = client.post(reverse("accounts:teacher_add"), {
        "name": "新人", "gender": "male", "id_number": make_id_number(56), "stage": "primary", "title": "none"})
    profile = TeacherProfile.objects.get(name="新人")
    assert profile.status == AccountStatus.PENDING
    assert profile.user.check_password(response.context["password"])


def test_approve_and_reject_pages(client, district_admin_a, pending_a, school_a):
    other = TeacherProfileFactory(school=school_a, status=AccountStatus.PENDING)
    client.force_login(district_admin_a)
    client.post(reverse("accounts:account_approvals"), {"ids": [pending_a.pk]})
    response = client.post(reverse("accounts:account_reject", args=[other.pk]), {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    client.post(reverse("accounts:account_reject", args=[other.pk]), {"reason": "学段错误"})
    pending_a.refresh_from_db()
    other.refresh_from_db()
    assert (pending_a.status, other.status, other.status_reason) == ("approved", "rejected", "学段错误")


def test_profile_page_shows_the_full_id_number_to_the_teacher(client, teacher_a):
    client.force_login(teacher_a.user)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert teacher_a.id_number in page


def test_unapproved_teacher_sees_why_they_cannot_register(client, pending_a):
    client.force_login(pending_a.user)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "尚未通过区（市）县管理员审核" in page


def test_change_request_pages_flow(client, teacher_a, admin_a, district_admin_a, school_a):
    client.force_login(teacher_a.user)
    form = {"name": "甲改名", "gender": teacher_a.gender, "id_number": teacher_a.id_number, "stage": "primary",
            "subject": teacher_a.subject, "title": teacher_a.title, "school": school_a.pk, "note": "更名"}
    assert client.post(reverse("accounts:change_request_new"), form).status_code == 302
    req = ProfileChangeRequest.objects.get()
    assert req.changes == {"name": "甲改名"}
    client.force_login(admin_a)
    assert "甲改名" in client.get(reverse("accounts:change_requests")).content.decode()
    client.post(reverse("accounts:change_request_check", args=[req.pk]), {"decision": "approve"})
    client.force_login(district_admin_a)
    client.post(reverse("accounts:change_request_decide", args=[req.pk]), {"decision": "approve"})
    teacher_a.refresh_from_db()
    assert teacher_a.name == "甲改名"


def test_outsider_cannot_act_on_a_change_request(client, teacher_a, admin_b):
    from accounts import services

    req = services.change_request_submit(actor=teacher_a.user, profile=teacher_a, changes={"subject": "美术"})
    client.force_login(admin_b)
    response = client.post(reverse("accounts:change_request_check", args=[req.pk]), {"decision": "approve"})
    assert response.status_code == 404
    req.refresh_from_db()
    assert req.status == ProfileChangeRequest.Status.PENDING


def test_transfer_page(client, admin_a, teacher_a, school_b):
    client.force_login(admin_a)
    response = client.post(reverse("accounts:teacher_transfer", args=[teacher_a.pk]), {"to_school": school_b.pk})
    assert response.status_code == 302 and response.url == reverse("accounts:teacher_list")
    teacher_a.refresh_from_db()
    assert teacher_a.school == school_b


def _xlsx(rows):
    wb = Workbook()
    wb.active.append(["姓名", "性别", "身份证号", "学段"])
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("名单.xlsx", buf.getvalue())


@pytest.mark.django_db(transaction=True)
def test_import_page_runs_the_job_and_shows_the_report(client, admin_a):
    client.force_login(admin_a)
    good = make_id_number(61)
    response = client.post(reverse("accounts:teacher_import"), {"file": _xlsx([
        ["甲", "男", good, "小学"], ["乙", "女", good[:17] + ("0" if good[17] != "0" else "1"), "小学"]])})
    job = Job.objects.get()
    assert response.url == reverse("accounts:teacher_import_job", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert "新建 1 个账号" in page and "第 3 行" in page and "校验位错误" in page
    partial = client.get(response.url, HTTP_HX_REQUEST="true")
    assert partial.templates[0].name == "accounts/_import_report.html"
    download = client.post(reverse("accounts:teacher_import_passwords", args=[job.pk]))
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")


def test_someone_elses_import_job_is_404(client, admin_a, admin_b, school_a):
    job = Job.objects.create(kind="teacher_import", owner=admin_a, result={"school_id": school_a.pk})
    client.force_login(admin_b)
    assert client.get(reverse("accounts:teacher_import_job", args=[job.pk])).status_code == 404


def test_import_template_download(client, admin_a):
    client.force_login(admin_a)
    response = client.get(reverse("accounts:teacher_import_template"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]


def test_every_list_page_renders(client, admin_a, district_admin_a, teacher_a):
    client.force_login(admin_a)
    for name in ["teacher_list", "teacher_add", "teacher_import", "change_requests", "profile"]:
        assert client.get(reverse(f"accounts:{name}")).status_code == 200, name
    client.force_login(district_admin_a)
    assert client.get(reverse("accounts:account_approvals")).status_code == 200
    for name in ["teacher_detail", "teacher_edit", "teacher_transfer", "teacher_deactivate"]:
        assert client.get(reverse(f"accounts:{name}", args=[teacher_a.pk])).status_code == 200, name


def test_running_import_page_polls_its_progress(client, admin_a, school_a):
    job = Job.objects.create(kind="teacher_import", owner=admin_a, status=Job.Status.RUNNING, total=50, done=20,
                             result={"school_id": school_a.pk, "school": "甲一小", "filename": "名单.xlsx"})
    client.force_login(admin_a)
    page = client.get(reverse("accounts:teacher_import_job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="40"' in page and "20/50" in page
    job.status = Job.Status.DONE
    job.result.update(created=50, skipped=0, failed=0, errors=[])
    job.save()
    partial = client.get(reverse("accounts:teacher_import_job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial and "新建 50 个账号" in partial

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import Job, Notification
from credits.models import CreditEntry, EntryStatus
from reviews.models import ReviewAppointment, Roster
from reviews.services import entry_version
from tests.factories import CreditEntryFactory, SchoolFactory, TeacherProfileFactory
from tests.web.conftest import login

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def entry(world, status=EntryStatus.SUBMITTED, teacher=None, **kw):
    kw.setdefault("item", world.item("school_based_training"))
    kw.setdefault("quantity_claimed", Decimal("10"))
    kw.setdefault("credits", Decimal("5"))
    return CreditEntryFactory(teacher=teacher or world.teacher, academic_year=world.year, status=status,
                              started_on=datetime.date(2018, 4, 20), **kw)


def review(client, e, step, **data):
    # As the page's form sends it: with the entry's version as shown (issue 9).
    data.setdefault("version", entry_version(e))
    return client.post(reverse("reviews:entry_review", args=[e.pk, step]), {f"{step}-{k}": v for k, v in data.items()})


def test_queue_lists_the_schools_submitted_entries_with_filters(world, client):
    mine = entry(world, title="本校的")
    other_school = TeacherProfileFactory(school=SchoolFactory(district=world.district))
    entry(world, teacher=other_school, title="别校的")
    entry(world, status=EntryStatus.SCHOOL_VERIFIED, title="已初审的")
    login(client, world.school_admin)
    html = client.get(reverse("reviews:queue", args=["school_review"])).content.decode()
    assert "本校的" in html and "别校的" not in html and "已初审的" not in html
    html = client.get(reverse("reviews:queue", args=["school_review"]), {"q": "不存在"}).content.decode()
    assert "本校的" not in html
    html = client.get(reverse("reviews:queue", args=["school_review"]), {"category": "flexible"}).content.decode()
    assert f'data-entry="{mine.pk}"' in html


def test_approve_moves_the_entry_on(world, client):
    e = entry(world)
    login(client, world.school_admin)
    response = review(client, e, "school_review", decision="approve")
    assert response.status_code == 302
    e.refresh_from_db()
    assert e.status == EntryStatus.SCHOOL_VERIFIED


def test_approve_fewer_records_the_approved_quantity(world, client):
    e = entry(world)
    login(client, world.school_admin)
    review(client, e, "school_review", decision="approve_fewer", quantity_approved="6", comment="只核 6 学时")
    e.refresh_from_db()
    assert e.status == EntryStatus.SCHOOL_VERIFIED and e.quantity_approved == Decimal("6")


def test_approve_fewer_needs_fewer_units_shown_in_place(world, client):
    e = entry(world)
    login(client, world.school_admin)
    response = review(client, e, "school_review", decision="approve_fewer", quantity_approved="12")
    assert response.status_code == 400 and 'data-testid="error-school_review-quantity_approved"' in response.content.decode()
    e.refresh_from_db()
    assert e.status == EntryStatus.SUBMITTED and e.quantity_approved is None


def test_reject_needs_a_reason_and_changes_nothing_without_one(world, client):
    e = entry(world)
    login(client, world.school_admin)
    response = review(client, e, "school_review", decision="reject", comment="")
    assert response.status_code == 400 and "请填写理由" in response.content.decode()
    e.refresh_from_db()
    assert e.status == EntryStatus.SUBMITTED


def test_reject_with_reason_goes_back_to_the_teacher(world, client):
    e = entry(world)
    login(client, world.school_admin)
    review(client, e, "school_review", decision="reject", comment="学时证明缺公章")
    e.refresh_from_db()
    assert e.status == EntryStatus.REJECTED and e.last_comment == "学时证明缺公章"
    assert Notification.objects.filter(recipient=world.teacher.user).exists()


def test_a_teacher_cannot_review_and_nothing_changes(world, client):
    other = TeacherProfileFactory(school=world.school)
    e = entry(world, teacher=other)
    login(client, world.teacher.user)
    assert review(client, e, "school_review", decision="approve").status_code == 404
    assert client.get(reverse("reviews:queue", args=["school_review"])).status_code == 403
    e.refresh_from_db()
    assert e.status == EntryStatus.SUBMITTED


def test_a_refused_review_shows_the_services_message(world, client):
    e = entry(world)
    login(client, world.leader)  # the leader signs after the admin, not before
    response = review(client, e, "leader_sign", decision="approve")
    assert response.status_code == 302
    e.refresh_from_db()
    assert e.status == EntryStatus.SUBMITTED
    page = client.get(response.url).content.decode()
    assert "msg error" in page


def test_bulk_approve_runs_as_a_job_with_a_progress_bar(world, client, django_capture_on_commit_callbacks):
    entries = [entry(world, teacher=TeacherProfileFactory(school=world.school)) for _ in range(3)]
    login(client, world.school_admin)
    url = reverse("reviews:queue", args=["school_review"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"entry_ids": [e.pk for e in entries[:2]],
                                     **{f"version_{e.pk}": entry_version(e) for e in entries[:2]}})
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == f"{url}?job={job.pk}"
    html = client.get(response.url).content.decode()
    assert 'data-testid="bulk-job"' in html and "<progress" in html
    assert [CreditEntry.objects.get(pk=e.pk).status for e in entries] == [
        EntryStatus.SCHOOL_VERIFIED, EntryStatus.SCHOOL_VERIFIED, EntryStatus.SUBMITTED]


def test_bulk_approve_ignores_entries_outside_the_queue(world, client):
    outside = entry(world, teacher=TeacherProfileFactory(school=SchoolFactory(district=world.district)))
    login(client, world.school_admin)
    client.post(reverse("reviews:queue", args=["school_review"]), {"entry_ids": [outside.pk]})
    outside.refresh_from_db()
    assert outside.status == EntryStatus.SUBMITTED and not Job.objects.exists()


def test_district_review_happens_in_its_window(world, client, clock):
    e = entry(world, status=EntryStatus.SCHOOL_APPROVED)
    login(client, world.district_admin)
    clock.set(datetime.date(2018, 9, 15))
    review(client, e, "district_review", decision="approve")
    e.refresh_from_db()
    assert e.status == EntryStatus.DISTRICT_REVIEWED


def test_school_admin_registers_a_regulated_item_for_a_teacher(world, client):
    item = world.item("title_exam")
    login(client, world.school_admin)
    html = client.get(reverse("reviews:admin_register")).content.decode()
    assert "李老师" in html and "晋升职称考试" in html
    client.post(reverse("reviews:admin_register"), {
        "teacher": world.teacher.pk, "item": item.pk, "title": "计算机应用能力考试", "organizer": "人社局",
        "started_on": "2018-04-01", "quantity": "1", "certificate_no": "JSJ2018-01",
        "evidence": SimpleUploadedFile("合格证.pdf", PDF, content_type="application/pdf")})
    e = CreditEntry.objects.get()
    assert e.teacher == world.teacher and e.credits == Decimal("20")


def test_admin_register_offers_only_teachers_of_the_admins_school(world, client):
    TeacherProfileFactory(school=SchoolFactory(district=world.district), name="外校老师")
    login(client, world.school_admin)
    html = client.get(reverse("reviews:admin_register")).content.decode()
    assert "外校老师" not in html


@pytest.fixture
def compliance_world(world):
    ok = TeacherProfileFactory(school=world.school, name="达标老师")
    entry(world, teacher=ok, status=EntryStatus.DISTRICT_REVIEWED, item=world.item("admin_training"),
          quantity_claimed=Decimal("60"), credits=Decimal("60"))
    entry(world, teacher=ok, status=EntryStatus.DISTRICT_REVIEWED, quantity_claimed=Decimal("60"), credits=Decimal("30"))
    entry(world, status=EntryStatus.DISTRICT_REVIEWED, quantity_claimed=Decimal("20"), credits=Decimal("10"))
    return world


def test_compliance_table_marks_who_is_under(compliance_world, client):
    login(client, compliance_world.school_admin)
    html = client.get(reverse("reports:compliance")).content.decode()
    assert "达标老师" in html and "李老师" in html
    assert 'data-testid="under-count">1<' in html
    html = client.get(reverse("reports:compliance"), {"only": "under"}).content.decode()
    assert "李老师" in html and "达标老师" not in html


def test_compliance_table_sorts(compliance_world, client):
    login(client, compliance_world.school_admin)
    html = client.get(reverse("reports:compliance"), {"sort": "-total"}).content.decode()
    assert html.index("达标老师") < html.index("李老师")
    html = client.get(reverse("reports:compliance"), {"sort": "total"}).content.decode()
    assert html.index("李老师") < html.index("达标老师")


def test_compliance_exports_to_excel(compliance_world, client):
    login(client, compliance_world.school_admin)
    response = client.get(reverse("reports:compliance"), {"format": "xlsx", "sort": "name"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = {r[2]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    assert rows["达标老师"][7] == 90 and rows["达标老师"][8] == "是"
    assert rows["李老师"][6] == 10 and rows["李老师"][8] == "否" and "灵活性14" in rows["李老师"][9]


def test_compliance_export_writes_a_formula_like_name_as_text(compliance_world, client):
    from accounts.models import TeacherProfile

    TeacherProfile.objects.filter(name="李老师").update(name='=HYPERLINK("http://x.cn","点我")')
    login(client, compliance_world.school_admin)
    response = client.get(reverse("reports:compliance"), {"format": "xlsx", "sort": "name"})
    ws = load_workbook(io.BytesIO(response.content)).active
    cell = next(c for row in ws.iter_rows(min_row=3) for c in row if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s" and cell.quotePrefix


def test_schedule_shows_the_districts_appointments_only(world, client):
    ReviewAppointment.objects.create(academic_year=world.year, school=world.school, group="高中", sequence=2,
                                     date=datetime.date(2018, 9, 11))
    ReviewAppointment.objects.create(academic_year=world.year, school=SchoolFactory(name="别区学校"), group="高中",
                                     sequence=1, date=datetime.date(2018, 9, 12))
    login(client, world.district_admin)
    html = client.get(reverse("reviews:schedule")).content.decode()
    assert "棠湖中学" in html and "2018年9月11日" in html and "别区学校" not in html


def test_dashboard_gives_the_share_compliant_per_school(compliance_world, client):
    login(client, compliance_world.district_admin)
    response = client.get(reverse("reports:dashboard"))
    areas = response.context["areas"]
    row = next(r for r in areas if r["label"] == "棠湖中学")
    assert row["teachers"] == 2 and row["ok"] == 1 and row["share"] == 50.0
    assert 'id="chart-data"' in response.content.decode()


def test_city_dashboard_is_per_district(compliance_world, client):
    login(client, compliance_world.city)
    labels = [r["label"] for r in client.get(reverse("reports:dashboard")).context["areas"]]
    assert "双流区" in labels


def test_school_admin_has_no_dashboard(world, client):
    login(client, world.school_admin)
    assert client.get(reverse("reports:dashboard")).status_code == 403


def _roster_xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["成都市2017-2018校本研修参培人员花名册"])
    ws.append(["区 学校（公章）"])
    ws.append(["序号", "学校", "账号", "姓名", "学科", "学段", "学时", "学分"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("花名册.xlsx", buf.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def test_base_school_uploads_a_roster_and_sees_the_row_report(world, client):
    login(client, world.base_admin)
    response = client.post(reverse("reviews:rosters"), {
        "plan_file": SimpleUploadedFile("计划.pdf", PDF, content_type="application/pdf"),
        "summary_file": SimpleUploadedFile("总结.pdf", PDF, content_type="application/pdf"),
        "roster_file": _roster_xlsx([[1, "棠湖中学", "teacher", "李老师", "语文", "高中", 20, 20],
                                     [2, "棠湖中学", "nobody", "无此人", "数学", "高中", 20, 20]]),
    })
    roster = Roster.objects.get()
    assert response.status_code == 302 and response.url == reverse("reviews:roster_detail", args=[roster.pk])
    html = client.get(response.url).content.decode()
    assert roster.row_count == 2 and roster.error_count == 1
    assert 'data-testid="roster-errors">1<' in html and "无此人" in html


def test_roster_upload_needs_an_excel_file_shown_in_place(world, client):
    login(client, world.base_admin)
    response = client.post(reverse("reviews:rosters"), {
        "plan_file": SimpleUploadedFile("计划.pdf", PDF), "summary_file": SimpleUploadedFile("总结.pdf", PDF),
        "roster_file": SimpleUploadedFile("花名册.pdf", PDF)})
    assert 'data-testid="error-roster_file"' in response.content.decode() and not Roster.objects.exists()


def test_district_reviews_a_roster(world, client):
    login(client, world.base_admin)
    client.post(reverse("reviews:rosters"), {
        "plan_file": SimpleUploadedFile("计划.pdf", PDF), "summary_file": SimpleUploadedFile("总结.pdf", PDF),
        "roster_file": _roster_xlsx([[1, "棠湖中学", "teacher", "李老师", "语文", "高中", 20, 20]])})
    roster = Roster.objects.get()
    login(client, world.district_admin)
    assert "提交审核" in client.get(reverse("reviews:roster_detail", args=[roster.pk])).content.decode()
    client.post(reverse("reviews:roster_detail", args=[roster.pk]), {"approve": "1"})
    roster.refresh_from_db()
    assert roster.status == "approved"
    assert CreditEntry.objects.filter(teacher=world.teacher, source="roster").exists()


def test_city_staff_do_the_district_step_for_city_schools_only(world, client):
    city_teacher = TeacherProfileFactory(school=world.city_school, name="七中老师")
    entry(world, teacher=city_teacher, status=EntryStatus.SCHOOL_APPROVED)
    entry(world, status=EntryStatus.SCHOOL_APPROVED)  # 双流区: the district's, not the city's
    login(client, world.city)
    html = client.get(reverse("reviews:queue", args=["district_review"])).content.decode()
    assert "七中老师" in html and "李老师" not in html
    login(client, world.district_admin)
    html = client.get(reverse("reviews:queue", args=["district_review"])).content.decode()
    assert "李老师" in html and "七中老师" not in html


def test_school_admin_verifies_a_lower_level_with_a_reason(world, client):
    item = world.item("publication")
    high, low = item.options[0]["key"], item.options[-1]["key"]
    e = entry(world, item=item, option=high, quantity_claimed=Decimal("1"), credits=Decimal("20"))
    login(client, world.school_admin)
    response = review(client, e, "school_review", decision="approve", option=low, comment="")
    assert response.status_code == 400 and "改变等级" in response.content.decode()
    e.refresh_from_db()
    assert e.option == high and e.status == EntryStatus.SUBMITTED
    review(client, e, "school_review", decision="approve", option=low, comment="刊物为校级内刊")
    e.refresh_from_db()
    assert e.option == low and e.status == EntryStatus.SCHOOL_VERIFIED


@pytest.mark.parametrize("name,who", [
    ("reviews:form2", "teacher"), ("reports:compliance", "school_admin"), ("reviews:schedule", "district_admin"),
    ("reports:dashboard", "district_admin"),
])
def test_a_year_that_is_not_a_number_is_404_not_a_server_error(world, client, name, who):
    login(client, world.teacher.user if who == "teacher" else getattr(world, who))
    for raw in ("abc", "99999999999", "²⁰¹⁷"):  # '²'.isdigit() is True, int('²') fails
        assert client.get(reverse(name), {"year": raw}).status_code == 404


def test_a_job_id_that_is_not_a_number_is_ignored_not_a_server_error(world, client):
    login(client, world.school_admin)
    for raw in ("abc", "²"):
        assert client.get(reverse("reviews:queue", args=["school_review"]), {"job": raw}).status_code == 200


def test_bulk_approval_with_a_non_ascii_digit_id_is_refused_not_a_server_error(world, client):
    login(client, world.school_admin)
    response = client.post(reverse("reviews:queue", args=["school_review"]), {"entry_ids": ["²"]})
    assert response.status_code == 200 and not Job.objects.exists()

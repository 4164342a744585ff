from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from credits.models import CreditEntry, EntryStatus
from reviews.services import entry_version
from tests.factories import CreditEntryFactory, SchoolFactory, TeacherProfileFactory, UserFactory, grant
from tests.web.conftest import login

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def teacher(world, client):
    login(client, world.teacher.user)
    return client


def test_home_shows_bars_against_72_48_24_and_360(world, teacher):
    CreditEntryFactory(teacher=world.teacher, academic_year=world.year, item=world.item("school_based_training"),
                       quantity_claimed=20, credits=10, status=EntryStatus.DISTRICT_REVIEWED)
    html = teacher.get(reverse("home")).content.decode()
    assert 'data-testid="value-flexible">10<' in html and "/ 24 学分" in html
    assert "/ 72 学分" in html and "/ 48 学分" in html and "/ 360 学分" in html
    assert "灵活性 14 学分" in html  # what is still missing


def test_home_does_not_count_entries_still_in_review(world, teacher):
    CreditEntryFactory(teacher=world.teacher, academic_year=world.year, item=world.item("school_based_training"),
                       quantity_claimed=20, credits=10, status=EntryStatus.SCHOOL_APPROVED)
    html = teacher.get(reverse("home")).content.decode()
    assert 'data-testid="value-flexible">0<' in html


def test_home_lists_the_deadlines_ahead(world, teacher):
    html = teacher.get(reverse("home")).content.decode()
    assert "2018年7月31日" in html and "本学年学分登记截止" in html


def test_register_form_shows_field_errors_in_place_and_creates_nothing(world, teacher):
    response = teacher.post(reverse("reviews:entry_register"), {"item": "", "title": "", "quantity": "-1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="error-item"' in html and 'data-testid="error-title"' in html
    assert 'data-testid="error-started_on"' in html and 'data-testid="error-quantity"' in html
    assert not CreditEntry.objects.exists()


def test_register_creates_a_submitted_entry_with_the_engine_value(world, teacher):
    item = world.item("school_based_training")
    response = teacher.post(reverse("reviews:entry_register"), {
        "item": item.pk, "title": "校本研修", "started_on": "2018-04-20", "quantity": "10"})
    entry = CreditEntry.objects.get()
    assert response.status_code == 302 and response.url == reverse("reviews:entry_detail", args=[entry.pk])
    assert entry.status == EntryStatus.SUBMITTED and entry.credits == Decimal("5")


def test_a_refusal_of_the_service_shows_as_a_form_error(world, teacher):
    # 8月1日 and later counts in the next 学年, whose registration is not open on 2018-05-10.
    item = world.item("school_based_training")
    response = teacher.post(reverse("reviews:entry_register"), {
        "item": item.pk, "title": "暑期研修", "started_on": "2030-08-02", "quantity": "10"})
    assert response.status_code == 200 and 'class="errorlist nonfield"' in response.content.decode()
    assert not CreditEntry.objects.exists()


def test_choosing_an_item_with_options_re_renders_the_fields_with_them(world, teacher):
    item = world.item("publication")
    response = teacher.get(reverse("reviews:entry_register"), {"item": item.pk, "partial": "fields"},
                           HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert 'name="option"' in html and "<select" in html and item.options[0]["label"] in html
    assert reverse("credits:preview") in html


def test_only_self_registration_items_are_offered(world, teacher):
    html = teacher.get(reverse("reviews:entry_register")).content.decode()
    assert "校本培训" in html and "普通话测试" not in html and "继教网视频课程学习" not in html


def test_declaring_a_centralized_training_needs_proof(world, teacher):
    item = world.item("admin_training")
    data = {"item": item.pk, "title": "区级骨干教师培训", "organizer": "双流区教师培训中心",
            "started_on": "2018-04-02", "ended_on": "2018-04-03", "quantity": "16"}
    response = teacher.post(reverse("reviews:entry_declare"), data)
    assert 'data-testid="error-evidence"' in response.content.decode()
    assert not CreditEntry.objects.exists()
    data["evidence"] = SimpleUploadedFile("学时证明.pdf", PDF, content_type="application/pdf")
    teacher.post(reverse("reviews:entry_declare"), data)
    entry = CreditEntry.objects.get()
    assert entry.credits == Decimal("16") and entry.evidence.count() == 1


def test_proof_is_downloadable_by_the_teacher_not_by_another(world, teacher, client):
    item = world.item("admin_training")
    teacher.post(reverse("reviews:entry_declare"), {
        "item": item.pk, "title": "培训", "organizer": "区培训中心", "started_on": "2018-04-02", "quantity": "4",
        "evidence": SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf")})
    evidence = CreditEntry.objects.get().evidence.get()
    assert teacher.get(reverse("reviews:evidence_download", args=[evidence.pk])).status_code == 200
    other = TeacherProfileFactory(school=world.school)
    login(teacher, other.user)
    assert teacher.get(reverse("reviews:evidence_download", args=[evidence.pk])).status_code == 404


def test_entries_list_filters_by_status_and_searches(world, teacher):
    flex = world.item("school_based_training")
    CreditEntryFactory(teacher=world.teacher, academic_year=world.year, item=flex, title="阅读研修", status=EntryStatus.SUBMITTED)
    CreditEntryFactory(teacher=world.teacher, academic_year=world.year, item=flex, title="作文研修", status=EntryStatus.REJECTED)
    html = teacher.get(reverse("reviews:my_entries"), {"status": "rejected"}).content.decode()
    assert "作文研修" in html and "阅读研修" not in html
    html = teacher.get(reverse("reviews:my_entries"), {"q": "阅读"}).content.decode()
    assert "阅读研修" in html and "作文研修" not in html


def test_entries_list_shows_only_the_teachers_own(world, teacher):
    other = TeacherProfileFactory(school=world.school)
    CreditEntryFactory(teacher=other, academic_year=world.year, title="别人的登记")
    assert "别人的登记" not in teacher.get(reverse("reviews:my_entries")).content.decode()


def test_entry_detail_shows_history(world, teacher):
    item = world.item("school_based_training")
    teacher.post(reverse("reviews:entry_register"), {"item": item.pk, "title": "研修", "started_on": "2018-04-20", "quantity": "4"})
    entry = CreditEntry.objects.get()
    html = teacher.get(reverse("reviews:entry_detail", args=[entry.pk])).content.decode()
    assert "教师自主登记" in html and "撤回" in html


def test_withdraw_from_the_detail_page(world, teacher):
    item = world.item("school_based_training")
    teacher.post(reverse("reviews:entry_register"), {"item": item.pk, "title": "研修", "started_on": "2018-04-20", "quantity": "4"})
    entry = CreditEntry.objects.get()
    teacher.post(reverse("reviews:entry_withdraw", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WITHDRAWN


def test_form2_prints_the_years_flexible_entries_and_total(world, teacher):
    flex = world.item("school_based_training")
    CreditEntryFactory(teacher=world.teacher, academic_year=world.year, item=flex, title="整本书阅读研修",
                       quantity_claimed=20, credits=10, status=EntryStatus.DISTRICT_REVIEWED)
    CreditEntryFactory(teacher=world.teacher, academic_year=world.year, item=world.item("admin_training"),
                       title="规范性的不在表上", status=EntryStatus.DISTRICT_REVIEWED)
    html = teacher.get(reverse("reviews:form2")).content.decode()
    assert "2017～2018学年度成都市教师灵活性培训学分登记表" in html
    assert "整本书阅读研修" in html and "规范性的不在表上" not in html
    assert 'data-testid="form2-total">10<' in html
    assert "分管校长（签字）" in html and "data-print" in html


def test_teacher_pages_refuse_a_user_without_a_teacher_profile(world, client):
    login(client, world.district_admin)
    assert client.get(reverse("reviews:entry_register")).status_code == 403
    assert client.get(reverse("reviews:form2")).status_code == 403


def test_a_returned_entry_is_corrected_and_resubmitted(world, teacher, client):
    item = world.item("school_based_training")
    teacher.post(reverse("reviews:entry_register"), {"item": item.pk, "title": "研修", "started_on": "2018-04-20", "quantity": "4"})
    entry = CreditEntry.objects.get()
    login(client, world.school_admin)
    client.post(reverse("reviews:entry_review", args=[entry.pk, "school_review"]),
                {"school_review-decision": "return", "school_review-comment": "请补充学时证明",
                 "school_review-version": entry_version(entry)})
    login(client, world.teacher.user)
    html = client.get(reverse("reviews:entry_detail", args=[entry.pk])).content.decode()
    assert 'data-testid="resubmit"' in html
    html = client.get(reverse("reviews:entry_edit", args=[entry.pk])).content.decode()
    assert "请补充学时证明" in html
    client.post(reverse("reviews:entry_edit", args=[entry.pk]),
                {"title": "研修（补充）", "started_on": "2018-04-20", "quantity": "6"})
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED and entry.title == "研修（补充）" and entry.credits == Decimal("3")


def test_an_entry_in_review_cannot_be_edited(world, teacher):
    e = CreditEntryFactory(teacher=world.teacher, academic_year=world.year, item=world.item("school_based_training"),
                           status=EntryStatus.SCHOOL_VERIFIED, title="原标题")
    assert teacher.get(reverse("reviews:entry_edit", args=[e.pk])).status_code == 403
    teacher.post(reverse("reviews:entry_edit", args=[e.pk]), {"title": "改了", "started_on": "2018-04-20", "quantity": "6"})
    e.refresh_from_db()
    assert e.title == "原标题"


def test_the_edit_page_tells_the_preview_which_entry_is_being_corrected(world, teacher):
    """Otherwise the preview pools the entry's stored version with its correction (a cap looks reached)."""
    e = CreditEntryFactory(teacher=world.teacher, academic_year=world.year, item=world.item("school_based_training"),
                           status=EntryStatus.SUBMITTED, title="原标题")
    html = teacher.get(reverse("reviews:entry_edit", args=[e.pk])).content.decode()
    assert f'<input type="hidden" name="entry" value="{e.pk}">' in html


def test_a_proof_whose_file_is_missing_is_404_not_a_server_error(world, teacher):
    item = world.item("admin_training")
    teacher.post(reverse("reviews:entry_declare"), {
        "item": item.pk, "title": "培训", "organizer": "区培训中心", "started_on": "2018-04-02", "quantity": "4",
        "evidence": SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf")})
    evidence = CreditEntry.objects.get().evidence.get()
    evidence.file.storage.delete(evidence.file.name)
    assert teacher.get(reverse("reviews:evidence_download", args=[evidence.pk])).status_code == 404


def test_proof_download_pages_of_another_school_are_404(world, teacher, client):
    item = world.item("admin_training")
    teacher.post(reverse("reviews:entry_declare"), {
        "item": item.pk, "title": "培训", "organizer": "区培训中心", "started_on": "2018-04-02", "quantity": "4",
        "evidence": SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf")})
    evidence = CreditEntry.objects.get().evidence.get()
    other_school_admin = grant(UserFactory(), "school_admin", school=SchoolFactory(district=world.school.district))
    login(client, other_school_admin)
    assert client.get(reverse("reviews:evidence_download", args=[evidence.pk])).status_code == 404


def test_my_entries_shows_what_a_yearly_cap_cut(world, teacher):
    """Issue 3: what a cap cuts stays visible as "over cap" — 30 hours of 微课 are 10 credits, 8 count."""
    CreditEntryFactory(teacher=world.teacher, academic_year=world.year, item=world.item("micro_course"),
                       quantity_claimed=30, credits=10, status=EntryStatus.CONFIRMED, title="微课")
    html = teacher.get(reverse("reviews:my_entries")).content.decode()
    assert 'data-testid="over-cap"' in html
    assert "“微师培专项培训”微课学习观课" in html and 'data-testid="over-cap-micro_course">2<' in html


def test_my_entries_shows_no_cap_notice_when_nothing_is_cut(world, teacher):
    CreditEntryFactory(teacher=world.teacher, academic_year=world.year, item=world.item("micro_course"),
                       quantity_claimed=9, credits=3, status=EntryStatus.CONFIRMED, title="微课")
    assert 'data-testid="over-cap"' not in teacher.get(reverse("reviews:my_entries")).content.decode()

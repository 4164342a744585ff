"""Issue 14: the 灵活性 self-registration form says "登记依据：学时证明" and takes the proof there —
optional or required as catalogue data (CreditItem.evidence_required) — with the same checks by
content, size and type as a declaration's; the detail page shows the file (images inline)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from credits.models import CreditEntry
from reviews.models import EntryTransition, Evidence
from tests.web.conftest import login

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% hours certificate\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def teacher(world, client):
    login(client, world.teacher.user)
    return client


def _written():
    return CreditEntry.objects.count(), Evidence.objects.count(), EntryTransition.objects.count()


def _post(teacher, item, **files):
    return teacher.post(reverse("reviews:entry_register"), {
        "item": item.pk, "title": "语文组校本研修", "started_on": "2018-04-20", "quantity": "10", **files})


def test_the_form_asks_for_the_items_proof_where_it_names_it(world, teacher):
    item = world.item("school_based_training")
    html = teacher.get(reverse("reviews:entry_register"), {"item": item.pk}).content.decode()
    assert 'type="file"' in html and 'name="evidence"' in html
    assert "登记依据：学时证明（可上传扫描件或照片" in html


def test_a_proof_file_becomes_the_entrys_evidence_and_the_page_shows_it(world, teacher):
    item = world.item("school_based_training")
    response = _post(teacher, item, evidence=[SimpleUploadedFile("学时证明.pdf", PDF),
                                              SimpleUploadedFile("签到表.png", PNG)])
    entry = CreditEntry.objects.get()
    assert response.status_code == 302
    files = list(entry.evidence.order_by("original_name"))
    assert [(e.original_name, e.content_type) for e in files] == [("学时证明.pdf", "application/pdf"),
                                                                   ("签到表.png", "image/png")]
    assert files[0].uploaded_by == world.teacher.user
    html = teacher.get(reverse("reviews:entry_detail", args=[entry.pk])).content.decode()
    assert "学时证明.pdf" in html and "无证明材料" not in html
    assert 'class="evidence-thumb"' in html  # the image shows inline
    download = teacher.get(reverse("reviews:evidence_download", args=[files[0].pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_without_a_file_the_entry_is_registered_and_the_page_says_who_checks_the_original(world, teacher):
    item = world.item("school_based_training")
    assert _post(teacher, item).status_code == 302
    entry = CreditEntry.objects.get()
    html = teacher.get(reverse("reviews:entry_detail", args=[entry.pk])).content.decode()
    assert "登记依据（学时证明）的原件由校管理员核对" in html
    assert reverse("reviews:entry_edit", args=[entry.pk]) in html


def test_a_file_that_is_not_what_its_name_says_is_refused_and_nothing_is_written(world, teacher):
    item = world.item("school_based_training")
    before = _written()
    response = _post(teacher, item, evidence=[SimpleUploadedFile("学时证明.pdf", b"just some text")])
    assert response.status_code == 200
    assert "不是 PDF、JPG 或 PNG 文件" in response.content.decode()
    assert _written() == before


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_written(world, teacher, settings):
    settings.EVIDENCE_MAX_BYTES = 32
    item = world.item("school_based_training")
    before = _written()
    response = _post(teacher, item, evidence=[SimpleUploadedFile("学时证明.pdf", PDF + b"%" * 64)])
    assert "超过大小限制" in response.content.decode()
    assert _written() == before


def test_an_item_whose_catalogue_requires_the_proof_refuses_without_it(world, teacher):
    from reviews import services as S
    from reviews.errors import TransitionError

    item = world.item("school_based_training")
    item.evidence_required = True
    item.save(update_fields=["evidence_required"])
    html = teacher.get(reverse("reviews:entry_register"), {"item": item.pk}).content.decode()
    assert "登记依据：学时证明（须上传" in html
    before = _written()
    response = _post(teacher, item)
    assert response.status_code == 200 and "请上传证明材料" in response.content.decode()
    assert _written() == before
    # The service refuses it too (the API and any other caller).
    with pytest.raises(TransitionError) as exc:
        S.entry_declare(teacher_user=world.teacher.user, item=item, title="研修", started_on=world.year.starts,
                        quantity="4")
    assert "须上传登记依据（学时证明）" in exc.value.message
    assert _written() == before

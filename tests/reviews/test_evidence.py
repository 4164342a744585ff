"""Proof files: type by content, size limit, random names, no swapping after review."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reviews import services as S
from reviews.errors import TransitionError
from reviews.models import Evidence
from reviews.selectors import evidence_for_user
from tests.reviews.helpers import ACTIVITY_DAY, JPEG_BYTES, PNG_BYTES, REGISTRATION_DAY, pdf, snapshot


@pytest.fixture
def entry(world):
    return S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="培训",
                           started_on=ACTIVITY_DAY, quantity="8", evidence_files=[pdf()], today=REGISTRATION_DAY)


def test_files_are_stored_under_random_names(entry):
    evidence = entry.evidence.get()
    assert evidence.original_name == "学时证明.pdf"
    assert "学时证明" not in evidence.file.name and evidence.file.name.endswith(".pdf")
    assert evidence.content_type == "application/pdf" and len(evidence.sha256) == 64


@pytest.mark.parametrize("name,content", [
    ("证明.pdf", b"MZ\x90\x00 this is an executable"),  # a PDF by name only
    ("照片.png", JPEG_BYTES),  # content and name disagree
    ("证明.exe", PNG_BYTES),
    ("空.pdf", b""),
])
def test_file_checked_by_content_is_refused(world, entry, name, content):
    before = snapshot(entry)
    with pytest.raises(TransitionError):
        S.evidence_attach(actor=world.teacher.user, entry=entry,
                          files=[SimpleUploadedFile(name, content)])
    assert snapshot(entry) == before


def test_jpeg_and_png_are_accepted(world, entry):
    S.evidence_attach(actor=world.teacher.user, entry=entry, files=[SimpleUploadedFile("a.jpg", JPEG_BYTES),
                                                                    SimpleUploadedFile("b.png", PNG_BYTES)])
    assert sorted(entry.evidence.values_list("content_type", flat=True)) == [
        "application/pdf", "image/jpeg", "image/png"]


def test_oversized_file_is_refused(world, entry, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    with pytest.raises(TransitionError, match="大小限制"):
        S.evidence_attach(actor=world.teacher.user, entry=entry, files=[pdf(content=b"%PDF-" + b"0" * 200)])
    assert entry.evidence.count() == 1


def test_reviewed_proof_cannot_be_removed(world, entry):
    evidence = entry.evidence.get()
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=REGISTRATION_DAY)
    S.entry_return(actor=world.leader, entry=entry, comment="补充通知", today=REGISTRATION_DAY)
    with pytest.raises(TransitionError, match="已经审核"):
        S.evidence_remove(actor=world.teacher.user, evidence=evidence)
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    # …but a returned entry may get an additional proof.
    S.evidence_attach(actor=world.teacher.user, entry=entry, files=[pdf("通知.pdf")])
    assert entry.evidence.count() == 2


def test_proof_cannot_be_added_while_under_review(world, entry):
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=REGISTRATION_DAY)
    with pytest.raises(TransitionError):
        S.evidence_attach(actor=world.teacher.user, entry=entry, files=[pdf("新.pdf")])
    assert entry.evidence.count() == 1


def test_unreviewed_proof_can_be_removed_by_the_teacher_only(world, entry):
    S.evidence_attach(actor=world.teacher.user, entry=entry, files=[pdf("正确的证明.pdf")])
    evidence = entry.evidence.get(original_name="学时证明.pdf")
    with pytest.raises(TransitionError):
        S.evidence_remove(actor=world.school_admin, evidence=evidence)
    S.evidence_remove(actor=world.teacher.user, evidence=evidence)
    assert list(entry.evidence.values_list("original_name", flat=True)) == ["正确的证明.pdf"]


def test_the_last_proof_of_a_declared_training_cannot_be_removed(world, entry):
    """A 集中培训 is declared with proof (二(三)1(1)); removing the only file would leave the school
    admin an entry to verify with nothing to check. The teacher adds the right file first."""
    evidence = entry.evidence.get()
    before = snapshot(entry)
    with pytest.raises(TransitionError, match="证明材料"):
        S.evidence_remove(actor=world.teacher.user, evidence=evidence)
    assert snapshot(entry) == before


def test_download_scope(world, entry):
    evidence = entry.evidence.get()
    for user in (world.teacher.user, world.school_admin, world.leader, world.district_admin, world.city):
        assert evidence_for_user(user).filter(pk=evidence.pk).exists(), user
    for user in (world.city_teacher.user, world.city_admin, world.other_district_admin):
        assert not evidence_for_user(user).filter(pk=evidence.pk).exists(), user

"""Proof files: PDF, JPG or PNG, recognised by their first bytes, within the size limit,
stored under a random name. A proof a reviewer has passed cannot be removed or swapped."""

import hashlib
from pathlib import PurePosixPath

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from credits.models import EntrySource, EntryStatus, Flow

from ..errors import TransitionError
from ..models import Action, Evidence
from ._common import lock_entry, record, submitter_role

# (magic bytes, content type, accepted name suffixes)
SIGNATURES = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
)
MAX_FILES_PER_ENTRY = 10
# Flows whose entries are registered with proof (entry_declare / entry_admin_register require it).
PROOF_REQUIRED_FLOWS = (Flow.DECLARE, Flow.ADMIN_REGISTER)


def sniff_type(head: bytes) -> tuple[str, tuple[str, ...]] | None:
    for magic, content_type, suffixes in SIGNATURES:
        if head.startswith(magic):
            return content_type, suffixes
    return None


def validate_evidence_file(upload) -> tuple[str, str, int]:
    """Returns (content_type, sha256, size) or refuses. Reads the content, not the name alone."""
    name = getattr(upload, "name", "") or "未命名"
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if size == 0:
        raise TransitionError(f"证明材料「{name}」是空文件。")
    limit = settings.EVIDENCE_MAX_BYTES
    if size > limit:
        raise TransitionError(f"证明材料「{name}」超过大小限制（最大 {limit / 1024 / 1024:.0f} MB）。")
    upload.seek(0)
    head = upload.read(16)
    sniffed = sniff_type(head)
    if sniffed is None:
        raise TransitionError(f"证明材料「{name}」不是 PDF、JPG 或 PNG 文件（按文件内容检查）。")
    content_type, suffixes = sniffed
    if PurePosixPath(name).suffix.lower() not in suffixes:
        raise TransitionError(f"证明材料「{name}」的扩展名与文件内容（{content_type}）不符。")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(64 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest(), size


def attach_files(entry, files, *, actor, reviewed: bool = False) -> list[Evidence]:
    """Inside the caller's transaction; the entry is already locked and checked."""
    files = list(files or ())
    if entry.evidence.count() + len(files) > MAX_FILES_PER_ENTRY:
        raise TransitionError(f"每条登记最多上传 {MAX_FILES_PER_ENTRY} 个证明材料。")
    checked = [(f, *validate_evidence_file(f)) for f in files]
    from .duplicates import check_files

    check_files(entry=entry, digests=[sha for _, _, sha, _ in checked])
    created = []
    for upload, content_type, sha, size in checked:
        evidence = Evidence(
            entry=entry, original_name=(getattr(upload, "name", "") or "证明材料")[:200],
            content_type=content_type, size=size, sha256=sha, uploaded_by=actor,
            reviewed_at=timezone.now() if reviewed else None,
        )
        evidence.file.save(PurePosixPath(evidence.original_name).name, upload, save=False)
        evidence.save()
        created.append(evidence)
    return created


def _editable_states(entry) -> tuple:
    # An admin-registered entry waits at the district step; until the district acts the
    # school admin may still add proof.
    if entry.source == EntrySource.ADMIN_REGISTERED:
        return (EntryStatus.SCHOOL_APPROVED, EntryStatus.RETURNED, EntryStatus.REJECTED, EntryStatus.WITHDRAWN)
    return (EntryStatus.SUBMITTED, EntryStatus.RETURNED, EntryStatus.REJECTED, EntryStatus.WITHDRAWN)


def _ensure_may_edit_evidence(actor, entry) -> str:
    role = submitter_role(actor, entry)
    if role is None:
        raise TransitionError("只有提交人可以上传或删除该登记的证明材料。", kind="permission")
    if entry.academic_year.is_locked:
        raise TransitionError(f"{entry.academic_year.label}学年已封存，不能再作任何修改。", kind="sealed")
    if entry.status not in _editable_states(entry):
        raise TransitionError(
            f"该记录已进入审核（当前状态：{entry.get_status_display()}），证明材料不能再更换。", kind="state"
        )
    return role


@transaction.atomic
def evidence_attach(*, actor, entry, files) -> list[Evidence]:
    entry = lock_entry(entry)
    role = _ensure_may_edit_evidence(actor, entry)
    created = attach_files(entry, files, actor=actor)
    record(entry, action=Action.EVIDENCE_ADD, actor=actor, role=role, from_state=entry.status,
           to_state=entry.status, changes={"evidence": [None, [e.original_name for e in created]]})
    return created


@transaction.atomic
def evidence_remove(*, actor, evidence: Evidence) -> None:
    entry = lock_entry(evidence.entry_id)
    role = _ensure_may_edit_evidence(actor, entry)
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if evidence.is_reviewed:
        raise TransitionError("该证明材料已经审核，不能删除或更换；如需补充请另行上传。", kind="state")
    if entry.item.flow in PROOF_REQUIRED_FLOWS and not entry.evidence.exclude(pk=evidence.pk).exists():
        # Declared and admin-registered items are registered with proof: swap, never empty.
        raise TransitionError("该登记须附证明材料，不能删除唯一的证明材料；请先上传正确的文件再删除此文件。")
    name = evidence.original_name
    stored = evidence.file.name or ""
    evidence.delete()
    record(entry, action=Action.EVIDENCE_REMOVE, actor=actor, role=role, from_state=entry.status,
           to_state=entry.status, changes={"evidence": [name, None]})
    storage = Evidence._meta.get_field("file").storage
    transaction.on_commit(lambda: storage.delete(stored))


def evidence_mark_reviewed(entry) -> None:
    entry.evidence.filter(reviewed_at__isnull=True).update(reviewed_at=timezone.now())

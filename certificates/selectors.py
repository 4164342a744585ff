"""Reads of the certificates app shared by pages, the API and the reports: what a verification
code stands for, what an uploaded PDF is, a school's applications with their eligibility (for
附件3: ``applications_with_eligibility``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from .models import Certificate, CreditStatement, TitleApplication
from .render import mask_name

UPLOAD_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Verification:
    status: str  # "valid" | "revoked" | "unknown"
    kind: str = ""  # "certificate" | "statement"
    issuer: str = ""
    issued_at: object = None
    masked_name: str = ""
    school: str = ""
    serial: str = ""
    title: str = ""
    totals: dict = field(default_factory=dict)
    years: list = field(default_factory=list)
    revoked_at: object = None
    revoke_reason: str = ""
    replaced_by: str = ""
    replaces: str = ""
    root: str = ""
    leaf: str = ""
    proof: list = field(default_factory=list)
    # The statement's leaf and audit path lead to the root the city sealed the year with (None: no
    # committed seal record to check against).
    proof_ok: bool | None = None

    @property
    def status_label(self) -> str:
        return {"valid": "有效", "revoked": "已撤销", "unknown": "查无此证"}[self.status]


def _code_ok(code: str) -> bool:
    return 16 <= len(code) <= 64 and code.isascii() and code.isalnum()


def verification(code: str) -> Verification:
    code = (code or "").strip().upper()
    if not _code_ok(code):
        return Verification(status="unknown")
    cert = (Certificate.objects.filter(code=code).select_related("issuer", "revocation", "replaces")
            .first())
    if cert is not None:
        revocation = cert.revocation_or_none
        replaced = Certificate.objects.filter(replaces=cert).values_list("serial", flat=True).first() or ""
        return Verification(
            status="revoked" if revocation else "valid", kind="certificate", issuer=cert.issuer.name,
            issued_at=cert.issued_at, masked_name=mask_name(cert.teacher_name), school=cert.school_name,
            serial=cert.serial, title=cert.get_kind_display(), totals=cert.totals, years=cert.totals.get("years", []),
            revoked_at=revocation.revoked_at if revocation else None,
            revoke_reason=revocation.reason if revocation else "", replaced_by=replaced,
            replaces=cert.replaces.serial if cert.replaces else "",
        )
    statement = CreditStatement.objects.filter(code=code).select_related("issuer", "academic_year").first()
    if statement is not None:
        from sealing import merkle
        from sealing.models import SealRecord, SealState

        sealed_root = (SealRecord.objects.filter(academic_year=statement.academic_year, state=SealState.COMMITTED)
                       .values_list("merkle_root", flat=True).first())
        return Verification(
            status="valid", kind="statement", issuer=statement.issuer.name, issued_at=statement.generated_at,
            masked_name=mask_name(statement.teacher_name), school=statement.school_name,
            title=f"{statement.academic_year.label} 学年继续教育学分证明书", totals=statement.totals,
            root=statement.root, leaf=statement.leaf, proof=list(statement.proof or []),
            proof_ok=None if sealed_root is None else (
                sealed_root == statement.root and merkle.verify(statement.leaf, statement.proof or [], sealed_root)),
        )
    return Verification(status="unknown")


@dataclass(frozen=True)
class UploadReport:
    signature: object  # signing.SignatureReport
    match: Verification | None  # the issued document whose bytes these are, if any
    error: str = ""


def check_uploaded_pdf(upload) -> UploadReport:
    """An uploaded PDF: is its signature intact and trusted, and is it byte for byte a document
    this platform issued (its digest is stored on the certificate)?"""
    from .signing import SignatureReport, check_pdf

    if upload.size > UPLOAD_MAX_BYTES:
        return UploadReport(signature=SignatureReport(found=False), match=None, error="文件过大（不超过 10 MB）。")
    data = upload.read()
    if not data.startswith(b"%PDF-"):
        return UploadReport(signature=SignatureReport(found=False), match=None, error="文件不是 PDF。")
    digest = hashlib.sha256(data).hexdigest()
    match = None
    cert = Certificate.objects.filter(pdf_sha256=digest).values_list("code", flat=True).first()
    if cert is None:
        cert = CreditStatement.objects.filter(pdf_sha256=digest).values_list("code", flat=True).first()
    if cert is not None:
        match = verification(cert)
    return UploadReport(signature=check_pdf(data), match=match)


def applications_with_eligibility(*, school_ids, year: int):
    """[(application, Eligibility)] of the open applications of these schools for the 职评 of
    `year`, in name order: what the 附件3 report lists (five 学年 of 规范性 and 灵活性, 小计, 合计)."""
    from .eligibility import applications_eligibility

    apps = list(TitleApplication.objects.filter(school_id__in=school_ids, year=year, withdrawn_at__isnull=True)
                .select_related("teacher", "teacher__user", "teacher__school", "school")
                .order_by("school_id", "teacher__name", "pk"))
    results = applications_eligibility(apps)
    return [(a, results[a.pk]) for a in apps]

"""Writes of the reports app: archiving a signed 附件2 scan, starting a package job."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.db import transaction

from reviews.errors import TransitionError
from reviews.services.evidence import validate_evidence_file

from .errors import ReportError
from .models import SignedForm2


def form2_scan_upload(*, actor, teacher, academic_year, upload) -> SignedForm2:
    """Archive the signed and stamped 附件2 of `teacher` for the 学年 (PDF / JPG / PNG, checked
    by content). A sealed 学年 takes no new files."""
    if academic_year.is_sealed:
        raise ReportError(f"{academic_year.label} 学年已封存，不能再上传登记表。", kind="sealed")
    try:
        content_type, sha, size = validate_evidence_file(upload)
    except TransitionError as exc:
        raise ReportError(str(exc).replace("证明材料", "登记表扫描件")) from None
    with transaction.atomic():
        scan = SignedForm2(teacher=teacher, academic_year=academic_year, school=teacher.school,
                           original_name=(getattr(upload, "name", "") or "附件2.pdf")[:200],
                           content_type=content_type, size=size, sha256=sha, uploaded_by=actor)
        scan.file.save(PurePosixPath(scan.original_name).name, upload, save=False)
        scan.save()
    return scan


def package_start(*, actor, school, academic_year, applicant_ids=()):
    """The school's 审证 package as a background job in parts across workers (progress bar);
    returns the Job (reports.package)."""
    from .package import package_start as start

    return start(actor=actor, school=school, academic_year=academic_year, applicant_ids=applicant_ids)

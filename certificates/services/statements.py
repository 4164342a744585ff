"""The 继续教育学分证明书 of a sealed 学年 (notice 三: 经市级审定后自动生成盖有电子印章的…):
one per teacher and sealed year, its numbers the seal's snapshot, carrying the snapshot's leaf
hash and Merkle audit path to the year's root, signed with the city office's key.

Generated on first download (or for a whole year by ``statements_generate``); written once."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from credits.models import AcademicYear

from .. import documents
from ..errors import CertificateError
from ..models import CertEvent, CreditStatement, DocumentKind, GenerationRun, Issuer
from .issue import CITY_ISSUER_CODE, CITY_ISSUER_NAME


def city_issuer() -> Issuer:
    issuer, _ = Issuer.objects.get_or_create(code=CITY_ISSUER_CODE, defaults={"name": CITY_ISSUER_NAME})
    return issuer


def _committed_seal(year: AcademicYear):
    from sealing.models import SealRecord, SealState

    return SealRecord.objects.filter(academic_year=year, state=SealState.COMMITTED).first()


def teacher_proof(*, teacher, year: AcademicYear) -> dict | None:
    """The teacher's snapshot in the committed seal with its audit path, or None."""
    from sealing import merkle
    from sealing.models import SealedSnapshot

    seal = _committed_seal(year)
    if seal is None:
        return None
    leaves = list(SealedSnapshot.objects.filter(seal=seal).order_by("teacher_id").values_list("teacher_id", "digest"))
    ids = [t for t, _ in leaves]
    if teacher.pk not in ids:
        return None
    index = ids.index(teacher.pk)
    snap = SealedSnapshot.objects.select_related("academic_year").get(seal=seal, teacher_id=teacher.pk)
    return {"snapshot": snap, "leaf": snap.digest, "proof": merkle.proof([d for _, d in leaves], index),
            "root": seal.merkle_root, "payload": snap.payload()}


def statement_get_or_create(*, teacher, year: AcademicYear, actor=None, run: GenerationRun | None = None) -> CreditStatement:
    from sealing import merkle

    existing = CreditStatement.objects.filter(teacher=teacher, academic_year=year).first()
    if existing is not None:
        return existing
    if not year.is_sealed:
        raise CertificateError(f"{year.label} 学年尚未封存，封存后才能生成学分证明书。", kind="conflict")
    found = teacher_proof(teacher=teacher, year=year)
    if found is None:
        raise CertificateError(f"{year.label} 学年的封存数据中没有 {teacher.name}。", kind="not_found")
    leaf = merkle.leaf_hash(found["payload"])
    if leaf != found["leaf"] or not merkle.verify(leaf, found["proof"], found["root"]):
        raise CertificateError("封存快照与学年封存根不一致，不能生成证明书，请联系市教科院。", kind="conflict")
    snap = found["snapshot"]
    totals = {"regulated": str(snap.regulated), "flexible": str(snap.flexible), "total": str(snap.total),
              "by_kind": {"centralized": documents.fmt(snap.centralized), "school_based": documents.fmt(snap.school_based),
                          "self_directed": documents.fmt(snap.self_directed)}}
    issuer = city_issuer()
    template = documents.template_current(DocumentKind.STATEMENT)
    code = documents.new_code()
    generated_at = timezone.now()
    school_name = snap.school.name if snap.school_id else teacher.school.name
    context = documents.statement_context(
        code=code, issuer=issuer, teacher_name=teacher.name, school_name=school_name,
        masked_id=teacher.masked_id_number, year_label=year.label, totals=totals, leaf=leaf, root=found["root"],
        proof=found["proof"], generated_at=generated_at,
    )
    rendered = documents.render_statement(template=template, issuer=issuer, context=context)
    statement = CreditStatement(
        teacher=teacher, academic_year=year, teacher_name=teacher.name, school_name=school_name, totals=totals,
        leaf=leaf, proof=found["proof"], root=found["root"], template=template, issuer=issuer,
        generated_at=generated_at, code=code, pdf_sha256=rendered.sha256, signed=rendered.signed, run=run,
    )
    statement.pdf.save(f"{year.start_year}_{teacher.pk}_{code[:8]}.pdf", ContentFile(rendered.pdf), save=False)
    try:
        with transaction.atomic():
            statement.save()
            if actor is not None:
                CertEvent.objects.create(action=CertEvent.Action.STATEMENT_GENERATED, actor=actor, teacher=teacher,
                                         detail={"year": year.start_year, "code": code})
    except IntegrityError:  # generated meanwhile by another request
        return CreditStatement.objects.get(teacher=teacher, academic_year=year)
    return statement


def statements_generate(*, actor, year: AcademicYear) -> GenerationRun:
    """Every teacher's statement of a sealed 学年 (those already made are kept), logged as a run."""
    from sealing.models import SealedSnapshot

    seal = _committed_seal(year)
    if seal is None:
        raise CertificateError(f"{year.label} 学年尚未封存。", kind="conflict")
    run = GenerationRun.objects.create(kind=GenerationRun.Kind.STATEMENT, started_by=actor, year=year.start_year)
    made, refused = 0, []
    done = set(CreditStatement.objects.filter(academic_year=year).values_list("teacher_id", flat=True))
    for snap in SealedSnapshot.objects.filter(seal=seal).select_related("teacher", "teacher__school").order_by("teacher_id"):
        if snap.teacher_id in done:
            continue
        try:
            statement_get_or_create(teacher=snap.teacher, year=year, run=run)
            made += 1
        except CertificateError as exc:
            refused.append({"teacher": snap.teacher.name, "reason": exc.message})
    run.made, run.refused, run.finished_at = made, refused, timezone.now()
    run.save(update_fields=["made", "refused", "finished_at"])
    return run

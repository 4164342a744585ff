"""Issuing 继教证书 (notice 三(二)1): by the district's 教育局 for its schools, by the city office
for 市直属学校; one at a time or a school's whole list as a Celery batch; revocation and reissue.

A certificate is written once, whole: the serial is taken under a lock on the issuer row (so
numbers run without gaps per issuer and year), the PDF is rendered and signed, then the row is
inserted with the PDF's digest. Nothing issued is ever changed or deleted."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.jobs import job_create, job_enqueue, job_finish, job_progress
from accounts.models import Role

from .. import access, documents, eligibility
from ..errors import CertificateError
from ..models import (
    CertEvent,
    Certificate,
    DocumentKind,
    GenerationRun,
    Issuer,
    Revocation,
    TitleApplication,
    TitleKind,
)

CITY_ISSUER_CODE = "city"
CITY_ISSUER_NAME = "成都市教育科学研究院"


def _issuer_of(school) -> tuple[dict, dict]:
    """(lookup, defaults) of the 落款 of a school's certificates: its district's 教育局, or the city
    office for a 市直属学校."""
    if school.district_id is None:
        return {"code": CITY_ISSUER_CODE}, {"name": CITY_ISSUER_NAME}
    district = school.district
    name = district.name if district.name.startswith(("成都", "四川")) else f"成都市{district.name}"
    return {"district": district}, {"code": f"d{district.code}", "name": f"{name}教育局"}


def issuer_for_school(school) -> Issuer:
    """The 落款 of a school's certificates, created the first time one is issued."""
    lookup, defaults = _issuer_of(school)
    issuer, _ = Issuer.objects.get_or_create(**lookup, defaults=defaults)
    return issuer


def issuer_shown_for_school(school) -> Issuer:
    """The same 落款 for a page to show: a read, so an issuer not created yet is shown unsaved."""
    lookup, defaults = _issuer_of(school)
    return Issuer.objects.filter(**lookup).first() or Issuer(**lookup, **defaults)


def serial_for(issuer: Issuer, year: int, number: int) -> str:
    prefix = "SZ" if issuer.is_city else issuer.code.upper()
    return f"JJ{prefix}-{year}-{number:05d}"


def live_certificate(application) -> Certificate | None:
    return (Certificate.objects.filter(application=application, revocation__isnull=True)
            .select_related("issuer").first())


def _run(kind, actor, school=None, year=None, job=None) -> GenerationRun:
    return GenerationRun.objects.create(kind=kind, started_by=actor, school=school, year=year, job=job)


def _finish_run(run: GenerationRun, *, made: int, refused=None, error: str = "") -> None:
    run.made = made
    run.refused = refused or []
    run.error = error
    run.finished_at = timezone.now()
    run.save(update_fields=["made", "refused", "error", "finished_at"])


def _create(*, actor, application: TitleApplication, result: eligibility.Eligibility, override_reason: str,
            run: GenerationRun | None, replaces: Certificate | None = None) -> Certificate:
    teacher, school = application.teacher, application.school
    issuer = issuer_for_school(school)
    template = documents.template_current(DocumentKind.CERTIFICATE)
    with transaction.atomic():
        issuer = Issuer.objects.select_for_update().get(pk=issuer.pk)
        if replaces is None and live_certificate(application) is not None:
            raise CertificateError(f"{teacher.name} 的证书已颁发，不能重复颁发。", kind="conflict")
        number = (Certificate.objects.filter(issuer=issuer, year=application.year)
                  .aggregate(n=Max("number"))["n"] or 0) + 1
        serial = serial_for(issuer, application.year, number)
        code = documents.new_code()
        issued_at = timezone.now()
        totals = result.totals_json()
        context = documents.certificate_context(
            serial=serial, code=code, issuer=issuer, teacher_name=teacher.name, school_name=school.name,
            masked_id=teacher.masked_id_number, kind_label=TitleKind(application.kind).label, totals=totals,
            eligible=result.eligible, issued_at=issued_at, replaces_serial=replaces.serial if replaces else "",
        )
        rendered = documents.render_certificate(template=template, issuer=issuer, context=context)
        cert = Certificate(
            issuer=issuer, year=application.year, number=number, serial=serial, teacher=teacher,
            application=application, kind=application.kind, teacher_name=teacher.name, school_name=school.name,
            years=list(result.years), totals=totals, eligible=result.eligible, override_reason=override_reason,
            template=template, issued_by=actor, issued_role=access.acting_role(actor, school), issued_at=issued_at,
            code=code, pdf_sha256=rendered.sha256, signed=rendered.signed, replaces=replaces, run=run,
        )
        cert.pdf.save(f"{serial}.pdf", ContentFile(rendered.pdf), save=False)
        cert.save()
        action = (CertEvent.Action.REISSUED if replaces else
                  CertEvent.Action.ISSUED if result.eligible else CertEvent.Action.ISSUED_OVERRIDE)
        CertEvent.objects.create(
            action=action, actor=actor, role=cert.issued_role, teacher=teacher, application=application,
            certificate=cert, reason=override_reason,
            detail={"serial": serial, "replaces": replaces.serial if replaces else "", "missing": {
                k: str(v) for k, v in result.missing.items()}, "unsealed": list(result.unsealed)},
        )
    return cert


def _check_can_issue(actor, application):
    if not access.can_issue_for(actor, application.school):
        raise CertificateError("您不是该校的发证机关：区（市）县所属学校由区（市）县颁发，市直属学校由市教科院颁发。",
                               kind="forbidden")
    if not application.is_open:
        raise CertificateError("该申报已撤回。", kind="conflict")


def certificate_issue(*, actor, application: TitleApplication, override_reason: str = "",
                      run: GenerationRun | None = None) -> Certificate:
    """One certificate. An ineligible teacher is refused unless `override_reason` says why the
    issuing body issues it anyway; the reason is stored on the certificate and in the audit."""
    _check_can_issue(actor, application)
    override_reason = (override_reason or "").strip()[:300]
    result = eligibility.teacher_eligibility(teacher=application.teacher, kind=application.kind, year=application.year)
    if not result.eligible and not override_reason:
        raise CertificateError(f"{application.teacher.name} 不符合颁证条件：" + "；".join(result.reasons())
                               + "。如确需颁发，请填写理由。", kind="invalid", field="override_reason")
    if live_certificate(application) is not None:
        raise CertificateError(f"{application.teacher.name} 的证书已颁发，不能重复颁发。", kind="conflict")
    own_run = run is None
    if run is None:
        run = _run(GenerationRun.Kind.SINGLE, actor, application.school, application.year)
    try:
        cert = _create(actor=actor, application=application, result=result,
                       override_reason=override_reason if not result.eligible else "", run=run)
    except Exception as exc:
        if own_run:
            _finish_run(run, made=0, error=str(exc)[:500])
        raise
    if own_run:
        _finish_run(run, made=1)
    return cert


def certificate_revoke(*, actor, certificate: Certificate, reason: str) -> Revocation:
    reason = (reason or "").strip()
    if not access.can_revoke(actor, certificate):
        raise CertificateError("只有发证机关可以撤销证书。", kind="forbidden")
    if not reason:
        raise CertificateError("请填写撤销原因。", field="reason")
    with transaction.atomic():
        Issuer.objects.select_for_update().get(pk=certificate.issuer_id)
        if Revocation.objects.filter(certificate=certificate).exists():
            raise CertificateError("该证书已撤销。", kind="conflict")
        role = Role.CITY_STAFF if certificate.issuer.is_city else Role.DISTRICT_ADMIN
        revocation = Revocation.objects.create(certificate=certificate, revoked_by=actor, revoked_role=role,
                                               reason=reason[:300])
        CertEvent.objects.create(action=CertEvent.Action.REVOKED, actor=actor, role=role,
                                 teacher=certificate.teacher, application=certificate.application,
                                 certificate=certificate, reason=reason[:300])
    return revocation


def certificate_reissue(*, actor, certificate: Certificate, reason: str) -> Certificate:
    """A new certificate with a new serial that names the one it replaces; the old one is revoked
    (if it was not already) with the reason. The numbers are read again from the sealed years."""
    reason = (reason or "").strip()
    if not access.can_revoke(actor, certificate):
        raise CertificateError("只有发证机关可以换发证书。", kind="forbidden")
    if not reason:
        raise CertificateError("请填写换发原因。", field="reason")
    if Certificate.objects.filter(replaces=certificate).exists():
        raise CertificateError("该证书已换发过，请换发最新的一份。", kind="conflict")
    application = certificate.application
    if application is None:
        raise CertificateError("该证书没有对应的申报，不能换发。", kind="conflict")
    result = eligibility.teacher_eligibility(teacher=application.teacher, kind=application.kind, year=application.year)
    override = "" if result.eligible else (certificate.override_reason or reason)
    run = _run(GenerationRun.Kind.REISSUE, actor, application.school, application.year)
    try:
        with transaction.atomic():
            if not Revocation.objects.filter(certificate=certificate).exists():
                certificate_revoke(actor=actor, certificate=certificate, reason=f"换发：{reason}")
            new = _create(actor=actor, application=application, result=result, override_reason=override, run=run,
                          replaces=certificate)
    except Exception as exc:
        _finish_run(run, made=0, error=str(exc)[:500])
        raise
    _finish_run(run, made=1)
    return new


# --- a school's whole list as a batch ------------------------------------------------------------


def batch_applications(*, school, year):
    return (TitleApplication.objects.filter(school=school, year=year, withdrawn_at__isnull=True)
            .select_related("teacher", "teacher__user", "school", "school__district").order_by("teacher__name", "pk"))


def certificate_batch_start(*, actor, school, year: int):
    """A Celery batch issuing every eligible applicant of the school who has no certificate yet;
    its progress is a Job (the progress bar), its log a GenerationRun."""
    from ..tasks import issue_batch

    if not access.can_issue_for(actor, school):
        raise CertificateError("您不是该校的发证机关。", kind="forbidden")
    total = batch_applications(school=school, year=year).count()
    if not total:
        raise CertificateError("该校本年度没有登记申报的教师。", kind="invalid")
    with transaction.atomic():
        job = job_create(kind="certificates.batch", owner=actor, total=total)
        run = _run(GenerationRun.Kind.BATCH, actor, school, year, job=job)
        transaction.on_commit(lambda: job_enqueue(job, issue_batch, run.pk))
    return job, run


def certificate_batch_run(*, run_id: int) -> GenerationRun:
    """Idempotent and resumable: teachers who already hold a live certificate are skipped, the
    ineligible are listed with the reason (an override is given one at a time, never in bulk)."""
    run = GenerationRun.objects.select_related("started_by", "school", "job").get(pk=run_id)
    job = run.job
    apps = list(batch_applications(school=run.school, year=run.year))
    results = eligibility.applications_eligibility(apps)
    issued_already = set(Certificate.objects.filter(application__in=apps, revocation__isnull=True)
                         .values_list("application_id", flat=True))
    made, refused, skipped = 0, [], 0
    try:
        for i, application in enumerate(apps, start=1):
            result = results[application.pk]
            if application.pk in issued_already:
                skipped += 1
            elif not result.eligible:
                refused.append({"teacher": application.teacher.name, "reason": "；".join(result.reasons())})
            else:
                try:
                    _check_can_issue(run.started_by, application)
                    _create(actor=run.started_by, application=application, result=result, override_reason="", run=run)
                    made += 1
                except CertificateError as exc:
                    refused.append({"teacher": application.teacher.name, "reason": exc.message})
            if job is not None and (i % 5 == 0 or i == len(apps)):
                job_progress(job, done=i, total=len(apps))
    except Exception as exc:
        _finish_run(run, made=made, refused=refused, error=f"{type(exc).__name__}: {exc}"[:500])
        if job is not None:
            job_finish(job, result={"made": made, "refused": len(refused)}, error="批量颁发中断，可重新发起继续。")
        raise
    _finish_run(run, made=made, refused=refused)
    if job is not None:
        job_finish(job, result={"made": made, "skipped": skipped, "refused": len(refused), "run": run.pk})
    return run

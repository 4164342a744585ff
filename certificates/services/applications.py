"""The school admin marks the teachers applying this year for 一级 / 高级 / 正高级 or 转正."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AccountStatus, Role

from .. import access
from ..errors import CertificateError
from ..models import CertEvent, TitleApplication, TitleKind


def title_application_mark(*, actor, teacher, kind: str, year: int) -> TitleApplication:
    if kind not in TitleKind.values:
        raise CertificateError("请选择申报类别。", field="kind")
    if not access.can_mark_application(actor, teacher):
        raise CertificateError("只有本校校管理员可以登记本校教师的申报。", kind="forbidden")
    if teacher.status != AccountStatus.APPROVED or not teacher.user.is_active:
        raise CertificateError(f"{teacher.name} 的账号未审核或已停用，不能登记申报。", field="teacher")
    year = int(year)
    today = timezone.localdate()
    if not (today.year - 1 <= year <= today.year + 1):
        raise CertificateError(f"评审年度应为 {today.year - 1}–{today.year + 1} 年。", field="year")
    if TitleApplication.objects.filter(teacher=teacher, year=year, kind=kind, withdrawn_at__isnull=True).exists():
        raise CertificateError(f"{teacher.name} 已登记 {year} 年的{TitleKind(kind).label}申报。", kind="conflict")
    try:
        with transaction.atomic():
            application = TitleApplication.objects.create(
                teacher=teacher, school_id=teacher.school_id, kind=kind, year=year, created_by=actor
            )
            CertEvent.objects.create(
                action=CertEvent.Action.APPLICATION_MARKED, actor=actor, role=Role.SCHOOL_ADMIN, teacher=teacher,
                application=application, detail={"kind": kind, "year": year},
            )
    except IntegrityError:  # a concurrent mark of the same application
        raise CertificateError(f"{teacher.name} 已登记 {year} 年的{TitleKind(kind).label}申报。", kind="conflict") from None
    return application


def title_application_withdraw(*, actor, application: TitleApplication, reason: str) -> TitleApplication:
    reason = (reason or "").strip()
    if not access.can_mark_application(actor, application.teacher):
        raise CertificateError("只有本校校管理员可以撤回本校教师的申报。", kind="forbidden")
    if not reason:
        raise CertificateError("请填写撤回原因。", field="reason")
    with transaction.atomic():
        locked = TitleApplication.objects.select_for_update(of=("self",)).get(pk=application.pk)
        if not locked.is_open:
            raise CertificateError("该申报已撤回。", kind="conflict")
        if locked.certificates.exists():
            raise CertificateError("该申报已颁发证书，不能撤回；如需作废请由发证机关撤销证书。", kind="conflict")
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_by = actor
        locked.withdraw_reason = reason[:200]
        locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
        CertEvent.objects.create(
            action=CertEvent.Action.APPLICATION_WITHDRAWN, actor=actor, role=Role.SCHOOL_ADMIN,
            teacher=locked.teacher, application=locked, reason=reason[:300],
        )
    return locked

"""Writes of the accounts app: teacher accounts from creation to retirement, change requests,
transfers, passwords and notifications.

Each action checks the actor's right (accounts.access) and the current state, locks the row,
writes with update_fields, and records an AccountEvent, all in one transaction. A refusal
raises AccountError with a Chinese message and changes nothing.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.inputs import strip_format_characters

from . import access, throttle
from . import workflow as wf
from .errors import AccountError, AccountNotApproved
from .idcard import normalize_id_number, validate_id_number
from .models import (
    AccountEvent,
    AccountStatus,
    Gender,
    Notification,
    ProfileChangeRequest,
    Role,
    RoleAssignment,
    School,
    Stage,
    TeacherProfile,
    Title,
    normalize_username,
)
from .tokens import tokens_revoke

User = get_user_model()

# Fields of a profile that an admin edits and a teacher may ask to change.
PROFILE_FIELDS = (
    "name", "gender", "id_number", "subject", "stage", "title", "is_head_teacher",
    "is_new_teacher", "probation_start", "is_new_principal", "is_party_member",
)
CHANGEABLE_FIELDS = PROFILE_FIELDS + ("school",)
# Changing who the person is (not what they teach) needs the district's eye again.
IDENTITY_FIELDS = ("name", "gender", "id_number")

FIELD_LABELS = {f: str(getattr(TeacherProfile._meta.get_field(f), "verbose_name", f)) for f in CHANGEABLE_FIELDS}


# ---------------------------------------------------------------------------------------------
# Helpers


def _json(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, School):
        return value.pk
    return value


def profile_snapshot(profile: TeacherProfile, fields=None) -> dict:
    fields = fields or CHANGEABLE_FIELDS + ("status",)
    out = {}
    for f in fields:
        out[f] = profile.school_id if f == "school" else _json(getattr(profile, f))
    return out


def _event(*, user, actor, action, actor_role="", before=None, after=None, comment="") -> AccountEvent:
    return AccountEvent.objects.create(
        user=user, actor=actor, actor_role=actor_role or "", action=action,
        before=before or {}, after=after or {}, comment=(comment or "")[:200],
    )


def _district_role(actor, school: School) -> str:
    if school.district_id is None and access.has_role(actor, Role.CITY_STAFF):
        return Role.CITY_STAFF
    if access.has_role(actor, Role.DISTRICT_ADMIN):
        return Role.DISTRICT_ADMIN
    return Role.CITY_STAFF if access.has_role(actor, Role.CITY_STAFF) else ""


def _manager_role(actor, profile: TeacherProfile) -> str:
    if access.is_school_admin_of(actor, profile.school_id):
        return Role.SCHOOL_ADMIN
    return _district_role(actor, profile.school)


def _lock(profile: TeacherProfile) -> TeacherProfile:
    return TeacherProfile.objects.select_for_update().select_related("user", "school").get(pk=profile.pk)


def generate_password(length: int = 10) -> str:
    """An initial password: letters and digits without look-alikes (0/O, 1/l/I)."""
    letters = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ"
    digits = "23456789"
    while True:
        pw = "".join(secrets.choice(letters + digits) for _ in range(length))
        if any(c in digits for c in pw) and any(c in letters for c in pw):
            return pw


def _next_username(school: School) -> str:
    """账号 = school code + a running number, so it says where the teacher was added and does
    not expose the 身份证号."""
    prefix = school.code
    taken = set(User.objects.filter(username__startswith=prefix).values_list("username", flat=True))
    n = len(taken) + 1
    while f"{prefix}{n:04d}" in taken:
        n += 1
    return f"{prefix}{n:04d}"


# One answer, wherever the other account is: where a 身份证号 is registered is not for someone
# whose scope does not hold that account (region + birth date leave ~1,000 candidates to try).
ID_NUMBER_UNAVAILABLE = "该身份证号无法使用，请联系学校管理员（调入教师由原学校办理调动）。"


def _clean_id_number(value: str, *, exclude_profile_id=None, actor=None) -> str:
    value = normalize_id_number(value)
    try:
        validate_id_number(value)
    except ValidationError as exc:
        raise AccountError(exc.messages[0], field="id_number") from None
    if actor is not None:
        until = throttle.attempts_blocked_until("id-clash", actor.pk)
        if until is not None:
            raise AccountError(throttle.id_clash_message(until), field="id_number")
    clash = TeacherProfile.objects.filter(id_number=value).exclude(pk=exclude_profile_id).select_related("school")
    existing = clash.first()
    if existing is not None:
        if actor is not None and access.can_manage_teacher(actor, existing):
            # The actor keeps that account (its school or district): the school helps them.
            raise AccountError(
                f"身份证号 {value[:4]}**********{value[-4:]} 已登记在{existing.school}，不能重复建号；"
                "如为调入教师，请由原学校办理调动。",
                field="id_number",
            )
        if actor is not None:
            throttle.attempts_record("id-clash", actor.pk, window=settings.ID_CLASH_WINDOW_SECONDS)
        raise AccountError(ID_NUMBER_UNAVAILABLE, field="id_number")
    return value


def _clean_choice(field: str, value, choices) -> str:
    value = (value or "").strip() if isinstance(value, str) else value
    valid = {c for c, _ in choices}
    if value in valid:
        return value
    by_label = {label: c for c, label in choices}
    if value in by_label:
        return by_label[value]
    raise AccountError(f"{FIELD_LABELS[field]}“{value}”无效，可选：{'、'.join(label for _, label in choices)}。", field=field)


def clean_profile_values(values: dict, *, school: School, exclude_profile_id=None, actor=None) -> dict:
    """Validates and normalises profile values (from a form, an Excel row or a change request).
    `actor` decides what a 身份证号 conflict may tell (see _clean_id_number) and is throttled."""
    out = {}
    for key, value in values.items():
        if key == "name":
            # Zero-width and other format characters make two spellings of one name.
            value = strip_format_characters(value or "").strip()
            if not value:
                raise AccountError("姓名不能为空。", field="name")
            if len(value) > 32:
                raise AccountError("姓名不能超过32个字。", field="name")
        elif key == "id_number":
            value = _clean_id_number(value, exclude_profile_id=exclude_profile_id, actor=actor)
        elif key == "gender":
            value = _clean_choice(key, value, Gender.choices)
        elif key == "stage":
            value = _clean_choice(key, value, Stage.choices)
            if school.stages and value not in school.stages:
                raise AccountError(
                    f"学段“{Stage(value).label}”不是{school}开设的学段（{school.get_stages_display()}）。",
                    field="stage",
                )
        elif key == "title":
            value = _clean_choice(key, value or Title.NONE, Title.choices)
        elif key == "subject":
            value = (value or "").strip()[:32]
        elif key in ("is_head_teacher", "is_new_teacher", "is_new_principal", "is_party_member"):
            value = bool(value)
        elif key == "probation_start":
            if isinstance(value, str):
                value = datetime.date.fromisoformat(value) if value else None
            elif isinstance(value, datetime.datetime):
                value = value.date()
        out[key] = value
    if out.get("is_new_teacher") and "probation_start" in out and not out["probation_start"]:
        raise AccountError("新任教师须填写试用期开始日期。", field="probation_start")
    return out


# ---------------------------------------------------------------------------------------------
# Notifications


def notify(user, title: str, body: str = "", url: str = "", dedupe_key: str = "") -> Notification:
    """An in-app message. With a dedupe_key the same message is created once per user. A user
    with an e-mail address also gets it by e-mail, once the transaction has committed."""
    if not dedupe_key:
        note = Notification.objects.create(recipient=user, title=title[:100], body=body, url=url[:200])
        _email_later(note)
        return note
    existing = Notification.objects.filter(recipient=user, dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            note = Notification.objects.create(
                recipient=user, title=title[:100], body=body, url=url[:200], dedupe_key=dedupe_key[:120]
            )
    except IntegrityError:
        # Another process sent the same reminder at the same moment.
        return Notification.objects.get(recipient=user, dedupe_key=dedupe_key)
    _email_later(note)
    return note


def notify_many(rows) -> list[Notification]:
    """Many notifications at once (one per teacher of a school's 核对): [(user, title, body, url)],
    one INSERT, and the e-mails of those with an address after the commit."""
    notes = Notification.objects.bulk_create(
        [Notification(recipient=user, title=title[:100], body=body, url=url[:200]) for user, title, body, url in rows],
        batch_size=1000)
    ids = [n.pk for n, (user, *_rest) in zip(notes, rows, strict=True) if user.email and n.pk]
    if ids:
        _emails_after_commit(ids)
    return notes


def _email_later(note: Notification) -> None:
    if note.recipient.email:
        _emails_after_commit([note.pk])


def _emails_after_commit(ids: list[int]) -> None:
    """After the commit (a notice whose transaction rolls back is never mailed). The e-mail is a
    copy of what is already in the app: an unreachable broker or mail server is logged and never
    turns the action that sent it into an error; the notification stays unmailed (emailed_at empty)."""
    import logging

    from .tasks import send_notification_emails

    def send():
        try:
            send_notification_emails.delay(ids)
        except Exception:
            logging.getLogger(__name__).exception("notification e-mails %s could not be sent", ids)

    transaction.on_commit(send)


def notification_emails_send(*, notification_ids) -> int:
    """Sends the e-mail copy of each notification not mailed yet (Django's mail backend: SMTP in
    production, the console in the embedded default); marks each as mailed. Idempotent."""
    from django.conf import settings
    from django.core.mail import send_mail

    sent = 0
    for note in Notification.objects.filter(pk__in=list(notification_ids), emailed_at__isnull=True).select_related(
            "recipient"):
        if not note.recipient.email:
            continue
        link = f"\n\n{settings.SITE_URL.rstrip('/')}{note.url}" if note.url.startswith("/") else ""
        body = f"{note.recipient.display_name}：\n\n{note.body or note.title}{link}\n\n——成都市中小学教师继续教育学分平台"
        send_mail(f"【继教学分】{note.title}", body, settings.DEFAULT_FROM_EMAIL, [note.recipient.email])
        Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
        sent += 1
    return sent


def notification_mark_read(*, user, notification_ids=None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())


def _notify_school_admins(school: School, title: str, body: str = "", url: str = "", dedupe_key: str = ""):
    admins = User.objects.filter(
        role_assignments__role=Role.SCHOOL_ADMIN, role_assignments__school=school, is_active=True
    ).distinct()
    for admin in admins:
        notify(admin, title, body, url, dedupe_key=f"{dedupe_key}:{admin.pk}" if dedupe_key else "")


def _profile_url(profile) -> str:
    return reverse("accounts:teacher_detail", args=[profile.pk])


# ---------------------------------------------------------------------------------------------
# Credit registration gate (used by the workflow)


def ensure_can_register(profile: TeacherProfile) -> None:
    """Notice 一(二): only an approved, active account may register credits."""
    if profile.can_register_credits:
        return
    if profile.status == AccountStatus.PENDING:
        raise AccountNotApproved("您的账号尚未通过区（市）县管理员审核，审核通过后才能登记学分。")
    if profile.status == AccountStatus.REJECTED:
        reason = f"（原因：{profile.status_reason}）" if profile.status_reason else ""
        raise AccountNotApproved(f"您的账号审核未通过{reason}，请联系学校管理员修改信息后重新提交审核，通过后才能登记学分。")
    raise AccountNotApproved("该账号已停用（离职/退休），不能登记学分。")


# ---------------------------------------------------------------------------------------------
# Creating accounts


@dataclass(frozen=True)
class TeacherCreated:
    profile: TeacherProfile
    password: str


def _check_username(username: str) -> None:
    """An admin-chosen 账号 (form or Excel cell) obeys the same rule as every 账号; an overlong
    one would otherwise stop a whole import on PostgreSQL."""
    if not username:
        return
    limit = User._meta.get_field("username").max_length or 150
    if len(username) > limit:
        raise AccountError(f"账号不能超过{limit}个字符。", field="username")
    try:
        User.username_validator(username)
    except ValidationError:
        raise AccountError("账号只能包含英文字母、数字和 _ . - 字符。", field="username") from None


def teacher_create(
    *,
    actor,
    school: School,
    name: str,
    gender: str,
    id_number: str,
    stage: str,
    username: str = "",
    subject: str = "",
    title: str = Title.NONE,
    is_head_teacher: bool = False,
    is_new_teacher: bool = False,
    probation_start: datetime.date | None = None,
    is_new_principal: bool = False,
    is_party_member: bool = False,
) -> TeacherCreated:
    """A school admin adds a teacher: the account is pending until the district approves it,
    and the generated initial password must be changed at first login."""
    if not access.can_add_teacher(actor, school):
        raise AccountError(f"您不是{school}的校管理员，不能为该校添加教师。")
    values = clean_profile_values(
        {"name": name, "gender": gender, "id_number": id_number, "stage": stage, "subject": subject, "title": title,
             "is_head_teacher": is_head_teacher, "is_new_teacher": is_new_teacher, "probation_start": probation_start,
             "is_new_principal": is_new_principal, "is_party_member": is_party_member},
        school=school, actor=actor,
    )
    username = normalize_username(username)
    _check_username(username)
    if username and User.objects.filter(username__iexact=username).exists():
        raise AccountError(f"账号“{username}”已被使用，请换一个或留空由系统生成。", field="username")
    password = generate_password()
    with transaction.atomic():
        user = User(username=username or _next_username(school), must_change_password=True)
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
                profile = TeacherProfile.objects.create(user=user, school=school, status=wf.ACCOUNT.leads_to(wf.ACCOUNT_ADD, wf.APPROVE),
                                                         **values)
        except IntegrityError:
            # A concurrent add took the same 账号 or 身份证号 between the check and the insert.
            raise AccountError("账号或身份证号已被占用，请刷新后重试。") from None
        RoleAssignment.objects.get_or_create(user=user, role=Role.TEACHER, school=school)
        _event(user=user, actor=actor, actor_role=Role.SCHOOL_ADMIN, action=AccountEvent.Action.CREATED,
               after=profile_snapshot(profile) | {"username": user.username})
    return TeacherCreated(profile=profile, password=password)


# ---------------------------------------------------------------------------------------------
# District approval


def account_approve(*, actor, profile: TeacherProfile, comment: str = "") -> TeacherProfile:
    if not access.can_approve_account(actor, profile):
        raise AccountError("您无权审核该校教师账号：区（市）县管理员审核本区学校，市直属学校由市教科院审核。")
    with transaction.atomic():
        locked = _lock(profile)
        _require_account(locked, wf.ACCOUNT_REVIEW)
        before = {"status": locked.status, "status_reason": locked.status_reason}
        locked.status = wf.ACCOUNT.leads_to(wf.ACCOUNT_REVIEW, wf.APPROVE)
        locked.status_reason = (comment or "")[:200]
        locked.save(update_fields=["status", "status_reason", "updated_at"])
        _event(user=locked.user, actor=actor, actor_role=_district_role(actor, locked.school),
               action=AccountEvent.Action.APPROVED, before=before,
               after={"status": locked.status, "status_reason": locked.status_reason}, comment=comment)
        notify(locked.user, "您的继教网账号已审核通过", "现在可以登记继续教育学分了。", _profile_url(locked))
    return locked


def account_reject(*, actor, profile: TeacherProfile, reason: str) -> TeacherProfile:
    reason = (reason or "").strip()
    if not access.can_approve_account(actor, profile):
        raise AccountError("您无权审核该校教师账号：区（市）县管理员审核本区学校，市直属学校由市教科院审核。")
    if wf.REJECT in wf.ACCOUNT[wf.ACCOUNT_REVIEW].needs_reason and not reason:
        raise AccountError("审核不通过必须填写原因，以便学校修改后重新提交。", field="reason")
    with transaction.atomic():
        locked = _lock(profile)
        _require_account(locked, wf.ACCOUNT_REVIEW)
        before = {"status": locked.status, "status_reason": locked.status_reason}
        locked.status = wf.ACCOUNT.leads_to(wf.ACCOUNT_REVIEW, wf.REJECT)
        locked.status_reason = reason[:200]
        locked.save(update_fields=["status", "status_reason", "updated_at"])
        _event(user=locked.user, actor=actor, actor_role=_district_role(actor, locked.school),
               action=AccountEvent.Action.REJECTED, before=before,
               after={"status": locked.status, "status_reason": locked.status_reason}, comment=reason)
        notify(locked.user, "您的继教网账号审核未通过", f"原因：{reason}。请联系学校管理员修改信息后重新提交。",
               _profile_url(locked))
        _notify_school_admins(locked.school, f"教师账号审核未通过：{locked.name}", f"原因：{reason}",
                              _profile_url(locked))
    return locked


@dataclass(frozen=True)
class BulkResult:
    profile_id: int
    ok: bool
    message: str


def accounts_bulk_approve(*, actor, profile_ids) -> list[BulkResult]:
    """Approves each account on its own; one refusal does not stop the others."""
    results = []
    # Only accounts the actor may see: an id from elsewhere is "not found", its name undisclosed.
    visible = access.teachers_for_user(actor).filter(pk__in=profile_ids).select_related("school", "user")
    profiles = {p.pk: p for p in visible}
    for pk in profile_ids:
        profile = profiles.get(int(pk))
        if profile is None:
            results.append(BulkResult(int(pk), False, "未找到该教师。"))
            continue
        try:
            account_approve(actor=actor, profile=profile)
        except AccountError as exc:
            results.append(BulkResult(profile.pk, False, f"{profile.name}：{exc.message}"))
        else:
            results.append(BulkResult(profile.pk, True, f"{profile.name}：已审核通过。"))
    return results


# ---------------------------------------------------------------------------------------------
# Editing by the school admin


def teacher_update(*, actor, profile: TeacherProfile, **changes) -> TeacherProfile:
    """The school admin keeps the school's teacher data up to date (notice 一(一)).

    A rejected account goes back to the district once edited; an approved account whose
    identity (name, gender, 身份证号) changes is approved again by the district."""
    if set(changes) - set(PROFILE_FIELDS):
        raise AccountError(f"不能在此修改：{'、'.join(sorted(set(changes) - set(PROFILE_FIELDS)))}。")
    if not access.can_manage_teacher(actor, profile):
        raise AccountError("您无权修改该教师的信息。")
    return _profile_update(actor=actor, profile=profile, changes=changes,
                           actor_role=lambda locked: _manager_role(actor, locked))


def teacher_admin_update(*, actor, profile: TeacherProfile, **changes) -> TeacherProfile:
    """City staff correct a teacher's data in the Django admin: the same checks (身份证号, choices,
    a stopped account), the same return to the district's approval and the same audit row as the
    school admin's edit. School, status and account are not edited there (transfer, approval,
    deactivation have their own services)."""
    if set(changes) - set(PROFILE_FIELDS):
        raise AccountError(f"不能在此修改：{'、'.join(sorted(set(changes) - set(PROFILE_FIELDS)))}。")
    return _profile_update(actor=actor, profile=profile, changes=changes, actor_role=lambda _: _admin_role(actor),
                           comment="管理后台修改")


def _profile_update(*, actor, profile: TeacherProfile, changes: dict, actor_role, comment: str = "") -> TeacherProfile:
    with transaction.atomic():
        locked = _lock(profile)
        _require_account(locked, wf.ACCOUNT_EDIT)
        cleaned = clean_profile_values(changes, school=locked.school, exclude_profile_id=locked.pk, actor=actor)
        changed = {k: v for k, v in cleaned.items() if getattr(locked, k) != v}
        if not changed:
            return locked
        before = profile_snapshot(locked, tuple(changed) + ("status",))
        for k, v in changed.items():
            setattr(locked, k, v)
        if locked.status == AccountStatus.REJECTED or (
            locked.status == AccountStatus.APPROVED and set(changed) & set(IDENTITY_FIELDS)
        ):
            locked.status = wf.ACCOUNT.leads_to(wf.ACCOUNT_EDIT, wf.REVIEW_AGAIN)
        locked.save(update_fields=list(changed) + ["status", "updated_at"])
        _event(user=locked.user, actor=actor, actor_role=actor_role(locked),
               action=AccountEvent.Action.CHANGED, before=before,
               after=profile_snapshot(locked, tuple(changed) + ("status",)), comment=comment)
    return locked


def teacher_password_reset(*, actor, profile: TeacherProfile) -> str:
    """A new initial password, to be changed at the next login."""
    if not access.can_manage_teacher(actor, profile):
        raise AccountError("您无权重置该教师的密码。")
    password = generate_password()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=profile.user_id)
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        tokens_revoke(user, reason="password_reset")
        _event(user=user, actor=actor, actor_role=_manager_role(actor, profile),
               action=AccountEvent.Action.PASSWORD_RESET)
    return password


def user_password_changed(*, user) -> None:
    """Called after the user changed their own password (the forced change included)."""
    with transaction.atomic():
        was_forced = user.must_change_password
        if was_forced:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        tokens_revoke(user, reason="password_changed")
        _event(user=user, actor=user, actor_role=Role.TEACHER if access.has_role(user, Role.TEACHER) else "",
               action=AccountEvent.Action.PASSWORD_CHANGED,
               comment="首次登录修改初始密码" if was_forced else "")


# ---------------------------------------------------------------------------------------------
# Transfer, leaving, returning


def _move_school_roles(*, user, old: School, new: School, actor, actor_role: str) -> None:
    """The teacher role follows the teacher; roles held at the old school (admin, leader)
    end there."""
    RoleAssignment.objects.filter(user=user, role=Role.TEACHER, school=old).delete()
    RoleAssignment.objects.get_or_create(user=user, role=Role.TEACHER, school=new)
    for ra in RoleAssignment.objects.filter(user=user, school=old).exclude(role=Role.TEACHER):
        _event(user=user, actor=actor, actor_role=actor_role, action=AccountEvent.Action.ROLE_REVOKED,
               before={"role": ra.role, "school": old.pk}, comment=f"调离{old}")
        ra.delete()
    access.forget_roles(user)


def teacher_transfer(*, actor, profile: TeacherProfile, to_school: School, comment: str = "") -> TeacherProfile:
    """Moves a teacher to another school. Made by the releasing school's admin (or the district
    step over the teacher's current school); the receiving school's admins are told.

    Only the profile's school changes: every CreditEntry keeps the school it was registered
    at, so the old school's records and the teacher's history stay as they were."""
    if not access.can_transfer_teacher(actor, profile, to_school):
        if to_school.pk == profile.school_id:
            raise AccountError("调入学校与当前学校相同。")
        raise AccountError("您无权为该教师办理调动（须由调出学校的校管理员或区县管理员办理）。")
    with transaction.atomic():
        locked = _lock(profile)
        _require_account(locked, wf.ACCOUNT_TRANSFER)
        if to_school.stages and locked.stage not in to_school.stages:
            raise AccountError(
                f"{to_school}不开设该教师的学段（{locked.get_stage_display()}），请先修改学段或选择其他学校。"
            )
        old = locked.school
        role = _manager_role(actor, locked)
        locked.school = to_school
        locked.save(update_fields=["school", "updated_at"])
        _move_school_roles(user=locked.user, old=old, new=to_school, actor=actor, actor_role=role)
        _event(user=locked.user, actor=actor, actor_role=role, action=AccountEvent.Action.TRANSFERRED,
               before={"school": old.pk, "school_name": old.name},
               after={"school": to_school.pk, "school_name": to_school.name}, comment=comment)
        notify(locked.user, f"您已调入{to_school}", f"由{old}调入{to_school}。以往的学分记录保留不变。")
        _notify_school_admins(to_school, f"教师调入：{locked.name}", f"{locked.name}由{old}调入本校。",
                              _profile_url(locked))
    return locked


def teacher_deactivate(*, actor, profile: TeacherProfile, reason: str) -> TeacherProfile:
    """Leaving or retiring: the account can no longer sign in or register; nothing is deleted."""
    reason = (reason or "").strip()
    if not access.can_manage_teacher(actor, profile):
        raise AccountError("您无权停用该教师账号。")
    if wf.APPROVE in wf.ACCOUNT[wf.ACCOUNT_DEACTIVATE].needs_reason and not reason:
        raise AccountError("请填写停用原因（如离职、退休）。", field="reason")
    with transaction.atomic():
        locked = _lock(profile)
        _require_account(locked, wf.ACCOUNT_DEACTIVATE)
        before = {"status": locked.status, "is_active": locked.user.is_active}
        locked.status = wf.ACCOUNT.leads_to(wf.ACCOUNT_DEACTIVATE, wf.APPROVE)
        locked.save(update_fields=["status", "updated_at"])
        locked.user.is_active = False
        locked.user.save(update_fields=["is_active"])
        tokens_revoke(locked.user, reason="deactivated")
        _event(user=locked.user, actor=actor, actor_role=_manager_role(actor, locked),
               action=AccountEvent.Action.DEACTIVATED, before=before,
               after={"status": locked.status, "is_active": False}, comment=reason)
    return locked


def teacher_reactivate(*, actor, profile: TeacherProfile, comment: str = "") -> TeacherProfile:
    """Back to the state the account had before it was stopped."""
    if not access.can_manage_teacher(actor, profile):
        raise AccountError("您无权恢复该教师账号。")
    with transaction.atomic():
        locked = _lock(profile)
        _require_account(locked, wf.ACCOUNT_REACTIVATE)
        last = (AccountEvent.objects.filter(user=locked.user, action=AccountEvent.Action.DEACTIVATED)
                .order_by("-at", "-id").first())
        previous = (last.before.get("status") if last else None) or AccountStatus.PENDING
        locked.status = wf.ACCOUNT.leads_to(wf.ACCOUNT_REACTIVATE, previous)
        locked.save(update_fields=["status", "updated_at"])
        locked.user.is_active = True
        locked.user.save(update_fields=["is_active"])
        _event(user=locked.user, actor=actor, actor_role=_manager_role(actor, locked),
               action=AccountEvent.Action.REACTIVATED, before={"status": AccountStatus.INACTIVE, "is_active": False},
               after={"status": locked.status, "is_active": True}, comment=comment)
    return locked


# ---------------------------------------------------------------------------------------------
# A teacher's change to their own data: school checks, district approves


def _clean_change_values(profile: TeacherProfile, changes: dict, *, actor=None) -> dict:
    unknown = set(changes) - set(CHANGEABLE_FIELDS)
    if unknown:
        raise AccountError(f"不能申请变更：{'、'.join(sorted(unknown))}。")
    school = profile.school
    if "school" in changes:
        target = changes["school"]
        if not isinstance(target, School):
            target = School.objects.filter(pk=target, is_active=True).first()
        if target is None:
            raise AccountError("所选学校不存在或已停用。", field="school")
        school = target
    values = {k: v for k, v in changes.items() if k != "school"}
    if "stage" not in values and "school" in changes:
        values["stage"] = profile.stage
    cleaned = clean_profile_values(values, school=school, exclude_profile_id=profile.pk, actor=actor)
    result = {k: _json(v) for k, v in cleaned.items() if getattr(profile, k) != v}
    if school.pk != profile.school_id:
        result["school"] = school.pk
    return result


def change_request_submit(*, actor, profile: TeacherProfile, changes: dict, note: str = "") -> ProfileChangeRequest:
    if profile.user_id != actor.pk:
        raise AccountError("只能申请变更本人的信息。")
    with transaction.atomic():
        locked = _lock(profile)
        _require_account(locked, wf.ACCOUNT_REQUEST_CHANGE)
        if ProfileChangeRequest.objects.filter(profile=locked, status__in=wf.CHANGE_REQUEST_OPEN).exists():
            raise AccountError("您已有一项信息变更申请正在审核中，请等待处理完毕后再申请。")
        cleaned = _clean_change_values(locked, changes, actor=actor)
        if not cleaned:
            raise AccountError("申请内容与现有信息相同，无需变更。")
        original = profile_snapshot(locked, tuple(cleaned))
        request = ProfileChangeRequest.objects.create(
            profile=locked, changes=cleaned, original=original, submitted_by=actor, note=(note or "")[:200],
            status=wf.CHANGE_REQUEST.leads_to(wf.CHANGE_SUBMIT, wf.APPROVE),
        )
        _event(user=locked.user, actor=actor, actor_role=Role.TEACHER, action=AccountEvent.Action.CHANGE_REQUESTED,
               before=original, after=cleaned, comment=note)
        _notify_school_admins(locked.school, f"教师信息变更申请：{locked.name}", "请核对后提交区县审批。",
                              reverse("accounts:change_requests"))
    return request


def _decision(approve: bool) -> str:
    return wf.APPROVE if approve else wf.REJECT


def _require_account(profile: TeacherProfile, step: str) -> None:
    wf.ACCOUNT.require(step, profile.status, state_label=profile.get_status_display(), error=AccountError)


def _require_request(req: ProfileChangeRequest, step: str) -> None:
    wf.CHANGE_REQUEST.require(step, req.status, state_label=req.get_status_display(), error=AccountError)


def _lock_request(change_request) -> ProfileChangeRequest:
    return ProfileChangeRequest.objects.select_for_update().select_related("profile__school", "profile__user").get(
        pk=change_request.pk
    )


def change_request_check(*, actor, change_request: ProfileChangeRequest, approve: bool, reason: str = "") -> ProfileChangeRequest:
    """School admin's check (核对) of the teacher's request."""
    reason = (reason or "").strip()
    if not access.can_check_change_request(actor, change_request):
        raise AccountError("只有该教师所在学校的校管理员可以核对此申请。")
    if _decision(approve) in wf.CHANGE_REQUEST[wf.CHANGE_CHECK].needs_reason and not reason:
        raise AccountError("退回申请必须填写原因。", field="reason")
    with transaction.atomic():
        req = _lock_request(change_request)
        _require_request(req, wf.CHANGE_CHECK)
        before = {"status": req.status}
        now = timezone.now()
        req.checked_by, req.checked_at, req.reason = actor, now, reason[:200]
        req.status = wf.CHANGE_REQUEST.leads_to(wf.CHANGE_CHECK, _decision(approve))
        fields = ["status", "checked_by", "checked_at", "reason"]
        if not approve:
            req.decided_at = now
            fields = ["status", "checked_by", "checked_at", "reason", "decided_at"]
        req.save(update_fields=fields)
        _event(user=req.profile.user, actor=actor, actor_role=Role.SCHOOL_ADMIN,
               action=AccountEvent.Action.CHANGE_CHECKED if approve else AccountEvent.Action.CHANGE_REJECTED,
               before=before, after={"status": req.status, "request": req.pk}, comment=reason)
        if not approve:
            notify(req.profile.user, "您的信息变更申请被学校退回", f"原因：{reason}", reverse("accounts:change_requests"))
    return req


def change_request_decide(*, actor, change_request: ProfileChangeRequest, approve: bool, reason: str = "") -> ProfileChangeRequest:
    """District approval; on approval the changes are applied to the profile."""
    reason = (reason or "").strip()
    if not access.can_decide_change_request(actor, change_request):
        raise AccountError("只有该校所属区（市）县管理员（市直属学校为市教科院）可以审批此申请。")
    if _decision(approve) in wf.CHANGE_REQUEST[wf.CHANGE_DECIDE].needs_reason and not reason:
        raise AccountError("不批准必须填写原因。", field="reason")
    with transaction.atomic():
        req = _lock_request(change_request)
        before_status = req.status
        _require_request(req, wf.CHANGE_DECIDE)
        profile = _lock(req.profile)
        role = _district_role(actor, profile.school)
        now = timezone.now()
        if approve:
            # Re-validated: another account may have taken the 身份证号 since the request.
            cleaned = _clean_change_values(profile, _request_values(req), actor=actor)
            before = profile_snapshot(profile, tuple(cleaned))
            old_school = profile.school
            fields = []
            for key, value in cleaned.items():
                if key == "school":
                    profile.school = School.objects.get(pk=value)
                elif key == "probation_start":
                    profile.probation_start = datetime.date.fromisoformat(value) if value else None
                else:
                    setattr(profile, key, value)
                fields.append(key)
            if fields:
                profile.save(update_fields=fields + ["updated_at"])
            if "school" in cleaned:
                _move_school_roles(user=profile.user, old=old_school, new=profile.school, actor=actor, actor_role=role)
                _event(user=profile.user, actor=actor, actor_role=role, action=AccountEvent.Action.TRANSFERRED,
                       before={"school": old_school.pk, "school_name": old_school.name},
                       after={"school": profile.school_id, "school_name": profile.school.name},
                       comment="信息变更申请批准")
            req.status = wf.CHANGE_REQUEST.leads_to(wf.CHANGE_DECIDE, wf.APPROVE)
            _event(user=profile.user, actor=actor, actor_role=role, action=AccountEvent.Action.CHANGE_APPROVED,
                   before=before, after=profile_snapshot(profile, tuple(cleaned)), comment=reason)
            notify(profile.user, "您的信息变更申请已批准", "变更已生效。", reverse("accounts:profile"))
        else:
            req.status = wf.CHANGE_REQUEST.leads_to(wf.CHANGE_DECIDE, wf.REJECT)
            _event(user=profile.user, actor=actor, actor_role=role, action=AccountEvent.Action.CHANGE_REJECTED,
                   before={"status": before_status},
                   after={"status": req.status, "request": req.pk}, comment=reason)
            notify(profile.user, "您的信息变更申请未获批准", f"原因：{reason}", reverse("accounts:change_requests"))
        req.decided_by, req.decided_at, req.reason = actor, now, reason[:200]
        req.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    return req


def _request_values(req: ProfileChangeRequest) -> dict:
    values = dict(req.changes)
    if values.get("probation_start"):
        values["probation_start"] = datetime.date.fromisoformat(values["probation_start"])
    return values


# ---------------------------------------------------------------------------------------------
# Excel import (the work itself is in accounts.imports, run by a Celery task)


def teachers_import_excel(*, actor, school: School, upload):
    """Stores the uploaded workbook and queues its import as a Job; returns the Job."""
    from .imports import teachers_import_start

    return teachers_import_start(actor=actor, school=school, upload=upload)


# ---------------------------------------------------------------------------------------------
# Roles (granted by city staff in the admin)


def role_grant(*, actor, user, role: str, school: School | None = None, district=None) -> RoleAssignment:
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, school=school,
                                                                   district=district)
        if created:
            _event(user=user, actor=actor, actor_role=_admin_role(actor), action=AccountEvent.Action.ROLE_GRANTED,
                   after=role_snapshot(assignment))
    access.forget_roles(user)
    return assignment


def role_revoke(*, actor, assignment: RoleAssignment) -> None:
    with transaction.atomic():
        _event(user=assignment.user, actor=actor, actor_role=_admin_role(actor),
               action=AccountEvent.Action.ROLE_REVOKED, before=role_snapshot(assignment))
        assignment.delete()
    access.forget_roles(assignment.user)


def role_recorded(*, actor, assignment: RoleAssignment, before: dict | None) -> None:
    """Records a role row the admin saved directly (added or edited in a form)."""
    if before == role_snapshot(assignment):
        return
    _event(user=assignment.user, actor=actor, actor_role=_admin_role(actor),
           action=AccountEvent.Action.ROLE_GRANTED, before=before or {}, after=role_snapshot(assignment))


def user_admin_password_set(*, actor, user) -> None:
    """City staff set a password in the Django admin: like a reset, the account must choose
    its own at the next sign-in, its API tokens stop working, and the change is recorded."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.must_change_password = True
        locked.save(update_fields=["must_change_password"])
        tokens_revoke(locked, reason="admin_password_set")
        _event(user=locked, actor=actor, actor_role=_admin_role(actor), action=AccountEvent.Action.PASSWORD_RESET,
               comment="管理后台设置密码")


def user_admin_changed(*, actor, user, before: dict, after: dict) -> None:
    """A change made to a user in the Django admin (active flag, staff flag, names)."""
    if before.get("is_active") and after.get("is_active") is False:
        tokens_revoke(user, reason="deactivated")
    if before != after:
        _event(user=user, actor=actor, actor_role=_admin_role(actor), action=AccountEvent.Action.CHANGED,
               before=before, after=after, comment="管理后台修改")


def delegation_recorded(*, actor, user, school: School, before: set[str], after: set[str]) -> None:
    """Records object permissions (代行区级审核 of one school, guardian) granted or taken back in the
    Django admin, as a role change of the account; the cached roles of the user are dropped."""
    granted, revoked = sorted(after - before), sorted(before - after)
    if granted:
        _event(user=user, actor=actor, actor_role=_admin_role(actor), action=AccountEvent.Action.ROLE_GRANTED,
               after={"delegated_school": school.pk, "permissions": granted}, comment="管理后台授予代行审核")
    if revoked:
        _event(user=user, actor=actor, actor_role=_admin_role(actor), action=AccountEvent.Action.ROLE_REVOKED,
               before={"delegated_school": school.pk, "permissions": revoked}, comment="管理后台撤销代行审核")
    access.forget_roles(user)


def _admin_role(actor) -> str:
    return Role.CITY_STAFF if access.has_role(actor, Role.CITY_STAFF) else ""


def role_snapshot(assignment: RoleAssignment) -> dict:
    return {"role": assignment.role, "school": assignment.school_id, "district": assignment.district_id}

"""Bulk import of a school's teachers from an Excel workbook (the downloadable template).

The upload is checked at once (file type, header row) so that the admin sees a mistake on the
form; the rows are imported by a Celery task that reports progress into a Job. Each row is
created on its own, so a bad row is reported (row number + reason) and the rest go in.
Importing the same file again creates nothing new: a row whose 身份证号 is already registered
at this school is counted as "已存在".
"""

from __future__ import annotations

import datetime
import io
import logging
import uuid

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from core import vault
from core.files import FileRejected, Limits, open_sheet

from . import access
from .errors import AccountError
from .excel import append_row
from .idcard import normalize_id_number
from .jobs import (
    BROKER_DOWN_MESSAGE,
    job_claim,
    job_create,
    job_enqueue,
    job_finish,
    job_is_stale,
    job_progress,
    stale_jobs,
)
from .models import Gender, InitialPassword, Job, School, Stage, TeacherProfile, Title, User, normalize_username

logger = logging.getLogger(__name__)

JOB_KIND = "teacher_import"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# An .xlsx is a zip: 5MB can unpack to gigabytes, which openpyxl would read into memory.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024

# (field, header in the template, required)
COLUMNS = [
    ("username", "账号", False),
    ("name", "姓名", True),
    ("gender", "性别", True),
    ("id_number", "身份证号", True),
    ("stage", "学段", True),
    ("subject", "任教学科", False),
    ("title", "职称", False),
    ("is_head_teacher", "班主任", False),
    ("is_new_teacher", "新任教师", False),
    ("probation_start", "试用期开始日期", False),
    ("is_new_principal", "新任（拟任）校长", False),
    ("is_party_member", "党员", False),
]
BOOL_FIELDS = {"is_head_teacher", "is_new_teacher", "is_new_principal", "is_party_member"}
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓"}
FALSE_WORDS = {"否", "n", "no", "false", "0", ""}


def _normalise_header(value) -> str:
    text = str(value or "").strip()
    for junk in ("*", "＊", "（必填）", "(必填)", "（选填）", "(选填)", "（可空）", "(可空)"):
        text = text.replace(junk, "")
    return text.replace("(", "（").replace(")", "）").strip()


HEADER_TO_FIELD = {_normalise_header(h): f for f, h, _ in COLUMNS}
HEADER_TO_FIELD["新任校长"] = "is_new_principal"


def template_workbook() -> bytes:
    """The import template: headers, a filled example row, drop-downs for the coded columns."""
    wb = Workbook()
    ws = wb.active
    ws.title = "教师名单"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for col, (field, header, required) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=col, value=f"{header}*" if required else header)
        cell.font = bold
        if required:
            cell.fill = fill
        ws.column_dimensions[cell.column_letter].width = 20 if field == "id_number" else 14
    # 身份证号 as text: Excel would turn 18 digits into a float and lose the last ones.
    for row in range(2, 1002):
        ws.cell(row=row, column=4).number_format = "@"
    lists = {
        "gender": [label for _, label in Gender.choices],
        "stage": [label for _, label in Stage.choices],
        "title": [label for _, label in Title.choices],
    }
    for col, (field, _, _) in enumerate(COLUMNS, start=1):
        options = lists.get(field) or (["是", "否"] if field in BOOL_FIELDS else None)
        if options:
            letter = ws.cell(row=1, column=col).column_letter
            dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
            dv.add(f"{letter}2:{letter}1001")
            ws.add_data_validation(dv)
    notes = wb.create_sheet("填写说明")
    for line in (
        "带 * 的列必填。在“教师名单”表中每行填写一位教师，从第2行开始。",
        "账号可留空，由系统按“学校代码+序号”生成；初始密码由系统生成，教师首次登录须修改。",
        "身份证号须为18位且校验位正确（GB 11643），请将该列设为文本格式。",
        "学段须为本校开设的学段；性别、学段、职称、是否类列请从下拉列表中选择。",
        "新任教师须填写试用期开始日期（如 2018-09-01）。",
        "班主任、新任教师、新任（拟任）校长、党员决定可登记的项目（如“党员e家”只限党员教师），请如实填写。",
        "同一文件可重复导入：已在本校登记的身份证号不会重复创建。",
        "导入的账号为“待审核”，经区（市）县管理员（市直属学校为市教科院）审核后方可登记学分。",
    ):
        notes.append([line])
    notes.append([])
    notes.append(["示例（请勿填在本表）："])
    notes.append([h for _, h, _ in COLUMNS])
    notes.append(["", "张三", "男", "510116198506120011", "小学", "语文", "二级教师", "否", "否", "", "否", "是"])
    notes.column_dimensions["A"].width = 90
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


IMPORT_LIMITS = Limits(max_bytes=MAX_UPLOAD_BYTES, max_rows=MAX_ROWS, max_unpacked_bytes=MAX_UNPACKED_BYTES,
                       header_search_rows=1, label="导入文件")


def _open_sheet(fileobj):
    """The sheet through core.files (size, unpacked size, rows; streamed), header read."""
    try:
        sheet = open_sheet(fileobj, IMPORT_LIMITS)
        try:
            sheet.find_header(lambda cells: True)
        except FileRejected:
            sheet.close()
            raise
    except FileRejected as exc:
        raise AccountError(exc.message, field="file") from None
    return sheet


def _header_fields(sheet) -> dict[int, str]:
    mapping = {}
    for idx, value in enumerate(sheet.header):
        field = HEADER_TO_FIELD.get(_normalise_header(value))
        if field:
            mapping[idx] = field
    return mapping


def teachers_import_start(*, actor, school: School, upload) -> Job:
    if not access.can_add_teacher(actor, school):
        raise AccountError(f"您不是{school}的校管理员，不能为该校导入教师。")
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".xlsx"):
        raise AccountError("请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）。", field="file")
    with _open_sheet(upload) as sheet:
        header = _header_fields(sheet)
    missing = [h for f, h, required in COLUMNS if required and f not in header.values()]
    if missing:
        raise AccountError(f"第1行缺少必填列：{'、'.join(missing)}。请使用导入模板。", field="file")
    upload.seek(0)
    path = default_storage.save(f"imports/teachers/{uuid.uuid4().hex}.xlsx", upload)
    from .tasks import import_teachers

    with transaction.atomic():
        job = job_create(kind=JOB_KIND, owner=actor)
        job.result = {"school_id": school.pk, "school": school.name, "file": path, "filename": name[:100]}
        job.save(update_fields=["result"])
        transaction.on_commit(lambda: job_enqueue(job, import_teachers, job.pk, on_failure=_delete_sheet))
    if job.status == Job.Status.FAILED and job.error == BROKER_DOWN_MESSAGE:
        # The broker was down: said on the form at once (the failed job stays in the list).
        raise AccountError(BROKER_DOWN_MESSAGE, field="file")
    return job


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _row_values(raw: dict) -> dict:
    """Turns one row's cells into teacher_create's arguments; raises AccountError on a bad cell."""
    values = {}
    for field, value in raw.items():
        if field in BOOL_FIELDS:
            text = _cell_text(value).lower()
            if text in TRUE_WORDS:
                values[field] = True
            elif text in FALSE_WORDS:
                values[field] = False
            else:
                raise AccountError(f"“{ {f: h for f, h, _ in COLUMNS}[field]}”应填“是”或“否”。")
        elif field == "probation_start":
            if isinstance(value, datetime.datetime):
                values[field] = value.date()
            elif isinstance(value, datetime.date):
                values[field] = value
            elif _cell_text(value):
                text = _cell_text(value).replace("/", "-").replace(".", "-")
                try:
                    y, m, d = (int(p) for p in text.split("-"))
                    values[field] = datetime.date(y, m, d)
                except ValueError:
                    raise AccountError(f"试用期开始日期“{_cell_text(value)}”无法识别，请写成 2018-09-01。") from None
            else:
                values[field] = None
        elif field == "id_number":
            if isinstance(value, float):
                raise AccountError("身份证号被 Excel 存成了数字，末几位已丢失；请将该列设为文本格式后重新填写。")
            values[field] = normalize_id_number(_cell_text(value))
        else:
            values[field] = _cell_text(value)
    for field, header, required in COLUMNS:
        if required and not values.get(field):
            raise AccountError(f"“{header}”不能为空。")
    values.setdefault("title", Title.NONE)
    if not values.get("title"):
        values["title"] = Title.NONE
    return values


def teachers_import_run(*, job_id: int) -> Job:
    """Imports the rows of a queued job, or resumes one whose worker died (from the last row it
    reported). Safe to call again: a finished job is left alone, a job another live run holds too."""
    job = Job.objects.select_related("owner").get(pk=job_id)
    if job.status in (Job.Status.DONE, Job.Status.FAILED) or not job_claim(job):
        return job
    try:
        return _run(job)
    finally:
        if job.status in (Job.Status.DONE, Job.Status.FAILED):
            _delete_sheet(job)


def _delete_sheet(job: Job) -> None:
    # The sheet holds every teacher's 身份证号: kept only while the job needs it.
    path = (job.result or {}).get("file")
    if path:
        default_storage.delete(path)


def _run(job: Job) -> Job:
    base = dict(job.result)
    school = School.objects.get(pk=base["school_id"])
    try:
        with default_storage.open(base["file"], "rb") as fh:
            data = io.BytesIO(fh.read())
        data.name = "import.xlsx"
        with _open_sheet(data) as sheet:
            header = _header_fields(sheet)
            try:
                rows = [(number, {field: cells[idx] for idx, field in header.items()})
                        for number, cells in sheet.rows()]
            except FileRejected as exc:
                raise AccountError(exc.message) from None
    except AccountError as exc:
        job_finish(job, result=base, error=exc.message)
        return job
    except FileNotFoundError:
        job_finish(job, result=base, error="导入文件已不存在，请重新上传。")
        return job

    try:
        return _import_rows(job=job, school=school, actor=job.owner, rows=rows, base=base)
    except Exception:
        # The bar must not spin forever: the job ends as failed, the error goes to the log.
        logger.exception("teacher import job %s failed", job.pk)
        job_finish(job, result=_final(job, base), error="导入意外中断，请稍后重试；已导入的行不会重复创建。")
        raise


# Progress (rows done, counters, row errors) is persisted every this many rows; a resumed run
# starts after the last persisted row. Rows created after it are known by their InitialPassword.
CHECKPOINT_ROWS = 10


def _import_rows(*, job: Job, school: School, actor, rows, base: dict) -> Job:
    from .services import teacher_create

    state = base.setdefault("progress", {"skipped": 0, "errors": []})
    start = job.done if job.done and job.done <= len(rows) else 0
    if start:
        logger.info("teacher import job %s resumed after row %s of %s", job.pk, start, len(rows))
    job_progress(job, done=start, total=len(rows), result=base)
    created_rows = set(InitialPassword.objects.filter(job=job).values_list("row", flat=True))
    expires = timezone.now() + datetime.timedelta(hours=settings.INITIAL_PASSWORD_TTL_HOURS)
    # 身份证号 → first row, for duplicates within the file; rebuilt from the rows already done
    # (never persisted: the job's result is shown to staff).
    seen: dict[str, int] = {}
    for i, (number, raw) in enumerate(rows, start=1):
        if i <= start:
            try:
                seen.setdefault(_row_values(raw)["id_number"], number)
            except AccountError:
                pass
            continue
        if number in created_rows:
            # Created by the run that died, after its last checkpoint: the password is kept.
            pass
        else:
            name = _cell_text(raw.get("name"))
            try:
                values = _row_values(raw)
                id_number = values["id_number"]
                if id_number in seen:
                    raise AccountError(f"身份证号与第{seen[id_number]}行重复。")
                seen[id_number] = number
                existing = TeacherProfile.objects.filter(id_number=id_number).only("school_id").first()
                if existing is not None and existing.school_id == school.pk:
                    state["skipped"] += 1
                else:
                    username = normalize_username(values.pop("username", ""))
                    if username and existing is None and User.objects.filter(username__iexact=username).exists():
                        raise AccountError(f"账号“{username}”已被其他人使用。")
                    with transaction.atomic():
                        result = teacher_create(actor=actor, school=school, username=username, **values)
                        InitialPassword.objects.create(job=job, row=number, user=result.profile.user,
                                                       secret=vault.seal(result.password), expires_at=expires)
            except AccountError as exc:
                state["errors"].append({"row": number, "name": name, "reason": exc.message})
        if i % CHECKPOINT_ROWS == 0 or i == len(rows):
            job_progress(job, done=i, result=base)
    job_finish(job, result=_final(job, base))
    return job


def _final(job: Job, base: dict) -> dict:
    """The report: counters, row errors, the accounts created (never their passwords)."""
    state = base.get("progress") or {"skipped": 0, "errors": []}
    accounts = [{"row": p.row, "name": p.user.display_name, "username": p.user.username}
                for p in InitialPassword.objects.filter(job=job).select_related("user", "user__teacher_profile")]
    out = {k: v for k, v in base.items() if k != "progress"}
    out.update(created=len(accounts), skipped=state["skipped"], failed=len(state["errors"]),
               errors=state["errors"], accounts=accounts, passwords_waiting=bool(accounts))
    return out


# A job whose worker died this many times is not resumed again (a row that kills the worker
# would otherwise do so forever): it ends as failed, its created accounts and passwords kept.
MAX_RESUMES = 3


def import_resume(*, job: Job) -> bool:
    """Queues a run of an import whose worker died; it continues after the last persisted row.
    Returns False when the job is not stale (finished, or a live run holds it)."""
    from .tasks import import_teachers

    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.kind != JOB_KIND or not job_is_stale(locked):
            return False
        resumes = int(locked.result.get("resumes", 0))
        if resumes >= MAX_RESUMES:
            job_finish(locked, result=_final(locked, dict(locked.result)),
                       error=f"导入已中断{resumes + 1}次，已停止；已导入的行保留，请检查文件后重新上传。")
            transaction.on_commit(lambda: _delete_sheet(locked))
            return False
        locked.result = {**locked.result, "resumes": resumes + 1}
        locked.save(update_fields=["result"])
        transaction.on_commit(lambda: job_enqueue(locked, import_teachers, locked.pk, fail_job=False))
    logger.warning("teacher import job %s was stale (worker lost); resumed after row %s", job.pk, locked.done)
    return True


def resume_stale_imports() -> list[int]:
    """Imports whose worker died (no progress for JOB_STALE_SECONDS) run again from where they
    stopped; returns the ids queued."""
    return [job.pk for job in stale_jobs(JOB_KIND) if import_resume(job=job)]


def purge_initial_passwords() -> int:
    """Initial passwords nobody downloaded in time are deleted (the admin resets them instead)."""
    expired = InitialPassword.objects.filter(expires_at__lte=timezone.now())
    job_ids = set(expired.values_list("job_id", flat=True))
    n, _ = expired.delete()
    for job in Job.objects.filter(pk__in=job_ids).exclude(initial_passwords__isnull=False):
        job.result = {**job.result, "passwords_waiting": False, "passwords_expired": True}
        job.save(update_fields=["result"])
    return n


def initial_passwords_waiting(job: Job) -> bool:
    return job.kind == JOB_KIND and InitialPassword.objects.filter(job=job, expires_at__gt=timezone.now()).exists()


def take_initial_passwords(*, job: Job, user) -> list[dict]:
    """The initial passwords of an import, handed out once to the admin who ran it and then
    deleted from the database."""
    if job.owner_id != user.pk or job.kind != JOB_KIND:
        raise AccountError("只有导入人可以下载本次导入的初始密码。")
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.status not in (Job.Status.DONE, Job.Status.FAILED):
            raise AccountError("导入尚未结束，结束后可下载全部初始密码。")
        waiting = list(InitialPassword.objects.select_for_update(of=("self",))
                       .filter(job=locked, expires_at__gt=timezone.now()).select_related("user"))
        if not waiting:
            raise AccountError("本次导入的初始密码已下载过（仅可下载一次）或已过期；如需要，请在教师详情页重置密码。")
        rows = [{"row": p.row, "name": p.user.display_name, "username": p.user.username,
                 "password": vault.unseal(p.secret) or "（无法解密，请重置密码）"} for p in waiting]
        InitialPassword.objects.filter(job=locked).delete()
        locked.result = {**locked.result, "passwords_waiting": False, "passwords_taken": True}
        locked.save(update_fields=["result"])
    return rows


def passwords_workbook(rows: list[dict], school_name: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "初始密码"
    ws.append([f"{school_name} 新建教师账号初始密码（首次登录须修改，请妥善分发）"])
    ws.append(["Excel行号", "姓名", "账号", "初始密码"])
    for r in rows:
        append_row(ws, [r["row"], r["name"], r["username"], r["password"]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

"""System feeds (notice 二(三)1): QR/ID-card sign-in trainings, 微师培, 成都数字学校, video
courses, reading notes and reflections, 党员e家. Each record becomes a confirmed entry
(source feed) without the review chain, keyed by its external id, so importing the same
file twice changes nothing; a record re-sent under the same id with other values corrects the
entry (audit row with before/after), unless the rules refuse the new values. Year caps and whole-unit pooling (3 hours = 1 credit) are the
engine's, applied to the year's total."""

import datetime
import io
import uuid
from decimal import ROUND_DOWN, Decimal
from pathlib import PurePosixPath

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from accounts.access import has_role
from accounts.models import Job, Role, TeacherProfile
from core.files import FileRejected, Limits, open_sheet
from credits.checks import date_problem, eligibility_problem, quantity_problem
from credits.models import (
    AcademicYear,
    CreditEntry,
    CreditItem,
    EntrySource,
    EntryStatus,
    Flow,
    Kind,
)
from credits.services import academic_year_ensure

from ..calendar import today_or
from ..errors import TransitionError
from ..models import Action, FeedChannel, FeedImport
from ._common import compute_credits, diff, record, to_decimal

# The catalogue item each channel feeds (the sign-in channel names its training's item per import).
FEED_ITEM_CODES: dict[str, str] = {
    FeedChannel.MICRO_COURSE: "micro_course",
    FeedChannel.DIGITAL_SCHOOL: "digital_school",
    FeedChannel.VIDEO_COURSE: "video_course",
    FeedChannel.READING_NOTE: "reading_note",
    FeedChannel.REFLECTION: "self_reflection",
    FeedChannel.PARTY_E_HOME: "party_e_home",
}
# Column names accepted in files (Chinese as the source systems export them, or English).
HEADERS = {
    "external_id": ("编号", "记录编号", "external_id"),
    "username": ("账号", "username"),
    "id_number": ("身份证号", "id_number"),
    "date": ("日期", "学习日期", "培训日期", "date"),
    "quantity": ("数量", "学时", "课程数", "篇数", "quantity"),
    "title": ("内容", "课程名称", "培训内容", "title"),
    "item_code": ("项目代码", "item_code"),
}
MAX_RECORDS = 20000
PROGRESS_EVERY = 200


def _ensure_importer(actor) -> None:
    if not has_role(actor, Role.CITY_STAFF):
        raise TransitionError("系统数据由市教科院教师发展研究所导入。", kind="permission")


def _parse_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        raise TransitionError(f"日期「{value}」格式不正确（应为 2018-03-15）。") from None


FEED_LIMITS = Limits(max_bytes=10 * 1024 * 1024, max_rows=MAX_RECORDS, kinds=("csv", "xlsx"), label="导入文件",
                     max_unpacked_bytes=80 * 1024 * 1024, header_search_rows=1)


def parse_feed_file(upload) -> list[dict]:
    """CSV (UTF-8) or Excel (.xlsx) with a header row; returns records keyed as the API's.
    Read through core.files (size, unpacked size and row limits, streamed)."""
    try:
        with open_sheet(upload, FEED_LIMITS) as sheet:
            header = sheet.find_header(lambda cells: True)
            index = {}
            for key, names in HEADERS.items():
                for n, col in enumerate(header):
                    if col in names:
                        index[key] = n
                        break
            for required in ("external_id", "date", "quantity"):
                if required not in index:
                    raise TransitionError(f"文件缺少列：{HEADERS[required][0]}。")
            if "username" not in index and "id_number" not in index:
                raise TransitionError("文件须有「账号」或「身份证号」列。")
            records = []
            for _line, row in sheet.rows():
                row = ["" if c is None else c for c in row]
                records.append({key: row[n] for key, n in index.items()})
    except FileRejected as exc:
        if "缺少表头" in exc.message:
            raise TransitionError("文件是空的。") from None
        raise TransitionError(exc.message) from None
    return records


def _find_teacher(record_: dict) -> TeacherProfile:
    username = str(record_.get("username") or "").strip()
    id_number = str(record_.get("id_number") or "").strip().upper()
    qs = TeacherProfile.objects.select_related("user", "school")
    profile = None
    if username:
        profile = qs.filter(user__username=username).first()
    elif id_number:
        profile = qs.filter(id_number=id_number).first()
    if profile is None:
        raise TransitionError(f"找不到教师账号（{username or id_number or '未提供账号'}）。")
    if not profile.can_register_credits:
        raise TransitionError(f"账号「{profile.user.username}」未审核或已停用，不能登记学分。")
    return profile


def feed_import_records(*, actor, channel: str, records, item_code: str = "", via: str = "api",
                        file=None, filename: str = "", today: datetime.date | None = None,
                        progress=None) -> FeedImport:
    """Imports records; each one is its own savepoint so a bad row does not stop the others.
    `progress(done, total)`, when given, is called every PROGRESS_EVERY records (a job's bar)."""
    from credits.selectors import item_for

    _ensure_importer(actor)
    today = today_or(today)
    if channel not in FeedChannel.values:
        raise TransitionError(f"未知的数据来源：{channel}。")
    fixed = FEED_ITEM_CODES.get(channel)
    item_code = (item_code or "").strip()
    if fixed and item_code and item_code != fixed:
        raise TransitionError(f"{FeedChannel(channel).label}的数据只能认定本渠道的项目（{fixed}）。")
    default_code = fixed or item_code
    records = list(records)
    if len(records) > MAX_RECORDS:
        raise TransitionError(f"一次最多导入 {MAX_RECORDS} 条记录。")
    feed = FeedImport(channel=channel, item_code=default_code[:40], via=via, imported_by=actor,
                      filename=(filename or "")[:200], total_count=len(records))
    if file is not None:
        file.seek(0)
        feed.file.save(filename or "feed", file, save=False)
    feed.save()
    errors = []
    for n, rec in enumerate(records, start=1):
        try:
            with transaction.atomic():  # one record, one savepoint (its row lock included)
                created = _import_one(feed, rec, default_code=default_code, actor=actor, item_for=item_for,
                                      today=today)
        except TransitionError as exc:
            errors.append({"row": n, "external_id": str(rec.get("external_id", ""))[:64], "message": exc.message})
            continue
        finally:
            if progress is not None and (n % PROGRESS_EVERY == 0 or n == len(records)):
                progress(n, len(records))
        if created == CREATED:
            feed.created_count += 1
        elif created == UPDATED:
            feed.updated_count += 1
        else:
            feed.skipped_count += 1
    feed.error_count = len(errors)
    feed.errors = errors[:1000]
    feed.save(update_fields=["created_count", "updated_count", "skipped_count", "error_count", "errors"])
    return feed


CREATED, UPDATED, SKIPPED = "created", "updated", "skipped"


def _import_one(feed: FeedImport, rec: dict, *, default_code: str, actor, item_for, today) -> str:
    """One record → a confirmed entry. The same external id again with the same values is
    skipped; with other values it corrects the entry (an audit row with before/after; caps are
    the engine's, so the year's total is re-capped); a correction the rules refuse is an error."""
    external = str(rec.get("external_id") or "").strip()
    if isinstance(rec.get("external_id"), float) and rec["external_id"].is_integer():
        external = str(int(rec["external_id"]))
    if not external:
        raise TransitionError("缺少记录编号。")
    key = f"{feed.channel}:{external}"
    if len(key) > 64:
        raise TransitionError("记录编号过长。")
    existing = CreditEntry.objects.select_for_update(of=("self",)).select_related(
        "academic_year", "item", "teacher__user").filter(source=EntrySource.FEED, external_id=key).first()
    if existing is not None and _unchanged(existing, rec, feed):
        return SKIPPED
    teacher = _find_teacher(rec)
    day = _parse_date(rec.get("date"))
    problem = date_problem(day, None, today=today)
    if problem:
        raise TransitionError(f"日期 {day}：{problem}")
    year = academic_year_ensure(AcademicYear.credit_day(day))
    if year.is_locked:
        raise TransitionError(f"{year.label}学年已封存，不能再导入。")
    code = str(rec.get("item_code") or "").strip() or default_code
    fixed = FEED_ITEM_CODES.get(feed.channel)
    if fixed and code != fixed:
        # Credits confirmed without review: a channel may only feed the item it measures.
        raise TransitionError(f"{FeedChannel(feed.channel).label}的记录只能认定本渠道的项目（{fixed}）。")
    if not code:
        raise TransitionError("签到培训须指定认定项目代码。")
    try:
        item = item_for(code, year)
    except CreditItem.DoesNotExist:
        raise TransitionError(f"学分项目「{code}」在{year.label}学年不存在。") from None
    if not fixed and (item.flow != Flow.DECLARE or item.kind != Kind.CENTRALIZED):
        # 二(三)1(1): the scan replaces the 集中培训 declaration chain, and nothing else.
        raise TransitionError(f"「{item.name}」不是集中培训项目，不能通过扫描签到认定。")
    # One place, rounded down as every conversion is: a feed never credits more than it recorded.
    quantity = to_decimal(rec.get("quantity"), field="数量").quantize(Decimal("0.1"), rounding=ROUND_DOWN)
    if quantity <= 0 or quantity >= 100000:
        raise TransitionError("数量须大于 0（保留一位小数）。")
    # The catalogue's limits and eligibility hold for fed records as for declared ones.
    problem = quantity_problem(item, quantity, started_on=day) or eligibility_problem(
        item, teacher, start_year=year.start_year)
    if problem:
        raise TransitionError(problem)
    title = (str(rec.get("title") or "").strip() or FeedChannel(feed.channel).label)[:200]
    if existing is not None:
        return _correct(existing, feed=feed, actor=actor, teacher=teacher, year=year, item=item, day=day,
                        quantity=quantity, title=title)
    entry = CreditEntry(
        teacher=teacher, school=teacher.school, academic_year=year, item=item, title=title,
        organizer=FeedChannel(feed.channel).label[:100], started_on=day,
        quantity_claimed=quantity, status=EntryStatus.CONFIRMED,
        source=EntrySource.FEED, external_id=key, created_by=actor,
    )
    entry.credits = compute_credits(entry)
    try:
        with transaction.atomic():
            entry.save()
            record(entry, action=Action.FEED, actor=actor, role=Role.CITY_STAFF, from_state="",
                   to_state=entry.status,
                   changes={"quantity_claimed": [None, str(entry.quantity_claimed)],
                            "credits": [None, str(entry.credits)]},
                   comment=f"{FeedChannel(feed.channel).label}导入（批次 {feed.pk}）")
    except IntegrityError:
        # The same record arrived in a parallel import a moment ago.
        return SKIPPED
    return CREATED


def _unchanged(entry: CreditEntry, rec: dict, feed: FeedImport) -> bool:
    """The same record sent again: same teacher, date, quantity and title (and item, if named)."""
    try:
        day = _parse_date(rec.get("date"))
        quantity = to_decimal(rec.get("quantity"), field="数量").quantize(Decimal("0.1"), rounding=ROUND_DOWN)
    except TransitionError:
        return False
    username = str(rec.get("username") or "").strip()
    id_number = str(rec.get("id_number") or "").strip().upper()
    same_teacher = (entry.teacher.user.username == username) if username else (entry.teacher.id_number == id_number)
    title = (str(rec.get("title") or "").strip() or FeedChannel(feed.channel).label)[:200]
    code = str(rec.get("item_code") or "").strip()
    return (same_teacher and entry.started_on == day and entry.quantity_claimed == quantity and entry.title == title
            and (not code or code == entry.item.code))


def _correct(entry: CreditEntry, *, feed, actor, teacher, year, item, day, quantity, title) -> str:
    if entry.teacher_id != teacher.pk:
        raise TransitionError(f"记录编号已认定给另一位教师（登记 #{entry.pk}），不能改给其他教师；请核对后以新编号发送。")
    if entry.academic_year.is_sealed:
        raise TransitionError(f"原记录所在的{entry.academic_year.label}学年已封存，不能更正。")
    before = {"started_on": entry.started_on, "academic_year": entry.academic_year, "item": entry.item,
              "quantity_claimed": entry.quantity_claimed, "title": entry.title, "credits": entry.credits}
    entry.started_on, entry.academic_year, entry.item = day, year, item
    entry.quantity_claimed, entry.title = quantity, title
    entry.credits = compute_credits(entry)
    after = {"started_on": day, "academic_year": year, "item": item, "quantity_claimed": quantity, "title": title,
             "credits": entry.credits}
    changes = diff(before, after)
    if not changes:
        return SKIPPED
    with transaction.atomic():
        entry.save(update_fields=["started_on", "academic_year", "item", "quantity_claimed", "title", "credits",
                                  "updated_at"])
        record(entry, action=Action.FEED_CORRECT, actor=actor, role=Role.CITY_STAFF, from_state=entry.status,
               to_state=entry.status, changes=changes,
               comment=f"{FeedChannel(feed.channel).label}重新发送同一记录编号，按新数值更正（批次 {feed.pk}）")
    return UPDATED


FEED_JOB_KIND = "feed_import"


def feed_import_file_start(*, actor, channel: str, file, item_code: str = "") -> Job:
    """A large feed file is parsed and imported by a Celery job with progress, never inside the
    request: the file is kept (by the job) only until the job has stored it on its FeedImport."""
    from accounts.jobs import job_create, job_enqueue

    from ..tasks import feed_import_task

    _ensure_importer(actor)
    if channel not in FeedChannel.values:
        raise TransitionError(f"未知的数据来源：{channel}。")
    name = (getattr(file, "name", "") or "feed")[:200]
    file.seek(0)
    path = default_storage.save(f"imports/feeds/{uuid.uuid4().hex}{PurePosixPath(name).suffix.lower()[:8]}", file)
    with transaction.atomic():
        job = job_create(kind=FEED_JOB_KIND, owner=actor)
        job.result = {"file": path, "filename": name, "channel": channel, "item_code": item_code}
        job.save(update_fields=["result"])
        transaction.on_commit(lambda: job_enqueue(job, feed_import_task, job.pk, on_failure=_delete_feed_file))
    return job


def _delete_feed_file(job: Job) -> None:
    path = (job.result or {}).get("file")
    if path:
        default_storage.delete(path)


def feed_import_file_run(*, job_id: int) -> Job:
    """The job's work: parse (core.files), import with progress, finish with the counts."""
    from accounts.jobs import job_claim, job_finish, job_progress

    job = Job.objects.select_related("owner").get(pk=job_id)
    if job.status in (Job.Status.DONE, Job.Status.FAILED) or not job_claim(job):
        return job
    base = dict(job.result)
    try:
        with default_storage.open(base["file"], "rb") as fh:
            content = fh.read()
        data = File(io.BytesIO(content), name=base["filename"])
        data.size = len(content)
        records = parse_feed_file(data)
        job_progress(job, done=0, total=len(records))
        feed = feed_import_records(actor=job.owner, channel=base["channel"], records=records,
                                   item_code=base["item_code"], via="file", file=data, filename=base["filename"],
                                   progress=lambda done, total: job_progress(job, done=done, total=total))
    except TransitionError as exc:
        job_finish(job, result={"filename": base["filename"]}, error=exc.message)
    else:
        job_finish(job, result={"filename": base["filename"], "feed": feed.pk, "created": feed.created_count,
                                "updated": feed.updated_count, "skipped": feed.skipped_count,
                                "errors": feed.error_count})
    finally:
        _delete_feed_file(Job(result=base))
    return job


def feed_import_file(*, actor, channel: str, file, item_code: str = "",
                     today: datetime.date | None = None) -> FeedImport:
    _ensure_importer(actor)
    records = parse_feed_file(file)
    return feed_import_records(actor=actor, channel=channel, records=records, item_code=item_code, via="file",
                               file=file, filename=getattr(file, "name", ""), today=today)

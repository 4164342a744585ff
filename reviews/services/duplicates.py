"""Duplicate claims (issue 9): one activity, one proof file, one certificate — credited once.

Refused at submission (nothing is written), with a link to the other entry:
- the same teacher with another live entry of the same item, dates and title;
- the same teacher with another live entry using the same proof file (``Evidence.sha256``);
- the same certificate number on another live entry of the same teacher, in any item, category or
  学年 (普通话 counts once per certificate; a certificate credited as 规范性 cannot be credited again
  under the 灵活性 "职业技能/职称考试/普通话" item).

Where a real repeat is possible — another teacher's entry with the same proof file (a training's
通知安排 is shared by everyone who attended) or the same certificate number (numbers of different
issuers may coincide) — nothing is refused: every reviewer sees the warning (``entry_warnings``).

"Live" means any entry that is not rejected or withdrawn: a rejected claim credits nothing and
may be registered anew; a resubmitted one is checked again.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from credits.models import CreditEntry, EntryStatus

from ..errors import TransitionError
from ._common import entry_url

DEAD_STATUSES = (EntryStatus.REJECTED, EntryStatus.WITHDRAWN)


def normalize_certificate_no(value) -> str:
    """Full-width to ASCII, spaces and dashes out, upper case: one number, one spelling."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    return "".join(ch for ch in text if not ch.isspace() and ch not in "-—_").upper()[:64]


def _normalize_title(value) -> str:
    return "".join(unicodedata.normalize("NFKC", str(value or "")).split()).lower()


class DuplicateError(TransitionError):
    """A refused duplicate, with the other entry (its id and page)."""

    def __init__(self, message: str, *, other: CreditEntry, field: str | None = None):
        # The API body names the other entry (core.handlers puts `details` into it).
        super().__init__(message, kind="invalid", field=field, details={"duplicate_of": other.pk})
        self.other_id = other.pk
        self.url = entry_url(other)


def _live(qs):
    return qs.exclude(status__in=DEAD_STATUSES)


def _label(entry: CreditEntry) -> str:
    return (f"登记 #{entry.pk}（{entry.item.name}，{entry.title}，{entry.started_on:%Y-%m-%d}，"
            f"{entry.academic_year.label}学年，{entry.get_status_display()}）")


def check_same_activity(*, teacher, item, title, started_on, ended_on, exclude_pk=None) -> None:
    qs = _live(CreditEntry.objects.filter(teacher=teacher, item__code=item.code, started_on=started_on)
               ).select_related("item", "academic_year")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    wanted = _normalize_title(title)
    last_day = ended_on or started_on
    for other in qs:
        if _normalize_title(other.title) == wanted and (other.ended_on or other.started_on) == last_day:
            raise DuplicateError(f"同一活动已登记过：{_label(other)}。同一项目、日期和内容只能登记一次。", other=other,
                                 field="title")


def check_certificate(*, teacher, certificate_no: str, exclude_pk=None) -> None:
    if not certificate_no:
        return
    qs = _live(CreditEntry.objects.filter(teacher=teacher, certificate_no=certificate_no)).select_related(
        "item", "academic_year")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    other = qs.order_by("pk").first()
    if other is not None:
        raise DuplicateError(
            f"证书编号 {certificate_no} 已用于{_label(other)}。一张证书只能计一次学分"
            f"（规范性与灵活性不能重复计，普通话证书只计入证书日期所在学年）。", other=other, field="certificate_no")


def check_files(*, entry, digests) -> None:
    """The same file twice in one upload, or a file of another live entry of the same teacher."""
    from ..models import Evidence

    digests = list(digests)
    if len(set(digests)) != len(digests):
        raise TransitionError("同一个文件上传了两次，请删除重复的文件。")
    qs = Evidence.objects.filter(sha256__in=digests, entry__teacher_id=entry.teacher_id).exclude(
        entry__status__in=DEAD_STATUSES).select_related("entry__item", "entry__academic_year")
    if entry.pk:
        qs = qs.exclude(entry_id=entry.pk)
    hit = qs.order_by("entry_id").first()
    if hit is not None:
        raise DuplicateError(f"证明材料「{hit.original_name}」已用于{_label(hit.entry)}。同一份证明只能用于一条登记。",
                             other=hit.entry, field="evidence")


@dataclass(frozen=True)
class Warning:
    code: str
    message: str
    other_id: int


def entry_warnings(entry: CreditEntry) -> list[Warning]:
    """What every reviewer of `entry` must see: another teacher's live entry with the same proof
    file or the same certificate number (a repeat that may be real, so not refused)."""
    from ..models import Evidence

    out = []
    digests = list(entry.evidence.values_list("sha256", flat=True))
    if digests:
        hits = (_live(CreditEntry.objects.filter(evidence__sha256__in=digests)).exclude(pk=entry.pk)
                .exclude(teacher_id=entry.teacher_id).distinct().order_by("pk")[:5])
        for other in hits:
            name = Evidence.objects.filter(entry=other, sha256__in=digests).values_list("original_name", flat=True).first()
            out.append(Warning("same_file", f"证明材料「{name}」与另一位教师的登记 #{other.pk} 使用同一文件，请核对原件。",
                               other.pk))
    if entry.certificate_no:
        hits = (_live(CreditEntry.objects.filter(certificate_no=entry.certificate_no)).exclude(pk=entry.pk)
                .exclude(teacher_id=entry.teacher_id).order_by("pk")[:5])
        for other in hits:
            out.append(Warning("same_certificate",
                               f"证书编号 {entry.certificate_no} 也出现在另一位教师的登记 #{other.pk} 中，请核对证书原件。",
                               other.pk))
    return out


def warned_entry_ids(entries) -> set[int]:
    """Which of these entries `entry_warnings` would warn about, in two queries for a whole page
    (a review queue marks them: bulk approval leaves them for their own page)."""
    from ..models import Evidence

    entries = list(entries)
    if not entries:
        return set()
    # A file of these entries that a live entry of another teacher also holds: per file, the first
    # such holder (LIMIT 1, by the digest's index), so a file shared across the city — the same
    # notice PDF uploaded by thousands — costs one index probe, not every holder on every queue page.
    other = (Evidence.objects.filter(sha256=OuterRef("sha256")).exclude(entry__teacher_id=OuterRef("entry__teacher_id"))
             .exclude(entry__status__in=DEAD_STATUSES).order_by().values("pk")[:1])
    warned = set(Evidence.objects.filter(entry_id__in=[e.pk for e in entries]).order_by().annotate(other=Subquery(other))
                 .filter(other__isnull=False).values_list("entry_id", flat=True))
    numbers = {e.certificate_no for e in entries if e.certificate_no}
    certificate_holders: dict[str, set[int]] = {}
    if numbers:
        for number, teacher_id in (_live(CreditEntry.objects.filter(certificate_no__in=numbers))
                                   .values_list("certificate_no", "teacher_id")):
            certificate_holders.setdefault(number, set()).add(teacher_id)
    warned |= {e.pk for e in entries if e.certificate_no and certificate_holders.get(e.certificate_no, set()) - {e.teacher_id}}
    return warned

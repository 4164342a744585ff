"""The reviewer's daily digest (issue 14): one notification (and e-mail, where an address is set)
per reviewer per day, not one per entry — sent when work has arrived in one of their queues since
their last digest (after a quiet period nothing is repeated), summarising each queue, how many
entries are new, and the window each is in with its deadline.

Run daily by Celery beat (reviews.tasks.send_reviewer_digests). Idempotent: the dedupe key names
the day, so a rerun the same day sends nothing new.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse

from accounts.access import has_role
from accounts.models import Notification, Role, School, User
from credits.models import CreditEntry

from .. import workflow as wf
from ..calendar import _cn_date, extensions_for, today_or, window_range
from ..models import EntryTransition

# The queues a role works, in the order a digest lists them, with the home page's words (the
# workflow's actors: the city does the district's step for the 市直属学校 and confirms everything).
DIGEST_STEPS = tuple((a.role, s.name, a.home) for s in wf.ENTRY_STEPS for a in s.actors)
SCHOOL_LEVEL = (Role.SCHOOL_ADMIN, Role.SCHOOL_LEADER)
DIGEST_KEY = "digest:"


@dataclass
class QueueSummary:
    step: str
    label: str
    count: int
    new: int
    windows: list[str]
    closes: datetime.date | None  # the earliest deadline among the queue's open windows

    def line(self) -> str:
        new = f"，其中 {self.new} 条是新到的" if self.new and self.new != self.count else ("，均为新到" if self.new else "")
        where = "；".join(self.windows)
        return f"{self.label} {self.count} 条{new}（{where}）。"


def _candidates():
    """Users who may have something waiting: the school admins and leaders of schools with
    entries at their step, and every district admin and city staff member."""
    open_years = Q(academic_year__sealed_at__isnull=True, academic_year__sealing_started_at__isnull=True)
    pending = CreditEntry.objects.filter(open_years)
    q = Q(role_assignments__role__in=[Role.DISTRICT_ADMIN, Role.CITY_STAFF])
    for role, step, _ in DIGEST_STEPS:
        if role in SCHOOL_LEVEL:
            at = pending.filter(status=wf.STEPS[step].from_state).values("school_id")
            q |= Q(role_assignments__role=role, role_assignments__school__in=at)
    return User.objects.filter(q, is_active=True).distinct().order_by("pk")


def _summary(user, step: str, label: str, *, today, since) -> QueueSummary | None:
    from ..selectors import review_queue

    qs = review_queue(user=user, step=step).filter(academic_year__sealed_at__isnull=True,
                                                   academic_year__sealing_started_at__isnull=True)
    count = qs.count()
    if not count:
        return None
    window = wf.STEPS[step].window
    pairs = list(qs.order_by().values_list("academic_year_id", "school_id").distinct())
    years = _years_of(pairs)
    schools = School.objects.in_bulk({school_id for _, school_id in pairs})
    extensions = extensions_for(list(years.values()), [window])
    notices, closes, actionable = [], None, False
    for year_id, school_id in sorted(pairs):
        rng = window_range(years[year_id], window, school=schools[school_id], extensions=extensions)
        text = f"{years[year_id].label}学年：{rng.notice(today)}"
        if text not in notices:
            notices.append(text)
        if rng.contains(today):
            actionable = True
            closes = rng.closes if closes is None else min(closes, rng.closes)
    if not actionable:
        # Nothing can be done yet (the window opens later) or any more: no digest for this queue.
        return None
    moved = EntryTransition.objects.filter(entry_id__in=qs.values("pk"))
    if since is not None:
        moved = moved.filter(at__gt=since)
    new = qs.filter(pk__in=moved.values("entry_id")).count()
    shown = notices[:3] + (["等"] if len(notices) > 3 else [])
    return QueueSummary(step, label, count, new, shown, closes)


def _years_of(pairs):
    from credits.models import AcademicYear

    return AcademicYear.objects.in_bulk({year_id for year_id, _ in pairs})


def reviewer_digest_for(user, *, today: datetime.date, since=None) -> list[QueueSummary]:
    """What waits for `user` today, one summary per queue with an open window."""
    out, seen_steps = [], set()
    for role, step, label in DIGEST_STEPS:
        if step in seen_steps or not has_role(user, role):
            continue
        seen_steps.add(step)
        summary = _summary(user, step, label, today=today, since=since)
        if summary is not None:
            out.append(summary)
    return out


def reviewer_digests_send(*, today: datetime.date | None = None) -> int:
    """Sends today's digest to every reviewer with new work since their last digest. Returns
    the number of digests sent."""
    from accounts.services import notify

    today = today_or(today)
    key = f"{DIGEST_KEY}{today.isoformat()}"
    sent = 0
    for user in _candidates():
        if Notification.objects.filter(recipient=user, dedupe_key=key).exists():
            continue
        last = (Notification.objects.filter(recipient=user, dedupe_key__startswith=DIGEST_KEY)
                .order_by("-created_at").values_list("created_at", flat=True).first())
        summaries = reviewer_digest_for(user, today=today, since=last)
        if not summaries or not any(s.new for s in summaries):
            # A quiet day: nothing arrived since the last digest, so nothing is repeated.
            continue
        closes = min(s.closes for s in summaries if s.closes)
        days = (closes - today).days
        title = "今日待审：" + "，".join(f"{s.label} {s.count} 条" for s in summaries)
        body = "\n".join(s.line() for s in summaries) + (
            f"\n最近的截止日期：{_cn_date(closes)}（{'今天' if days == 0 else f'还有 {days} 天'}），请在截止前完成审核。")
        notify(user, title, body, reverse("reviews:queue", args=[summaries[0].step]), dedupe_key=key)
        sent += 1
    return sent

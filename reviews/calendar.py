"""The calendar of a 学年 as data (notice 二(三)1(2), 三(一)2, 三(三)2).

Each window is a date range derived from the AcademicYear's fields; city staff may extend
a window (WindowExtension, for one district or for all). "today" is always passed in, so
tests and the reminder task decide what day it is.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Max, Q
from django.utils import timezone

from credits.models import AcademicYear

from .errors import TransitionError
from .models import Window, WindowExtension


@dataclass(frozen=True)
class WindowRange:
    window: str
    opens: datetime.date
    closes: datetime.date
    extended: bool = False

    @property
    def label(self) -> str:
        return Window(self.window).label

    def contains(self, day: datetime.date) -> bool:
        return self.opens <= day <= self.closes

    def describe(self) -> str:
        """"区县复核时间为2018年9月1日至10月31日"."""
        end = _cn_date(self.closes, with_year=self.closes.year != self.opens.year)
        text = f"{self.label}时间为{_cn_date(self.opens)}至{end}"
        return text + "（已延期）" if self.extended else text


def _cn_date(day: datetime.date, *, with_year: bool = True) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if with_year else f"{day.month}月{day.day}日"


def today_or(today: datetime.date | None) -> datetime.date:
    return today if today is not None else timezone.localdate()


def _base_range(year: AcademicYear, window: str) -> tuple[datetime.date, datetime.date]:
    if window == Window.REGISTRATION:
        return year.starts, year.registration_closes
    if window == Window.BASE_ROSTER:
        return year.starts, year.base_roster_deadline
    if window == Window.SCHOOL_REVIEW:
        # The school's first review and sign-off run until the district's review ends, so that
        # an entry the district returns can be corrected and passed again within the window.
        return year.starts, year.district_review_closes
    if window == Window.DISTRICT_REVIEW:
        return year.district_review_opens, year.district_review_closes
    if window == Window.CITY_SEAL:
        return year.city_seal_opens, year.city_seal_closes
    raise ValueError(f"unknown window {window!r}")


def window_range(academic_year: AcademicYear, window: str, *, district_id: int | None = None) -> WindowRange:
    """The window's dates, with the latest extension that applies to the district (or to all)."""
    opens, closes = _base_range(academic_year, window)
    scope = Q(district__isnull=True)
    if district_id is not None:
        scope |= Q(district_id=district_id)
    latest = (
        WindowExtension.objects.filter(scope, academic_year=academic_year, window=window)
        .aggregate(latest=Max("until"))["latest"]
    )
    if latest is not None and latest > closes:
        return WindowRange(window, opens, latest, extended=True)
    return WindowRange(window, opens, closes)


def window_open(academic_year: AcademicYear, window: str, today: datetime.date | None = None, *,
                district_id: int | None = None) -> bool:
    return window_range(academic_year, window, district_id=district_id).contains(today_or(today))


def ensure_not_sealed(academic_year: AcademicYear) -> None:
    """A sealed 学年 — or one whose seal has started — refuses every change. Read from the
    database, not from a stale object (PostgreSQL triggers refuse it for every other path)."""
    sealed = AcademicYear.objects.filter(
        Q(sealed_at__isnull=False) | Q(sealing_started_at__isnull=False), pk=academic_year.pk
    ).exists()
    if sealed:
        raise TransitionError(f"{academic_year.label}学年已封存，不能再作任何修改。", kind="sealed")


def ensure_window(academic_year: AcademicYear, window: str, *, today: datetime.date | None = None,
                  district_id: int | None = None) -> None:
    ensure_not_sealed(academic_year)
    rng = window_range(academic_year, window, district_id=district_id)
    day = today_or(today)
    if not rng.contains(day):
        raise TransitionError(f"{rng.describe()}，今天（{_cn_date(day)}）不在此时间段内。", kind="window")

"""The calendar of a 学年 as data (notice 二(三)1(2), 三(一)2, 三(三)2).

Each window is a date range derived from the AcademicYear's fields; city staff may widen
a window — close it later or open it earlier — for the whole city, one district or one school
(WindowExtension, with the reason). The district's review of a 市直属学校 is done at the city
on 9月12日–30日 (notice 三(一)2(1)). "today" is always passed in, so tests and the reminder
task decide what day it is.

A window's range for a scope is the union of its base dates and every extension that applies
to the scope (the city's, the school's district's, the school's own): an extension only ever
widens a window, so two extensions never contradict each other.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Max, Min, Q
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
    opened_early: bool = False
    city_direct: bool = False

    @property
    def label(self) -> str:
        if self.city_direct and self.window == Window.DISTRICT_REVIEW:
            return "市直属学校审核"
        return Window(self.window).label

    def contains(self, day: datetime.date) -> bool:
        return self.opens <= day <= self.closes

    def describe(self) -> str:
        """"区县复核时间为2018年9月1日至10月31日"."""
        end = _cn_date(self.closes, with_year=self.closes.year != self.opens.year)
        text = f"{self.label}时间为{_cn_date(self.opens)}至{end}"
        if self.opened_early:
            text += "（已提前开放）"
        return text + "（已延期）" if self.extended else text

    def state(self, day: datetime.date) -> str:
        """"upcoming", "open" or "closed" on `day`."""
        if day < self.opens:
            return "upcoming"
        return "closed" if day > self.closes else "open"

    def notice(self, day: datetime.date) -> str:
        """What a page says before the click: "区县复核于2027年9月1日开放"."""
        state = self.state(day)
        if state == "upcoming":
            return f"{self.label}于{_cn_date(self.opens)}开放"
        if state == "closed":
            return f"{self.label}已于{_cn_date(self.closes)}截止"
        return f"{self.label}开放至{_cn_date(self.closes)}"

    def summary(self, day: datetime.date) -> str:
        """What a queue's card says of its window on `day`: "区县复核 9月1日–10月31日，剩 12 天",
        "区县复核于2027年9月1日开放", "区县复核已于2026年10月31日关闭"."""
        state = self.state(day)
        if state == "upcoming":
            return f"{self.label}于{_cn_date(self.opens)}开放"
        if state == "closed":
            return f"{self.label}已于{_cn_date(self.closes)}关闭"
        left = (self.closes - day).days
        # Dates within one calendar year drop the year ("9月1日–10月31日"); a window over the turn of the year keeps both.
        whole = self.opens.year != self.closes.year
        span = f"{_cn_date(self.opens, with_year=whole)}–{_cn_date(self.closes, with_year=whole)}"
        return f"{self.label} {span}，" + ("今天截止" if left == 0 else f"剩 {left} 天")


def _cn_date(day: datetime.date, *, with_year: bool = True) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if with_year else f"{day.month}月{day.day}日"


def today_or(today: datetime.date | None) -> datetime.date:
    return today if today is not None else timezone.localdate()


def city_direct_review_range(year: AcademicYear) -> tuple[datetime.date, datetime.date]:
    """市直属学校 bring their materials to the city on 9月12日–30日 (notice 三(一)2(1))."""
    return datetime.date(year.start_year + 1, 9, 12), datetime.date(year.start_year + 1, 9, 30)


def _base_range(year: AcademicYear, window: str, *, city_direct: bool = False) -> tuple[datetime.date, datetime.date]:
    if window == Window.REGISTRATION:
        return year.starts, year.registration_closes
    if window == Window.BASE_ROSTER:
        return year.starts, year.base_roster_deadline
    if window == Window.SCHOOL_REVIEW:
        # The school's first review and sign-off run until the district's review ends, so that
        # an entry the district returns can be corrected and passed again within the window.
        return year.starts, year.district_review_closes
    if window == Window.DISTRICT_REVIEW:
        if city_direct:
            return city_direct_review_range(year)
        return year.district_review_opens, year.district_review_closes
    if window == Window.CITY_SEAL:
        return year.city_seal_opens, year.city_seal_closes
    raise ValueError(f"unknown window {window!r}")


def _scope(district_id, school, city_direct) -> tuple[int | None, int | None, bool]:
    if school is not None:
        return school.district_id, school.pk, school.district_id is None
    return district_id, None, city_direct


def extensions_for(academic_years, windows=None) -> list[WindowExtension]:
    """Every extension of these 学年 (and windows), in one query: pass the list to window_range
    as `extensions` to compute many ranges without a query each."""
    qs = WindowExtension.objects.filter(academic_year__in=[getattr(y, "pk", y) for y in academic_years])
    if windows is not None:
        qs = qs.filter(window__in=list(windows))
    return list(qs.only("academic_year_id", "window", "district_id", "school_id", "opens", "until"))


def window_range(academic_year: AcademicYear, window: str, *, district_id: int | None = None, school=None,
                 city_direct: bool = False, extensions: list[WindowExtension] | None = None) -> WindowRange:
    """The window's dates for a scope: the whole city (no argument), a district (`district_id`),
    the 市直属学校 (`city_direct`), or one school (`school`, whose district or 市直属 status
    follows), widened by every extension that applies to that scope."""
    district_id, school_id, city_direct = _scope(district_id, school, city_direct)
    opens, closes = _base_range(academic_year, window, city_direct=city_direct)
    if extensions is None:
        scope = Q(district__isnull=True, school__isnull=True)
        if district_id is not None:
            scope |= Q(district_id=district_id, school__isnull=True)
        if school_id is not None:
            scope |= Q(school_id=school_id)
        rows = WindowExtension.objects.filter(scope, academic_year=academic_year, window=window).aggregate(
            earliest=Min("opens"), latest=Max("until"))
        earliest, latest = rows["earliest"], rows["latest"]
    else:
        applying = [e for e in extensions
                    if e.academic_year_id == academic_year.pk and e.window == window
                    and ((e.district_id is None and e.school_id is None)
                         or (district_id is not None and e.district_id == district_id and e.school_id is None)
                         or (school_id is not None and e.school_id == school_id))]
        earliest = min((e.opens for e in applying if e.opens), default=None)
        latest = max((e.until for e in applying if e.until), default=None)
    early = earliest is not None and earliest < opens
    late = latest is not None and latest > closes
    return WindowRange(window, earliest if early else opens, latest if late else closes, extended=late,
                       opened_early=early, city_direct=city_direct)


def window_open(academic_year: AcademicYear, window: str, today: datetime.date | None = None, *,
                district_id: int | None = None, school=None) -> bool:
    return window_range(academic_year, window, district_id=district_id, school=school).contains(today_or(today))


def ensure_not_sealed(academic_year: AcademicYear) -> None:
    """A sealed 学年 — or one whose seal has started — refuses every change. Read from the
    database, not from a stale object (PostgreSQL triggers refuse it for every other path)."""
    sealed = AcademicYear.objects.filter(
        Q(sealed_at__isnull=False) | Q(sealing_started_at__isnull=False), pk=academic_year.pk
    ).exists()
    if sealed:
        raise TransitionError(f"{academic_year.label}学年已封存，不能再作任何修改。", kind="sealed")


def ensure_window(academic_year: AcademicYear, window: str, *, today: datetime.date | None = None,
                  district_id: int | None = None, school=None) -> None:
    ensure_not_sealed(academic_year)
    rng = window_range(academic_year, window, district_id=district_id, school=school)
    day = today_or(today)
    if not rng.contains(day):
        raise TransitionError(f"{rng.describe()}，今天（{_cn_date(day)}）不在此时间段内。", kind="window")


def mark_windows(entries, window: str, today: datetime.date | None = None) -> list[str]:
    """For a page of entries acted on in `window`: sets `window_open` and `window_notice` on
    each (its 学年 and school's range, one query for all), and returns the distinct notices of
    the windows that refuse today ("2026-2027学年：区县复核于2027年9月1日开放"), so a page
    says so and disables what would be refused before the click."""
    day = today_or(today)
    entries = list(entries)
    years = {e.academic_year_id: e.academic_year for e in entries}
    extensions = extensions_for(list(years.values()), [window]) if entries else []
    ranges, refusing = {}, []
    for e in entries:
        key = (e.academic_year_id, e.school_id)
        if key not in ranges:
            ranges[key] = window_range(years[e.academic_year_id], window, school=e.school, extensions=extensions)
        rng = ranges[key]
        e.window_open = rng.contains(day) and years[e.academic_year_id].sealed_at is None
        e.window_notice = f"{years[e.academic_year_id].label}学年：{rng.notice(day)}"
        if years[e.academic_year_id].sealed_at is not None:
            e.window_notice = f"{years[e.academic_year_id].label}学年已封存"
        if not e.window_open and e.window_notice not in refusing:
            refusing.append(e.window_notice)
    return refusing

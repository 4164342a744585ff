"""Reads of 审证 shared by pages, other apps and the seal console.

- `readiness(year)`: per district and per 市直属学校, how far the 学年 is (for `sealing`).
- `schools_reviewed(academic_year)`: which schools the district has finished (the seal's readiness).
- `school_appointment(school, year)`: a school's 审证日期, 登记员 and phone (for `reports`' pre-audit).
- `hand_in_rows(user, year)`: the schools whose hand-in a user reviews, with their dates.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef

from accounts import access
from accounts.models import AccountStatus, School, TeacherProfile
from credits.models import AcademicYear, CreditEntry, EntryStatus
from reviews.calendar import window_range
from reviews.models import ReviewAppointment, Window

from .models import HandInStatus, SchoolHandIn

# Entries that are neither counted nor closed: the school or the district still has to act.
OPEN_ENTRY_STATUSES = (EntryStatus.SUBMITTED, EntryStatus.SCHOOL_VERIFIED, EntryStatus.SCHOOL_APPROVED,
                       EntryStatus.RETURNED)
HANDED_IN = (HandInStatus.SUBMITTED, HandInStatus.REVIEWED, HandInStatus.CHECKED)
REVIEWED = (HandInStatus.REVIEWED, HandInStatus.CHECKED)


def schools_due(academic_year=None):
    """Schools that hand in a 学年: active schools with an approved teacher (or entries that year)."""
    teachers = TeacherProfile.objects.filter(school=OuterRef("pk"), status=AccountStatus.APPROVED)
    qs = School.objects.filter(is_active=True)
    if academic_year is None:
        return qs.filter(Exists(teachers))
    entries = CreditEntry.objects.filter(school=OuterRef("pk"), academic_year=academic_year)
    return qs.filter(Exists(teachers) | Exists(entries))


@dataclass
class Readiness:
    """One line of the seal console: a district, or one 市直属学校."""

    kind: str  # "district" or "school" (市直属)
    pk: int
    label: str
    schools: int = 0
    handed_in: int = 0
    reviewed: int = 0
    returned: int = 0
    checked: int = 0
    open_entries: int = 0  # not yet through the district step
    to_confirm: int = 0  # 已复核, not yet 已确认登记
    by_status: dict = field(default_factory=dict)

    @property
    def not_handed_in(self) -> int:
        return self.schools - self.handed_in

    @property
    def all_reviewed(self) -> bool:
        return self.reviewed == self.schools

    @property
    def ready(self) -> bool:
        """Every school reviewed and checked, nothing open: the part can be sealed."""
        return self.checked == self.schools and self.open_entries == 0 and self.to_confirm == 0

    @property
    def blockers(self) -> list[str]:
        out = []
        if self.not_handed_in:
            out.append(f"{self.not_handed_in} 所学校未上报")
        if self.handed_in - self.reviewed:
            out.append(f"{self.handed_in - self.reviewed} 所学校待审核")
        if self.returned:
            out.append(f"{self.returned} 所学校被退回")
        if self.reviewed - self.checked:
            out.append(f"{self.reviewed - self.checked} 所学校待核对")
        if self.open_entries:
            out.append(f"{self.open_entries} 条登记未完成审核")
        if self.to_confirm:
            out.append(f"{self.to_confirm} 条登记待确认登记")
        return out


def readiness(academic_year: AcademicYear) -> list[Readiness]:
    """Per district (in the districts' order) and then per 市直属学校: schools due, handed in,
    reviewed, returned, checked, and entries still open / to confirm. Four grouped queries,
    whatever the number of schools."""
    from accounts.models import District

    rows: dict[tuple, Readiness] = {}
    for d in District.objects.order_by("order", "code"):
        rows[("district", d.pk)] = Readiness("district", d.pk, d.name)
    school_of: dict[int, tuple] = {}
    for pk, name, district_id in schools_due(academic_year).values_list("pk", "name", "district_id"):
        key = ("district", district_id) if district_id else ("school", pk)
        if key not in rows:
            rows[key] = Readiness("school", pk, f"{name}（市直属）")
        rows[key].schools += 1
        school_of[pk] = key
    counts = (SchoolHandIn.objects.filter(academic_year=academic_year, school__in=list(school_of))
              .values_list("school_id", "status"))
    for school_id, status in counts:
        row = rows[school_of[school_id]]
        row.handed_in += status in HANDED_IN
        row.reviewed += status in REVIEWED
        row.returned += status == HandInStatus.RETURNED
        row.checked += status == HandInStatus.CHECKED
    entries = (CreditEntry.objects.filter(academic_year=academic_year, status__in=[*OPEN_ENTRY_STATUSES,
                                                                                EntryStatus.DISTRICT_REVIEWED])
               .order_by().values_list("school_id", "status").annotate(n=Count("id")))
    for school_id, status, n in entries:
        if school_id not in school_of:
            continue
        row = rows[school_of[school_id]]
        row.by_status[status] = row.by_status.get(status, 0) + n
        if status == EntryStatus.DISTRICT_REVIEWED:
            row.to_confirm += n
        else:
            row.open_entries += n
    return [r for r in rows.values() if r.schools or r.kind == "district"]


def schools_reviewed(academic_year: AcademicYear) -> dict[int, bool]:
    """For the seal console (``sealing.selectors.year_readiness``): school id → whether the
    school's 学年 needs nothing more from the district — its hand-in reviewed (or checked), or it
    has nothing to hand in (no approved teacher, no entry that year). Every school with a teacher
    account is listed."""
    due = set(schools_due(academic_year).values_list("pk", flat=True))
    done = set(SchoolHandIn.objects.filter(academic_year=academic_year, status__in=REVIEWED)
               .values_list("school_id", flat=True))
    schools = TeacherProfile.objects.order_by().values_list("school_id", flat=True).distinct()
    return {pk: pk in done or pk not in due for pk in schools}


def schools_to_check(academic_year: AcademicYear) -> set[int]:
    """Schools whose 学年 the district (the city for 市直属) reviewed and the city has not yet
    核对ed: notice 三(一)2 has the city 核对 all data before it seals."""
    return set(SchoolHandIn.objects.filter(academic_year=academic_year, status=HandInStatus.REVIEWED)
               .values_list("school_id", flat=True))


def hand_in_for(school, academic_year) -> SchoolHandIn | None:
    return SchoolHandIn.objects.filter(school=school, academic_year=academic_year).first()


def school_appointment(school, academic_year) -> ReviewAppointment | None:
    """The school's 审证日期 in the 学年 as its district published it (date, 登记员, phone), or
    None when the district has not scheduled it: for the pre-audit check and the reminders."""
    return ReviewAppointment.objects.filter(school=school, academic_year=academic_year).first()


@dataclass
class HandInRow:
    school: School
    appointment: ReviewAppointment | None
    hand_in: SchoolHandIn | None
    open_entries: int
    window: object  # reviews.calendar.WindowRange

    @property
    def status(self) -> str:
        return self.hand_in.status if self.hand_in else HandInStatus.NOT_SUBMITTED

    @property
    def status_label(self) -> str:
        return HandInStatus(self.status).label


def hand_in_rows(user, academic_year, *, today: datetime.date, extensions=None) -> list[HandInRow]:
    """The schools whose hand-in `user` reviews, on the schedule's order (dated first)."""
    from reviews.calendar import extensions_for

    schools = list(access.hand_in_review_schools(user).filter(pk__in=schools_due(academic_year).values("pk"))
                   .select_related("district"))
    ids = [s.pk for s in schools]
    appointments = {a.school_id: a for a in ReviewAppointment.objects.filter(academic_year=academic_year, school__in=ids)}
    hand_ins = {h.school_id: h for h in SchoolHandIn.objects.filter(academic_year=academic_year, school__in=ids)}
    open_counts = defaultdict(int, CreditEntry.objects.filter(academic_year=academic_year, school__in=ids,
                                                              status__in=OPEN_ENTRY_STATUSES)
                              .order_by().values_list("school_id").annotate(n=Count("id")))
    extensions = extensions if extensions is not None else extensions_for([academic_year], [Window.DISTRICT_REVIEW])
    rows = [HandInRow(s, appointments.get(s.pk), hand_ins.get(s.pk), open_counts[s.pk],
                      window_range(academic_year, Window.DISTRICT_REVIEW, school=s, extensions=extensions))
            for s in schools]
    far = datetime.date.max
    rows.sort(key=lambda r: (r.appointment.date if r.appointment else far,
                             r.appointment.sequence if r.appointment else 0, r.school.name))
    return rows


def home_cards(user, roles, *, year, school=None) -> list[dict[str, object]]:
    """The 审证 cards of a role's home page (url name, label, help, count): the school admin's
    上报 (of `school`), the district's 学校上报审核 and 审证时间安排, the city's 工作日历 and 核对,
    for the 学年 under review (`year`, which the home page has read). Counts are
    core.queries.Count parts, read together with the page's other counts."""
    from accounts.models import Role
    from core.queries import Count

    cards: list[dict[str, object]] = []
    if Role.SCHOOL_ADMIN in roles and school is not None:
        record = hand_in_for(school, year)
        label = HandInStatus(record.status if record else HandInStatus.NOT_SUBMITTED).label
        cards.append({"url_name": "audits:hand_in", "label": f"{year.label}学年上报：{label}",
                      "help": "登记完成后上报本校学年，未完成的登记会列出"})
    reviewing = access.hand_in_review_schools(user) if roles & {Role.DISTRICT_ADMIN, Role.CITY_STAFF} else None
    if reviewing is not None:
        waiting = Count(SchoolHandIn.objects.filter(academic_year=year, status=HandInStatus.SUBMITTED,
                                                    school__in=reviewing.values("pk")))
        cards.append({"url_name": "audits:hand_ins", "label": "学校上报审核", "count": waiting,
                      "help": "按审证时间安排逐校审核学校的上报"})
        cards.append({"url_name": "audits:schedule_edit", "label": "发布审证时间安排",
                      "help": "各校审证日期、登记员和电话，可按上一学年复制"})
        cards.append({"url_name": "audits:calendar", "label": "工作日历", "help": "本学年各时间段的开放和截止日期"})
    if Role.CITY_STAFF in roles:
        to_check = Count(SchoolHandIn.objects.filter(academic_year=year, status=HandInStatus.REVIEWED))
        cards.append({"url_name": "audits:check", "label": "核对", "count": to_check,
                      "help": "11月核对各区（市）县和市直属学校的已审核数据"})
    return cards

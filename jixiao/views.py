"""Site-wide pages: the home dashboard of each role, notifications, job progress."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import access
from accounts.access import has_role, schools_for_role
from accounts.models import Notification, Role
from core.queries import Count, counts
from credits.models import AcademicYear
from credits.selectors import page_years
from reviews.workflow import ENTRY_STEPS

PAGE_SIZE = 20



def deadlines_ahead(year: AcademicYear, today: datetime.date, *, roles, appointment=None) -> list[dict]:
    """The year's calendar (notice 三(三)2, 二(三)1(2), 三(一)2) from today on, nearest first."""
    rows = [
        (year.registration_closes, "本学年学分登记截止", None),
        (year.base_roster_deadline, "基地校花名册提交截止", Role.BASE_SCHOOL_ADMIN),
        (year.district_review_opens, "区（市）县审核开始", None),
        (year.district_review_closes, "区（市）县审核结束", None),
        (year.city_seal_opens, "市教科院核对封存开始", Role.CITY_STAFF),
        (year.city_seal_closes, "市教科院核对封存结束", None),
    ]
    if appointment is not None:
        rows.append((appointment.date, f"本校审证日期（{appointment.school.name}）", None))
    shown = []
    for day, label, only_for in rows:
        if day is None or day < today:
            continue
        if only_for is not None and only_for not in roles and not (only_for == Role.BASE_SCHOOL_ADMIN and Role.DISTRICT_ADMIN in roles):
            continue
        shown.append({"date": day, "label": label, "days": (day - today).days})
    return sorted(shown, key=lambda d: d["date"])


@login_required
def home(request):
    from credits.selectors import teacher_compliance
    from reviews.calendar import extensions_for
    from reviews.models import ReviewAppointment
    from reviews.selectors import QUEUE_COUNT_BOUND, entries_for_user, review_queue

    user = request.user
    today = timezone.localdate()
    # The 学年 table read once for the whole page: the calendar, the queues and the 审证 cards.
    page = page_years(today)
    this_year = page.current
    # The previous 学年 stays on the page while it is being reviewed (until the city seals it).
    years = [this_year] + ([page.previous_open] if page.previous_open else [])
    year = this_year
    if request.GET.get("year"):
        year = next((y for y in years if str(y.start_year) == request.GET["year"]), None) or get_object_or_404(
            AcademicYear, start_year=request.GET["year"] if _is_year(request.GET["year"]) else -1)
    roles = {r for r in Role if has_role(user, r)}
    context = {"year": year, "today": today, "years": years, "this_year": this_year}

    profile = getattr(user, "teacher_profile", None)
    appointment = None
    if profile is not None and Role.TEACHER in roles:
        appointment = (ReviewAppointment.objects.filter(academic_year=year, school_id=profile.school_id)
                       .select_related("school").first())
        context["teacher"] = profile
        compliance = teacher_compliance(teacher=profile, academic_year=year)
        context["compliance"] = compliance
        context["compliance_bars"] = _bars(compliance.year)
        context["compliance_cycle"] = _cycle(compliance)
        # Sealed 学年 read the seal's snapshots (what the city sealed); open years stay provisional.
        from sealing.selectors import teacher_sealed_years

        context["sealed_years"] = sorted(teacher_sealed_years(teacher=profile).values(),
                                         key=lambda s: -s.academic_year.start_year)
        context["recent_entries"] = (entries_for_user(user).filter(teacher=profile)
                                     .select_related("item", "academic_year").order_by("-created_at", "-id")[:5])
    context["deadlines"] = deadlines_ahead(this_year, today, roles=roles, appointment=appointment)
    if year != this_year:
        context["deadlines"] = deadlines_ahead(year, today, roles=roles, appointment=appointment) + context["deadlines"]

    # The review steps whose queue the user's roles work, in chain order, with each role's words
    # (reviews.workflow); who sees which entries is reviews.selectors.review_queue's.
    queues = []
    queue_year = page.review
    steps = [(step, next((a for a in step.actors if a.role in roles), None)) for step in ENTRY_STEPS]
    steps = [(step, actor) for step, actor in steps if actor is not None]
    # Every queue's window from one read of the extensions, every count below in one query.
    extensions = extensions_for([queue_year], {step.window for step, _ in steps}) if steps else []
    parts = {}
    for step, actor in steps:
        parts[step.name] = Count(review_queue(user=user, step=step.name), bound=QUEUE_COUNT_BOUND)
        rng = _queue_window(user, actor, step, queue_year, extensions)
        queues.append({"step": step.name, "label": actor.home,
                       "window": f"{queue_year.label}学年：{rng.summary(today)}" if rng else "",
                       "deadline": rng.closes if rng and rng.state(today) != "closed" else None})
    context["queues"] = queues
    # The nearest deadline of the work on this page: the earliest close of a queue's window not yet past.
    context["queue_deadline"] = min((q["deadline"] for q in queues if q["deadline"]), default=None)
    if context["queue_deadline"]:
        context["queue_deadline_days"] = (context["queue_deadline"] - today).days
    context["roles"] = roles
    links = _home_links(user, roles, this_year, review_year=queue_year)
    counted = [link for link in links if isinstance(link["count"], Count)]
    parts.update({f"link{i}": link["count"] for i, link in enumerate(counted)})
    found = counts(parts)
    for q in queues:
        q["count"], q["more"] = parts[q["step"]].split(found[q["step"]])
    for i, link in enumerate(counted):
        link["count"] = found[f"link{i}"]
    context["home_links"] = links
    return render(request, "home.html", context)


def _own_school(user, role):
    """The school where `user` holds a school-level role, from the request's cached role
    assignments (no query); the first by code when there are several."""
    from accounts.access import role_assignments

    schools = [ra.school for ra in role_assignments(user) if ra.role == role and ra.school_id]
    return min(schools, key=lambda s: s.code, default=None)


def _queue_window(user, actor, step, year, extensions):
    """The window of a queue on the home page, for the reviewer's own scope (their school, their
    district, the 市直属学校 or the city): the same ranges the services refuse with."""
    from accounts.access import SCOPE_CITY_DIRECT, role_assignments
    from reviews.calendar import window_range

    role, window = actor.role, step.window
    if role in (Role.SCHOOL_ADMIN, Role.SCHOOL_LEADER):
        school = _own_school(user, role)
        return window_range(year, window, school=school, extensions=extensions) if school is not None else None
    if role == Role.DISTRICT_ADMIN:
        district_id = next((ra.district_id for ra in role_assignments(user) if ra.role == role and ra.district_id), None)
        return window_range(year, window, district_id=district_id, extensions=extensions)
    return window_range(year, window, city_direct=actor.scope == SCOPE_CITY_DIRECT, extensions=extensions)


def _is_year(value: str) -> bool:
    # ASCII only: '²'.isdigit() is true as well, and the database would refuse it.
    return value.isascii() and value.isdigit() and len(value) == 4


def _link(name, label, help_text, count=None, args=()):
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return None
    return {"url": url, "label": label, "help": help_text, "count": count, "name": name}


def _home_links(user, roles, year, *, review_year) -> list[dict]:
    """What an administrator has waiting, as cards: counts come from the same selectors the pages
    use, as core.queries.Count parts the home page reads together."""
    from accounts.selectors import change_requests, pending_accounts
    from reviews.selectors import roster_review_queue, rosters_for_user

    links = []
    if Role.SCHOOL_ADMIN in roles:
        links += [
            _link("reviews:admin_register", "代为登记规范性项目", "学历、普通话、职称考试、支教等，凭证书为教师登记"),
            _link("reports:compliance", "本校达标情况", "谁还不到 72 / 48 / 24 学分，可导出 Excel"),
            _link("accounts:teacher_list", "教师账号", "新增、导入、调动、停用"),
        ]
    if Role.SCHOOL_LEADER in roles and Role.SCHOOL_ADMIN not in roles:
        links.append(_link("reports:compliance", "本校达标情况", "各位教师本学年的学分"))
    if roles & {Role.SCHOOL_ADMIN, Role.DISTRICT_ADMIN, Role.CITY_STAFF}:
        links.append(_link("accounts:change_requests", "信息变更申请", "教师提交的个人信息变更",
                           Count(change_requests(user=user, status="").filter(status__in=["pending", "school_checked"]))))
    if roles & {Role.DISTRICT_ADMIN, Role.CITY_STAFF}:
        links += [
            _link("accounts:account_approvals", "账号审核", "未审核的账号不能登记学分", Count(pending_accounts(user=user))),
            _link("reviews:rosters", "基地校花名册", "待您审核的花名册", Count(roster_review_queue(user=user))),
            _link("reports:dashboard", "统计图表", "各学校、学段的达标比例和学分构成"),
            _link("reviews:schedule", "审证时间安排", "各校审证日期"),
        ]
    if Role.CITY_STAFF in roles:
        links += [
            _link("credits:catalogue", "学分项目目录", "《办法》各项目的折算与上限"),
            _link("credits:unconfirmed", "待确认数值", "通知未给出、由平台预设的数值"),
        ]
    if Role.BASE_SCHOOL_ADMIN in roles:
        roster = rosters_for_user(user).filter(academic_year=year, school__in=schools_for_role(user, Role.BASE_SCHOOL_ADMIN)).first()
        status = roster.get_status_display() if roster else "尚未报送"
        from reviews.calendar import window_range
        from reviews.models import Window

        school = schools_for_role(user, Role.BASE_SCHOOL_ADMIN).select_related("district").first()
        # The roster's window as the review queues show theirs: open with days left, or when it opened / closed.
        rng = window_range(year, Window.BASE_ROSTER, school=school) if school is not None else None
        links.append(_link("reviews:rosters", f"{year.label} 学年花名册：{status}",
                           f"6月20日前报送（截止 {year.base_roster_deadline:%Y年%-m月%-d日}）"
                           + (f"；{rng.summary(timezone.localdate())}" if rng else "")))
    from audits.selectors import home_cards

    cards = home_cards(user, roles, year=review_year, school=_own_school(user, Role.SCHOOL_ADMIN))
    links += [_link(c["url_name"], c["label"], c["help"], c.get("count")) for c in cards]
    return [link for link in links if link and access.may_open(user, link["name"])]


BAR_LABELS = {"total": "学年总学分", "regulated": "规范性培训", "flexible": "灵活性培训"}


def _bars(check) -> list[dict]:
    """One bar per requirement of the 学年 check (targets come from the rule engine)."""
    return [{"key": key, "label": BAR_LABELS.get(key, key), "value": check.have.get(key, 0), "target": need,
             "ok": not check.missing.get(key)} for key, need in check.need.items()]


def _cycle(compliance) -> dict:
    check = compliance.cycle
    years = [{"label": f"{y}-{y + 1}", "regulated": compliance.by_year[y].regulated,
              "flexible": compliance.by_year[y].flexible, "total": compliance.by_year[y].total}
             for y in check.years if y in compliance.by_year]
    first, last = (check.years[0], check.years[-1]) if check.years else (None, None)
    label = f"{first}-{first + 1} 至 {last}-{last + 1} 学年" if first is not None else check.label
    return {"label": label, "value": check.have.get("total", 0), "target": check.need.get("total"),
            "ok": check.ok, "years": years, "unconfirmed": check.unconfirmed}


@login_required
def notifications(request):
    qs = Notification.objects.filter(recipient=request.user)
    show = request.GET.get("show", "")
    if show == "unread":
        qs = qs.filter(read_at__isnull=True)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    page = Paginator(qs.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications.html", {"page_obj": page, "show": show, "q": q})


@login_required
@require_POST
def notification_read(request, pk):
    """Marks one notification read and follows its link when it has one."""
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    if note.url and request.POST.get("follow") and _is_local(request, note.url):
        return redirect(note.url)
    target = request.POST.get("next", "")
    return redirect(target if target and _is_local(request, target) else "notifications")


def _is_local(request, url: str) -> bool:
    """Only addresses on this site are followed, so a link cannot send the user elsewhere."""
    return url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())


@login_required
@require_POST
def notifications_read_all(request):
    n = Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, f"已将 {n} 条通知标为已读。")
    return redirect("notifications")


@login_required
def job_status(request, pk):
    """Progress of one of the user's own jobs, polled by the progress bar."""
    job = get_object_or_404(access.jobs_for_user(request.user), pk=pk)
    # Initial passwords of an import are handed out once, as a download, never in the poll.
    result = {k: v for k, v in (job.result or {}).items() if k != "passwords"}
    data = {"status": job.status, "status_display": job.get_status_display(), "total": job.total,
            "done": job.done, "percent": job.percent, "result": result, "error": job.error}
    if request.headers.get("HX-Request"):
        from reports.views import job_file_button

        return render(request, "includes/job_progress.html", {"job": job, "download": job_file_button(job)})
    return JsonResponse(data)

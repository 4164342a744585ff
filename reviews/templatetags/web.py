"""Template helpers for the web pages: the role menu, query-string edits for lists, progress
percentages. They only present what views and selectors decided; no rule lives here."""

from decimal import Decimal, InvalidOperation

from django import template
from django.urls import NoReverseMatch, reverse

from accounts import access
from accounts.models import Role
from core.formatting import format_credits

from .. import workflow as wf

register = template.Library()

# The menu per role: (url name, url args, label), after the review queues the role works
# (reviews.workflow: each step's actors, with their menu words). Pages of other helpers are linked by name;
# a page not installed yet is left out rather than linked broken. Pages planned with later
# issues (封存, 证书) are shown greyed out so the menu keeps their place.
SOON = None
MENU = [
    (Role.TEACHER, [
        ("home", (), "我的首页"),
        ("reviews:my_entries", (), "我的学分登记"),
        ("reviews:entry_register", (), "灵活性自主登记"),
        ("reviews:entry_declare", (), "集中培训申报"),
        ("reports:form2", (), "附件2 登记表"),
        ("reports:statement", (), "个人学分统计表"),
        ("accounts:profile", (), "个人信息"),
        ("certificates:planner", (), "颁证规划与证书"),
    ]),
    (Role.SCHOOL_ADMIN, [
        ("reviews:admin_register", (), "代为登记规范性项目"),
        ("reports:compliance", (), "达标情况"),
        ("reports:index", (), "审证材料"),
        ("accounts:teacher_list", (), "教师账号"),
        ("accounts:change_requests", (), "信息变更"),
        ("certificates:applications", (), "职评 / 转正申报"),
        ("audits:hand_in", (), "上报"),
        ("reports:archive", (), "学年档案"),
    ]),
    (Role.SCHOOL_LEADER, [
        ("reports:compliance", (), "达标情况"),
        ("reports:index", (), "审证材料"),
    ]),
    (Role.BASE_SCHOOL_ADMIN, [
        ("reviews:rosters", (), "花名册"),
        ("reports:roster_template", (), "附件1 花名册模板"),
    ]),
    (Role.DISTRICT_ADMIN, [
        ("accounts:account_approvals", (), "账号审核"),
        ("accounts:teacher_list", (), "教师账号"),
        ("accounts:change_requests", (), "信息变更"),
        ("reviews:rosters", (), "基地校花名册"),
        ("audits:hand_ins", (), "学校上报审核"),
        ("audits:schedule_edit", (), "审证时间安排"),
        ("audits:calendar", (), "工作日历"),
        ("reports:dashboard", (), "统计图表"),
        ("reports:compliance", (), "达标情况"),
        ("reports:index", (), "审证报表"),
        ("certificates:applications", (), "继教证书"),
        ("reports:archive", (), "学年档案"),
    ]),
    (Role.CITY_STAFF, [
        ("accounts:account_approvals", (), "市直属账号审核"),
        ("reviews:rosters", (), "市级基地校花名册"),
        ("credits:catalogue", (), "学分项目目录"),
        ("credits:unconfirmed", (), "待确认数值"),
        ("reports:dashboard", (), "全市统计"),
        ("reports:index", (), "全市报表"),
        ("audits:calendar", (), "工作日历"),
        ("audits:hand_ins", (), "市直属学校上报审核"),
        ("audits:schedule_edit", (), "市直属学校审证时间安排"),
        ("audits:check", (), "核对"),
        ("sealing:console", (), "学年封存"),
        ("reports:archive", (), "学年档案"),
        ("certificates:applications", (), "继教证书（市直属学校）"),
    ]),
]


def _reverse(name, args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@register.inclusion_tag("includes/nav.html", takes_context=True)
def nav_menu(context):
    roles = context.get("user_roles") or set()
    request = context.get("request")
    user = context.get("user") or (request.user if request else None)
    current = request.path if request else ""
    groups = []
    for role, links in MENU:
        if role not in roles:
            continue
        items = []
        queues = [("reviews:queue", (step.name,), actor.menu) for step, actor in wf.steps_of_role(role)]
        for name, args, label in queues + links:
            if name is SOON:
                items.append({"label": label, "url": None, "soon": True})
                continue
            # A link only to what the user may open (accounts.access.ROUTES decides, not the menu).
            url = _reverse(name, args) if access.may_open(user, name) else None
            if url:
                items.append({"label": label, "url": url, "active": url == current})
        if items:
            groups.append({"role": Role(role).label, "items": items})
    return {"groups": groups, "unread": context.get("unread_notifications", 0),
            "notifications_url": _reverse("notifications", ()), "current": current}


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (pagination, sorting)."""
    request = context["request"]
    params = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def percent_of(value, target):
    """Share of a target as a bar width, 0–100."""
    try:
        value, target = Decimal(value or 0), Decimal(target)
    except (InvalidOperation, TypeError):
        return 0
    if target <= 0:
        return 0
    return int(min(Decimal(100), value * 100 / target))


@register.filter
def credits(value):
    """A credit value as the forms print it: one decimal place, '—' when empty."""
    return format_credits(value)


@register.filter
def role_label(code):
    try:
        return Role(code).label
    except ValueError:
        return code


@register.filter
def status_label(code):
    from credits.models import EntryStatus

    try:
        return EntryStatus(code).label
    except ValueError:
        return code or "—"


@register.filter
def option_label(entry):
    """The label of the entry's option (等级、级别、奖项) as the catalogue names it."""
    if not entry.option:
        return ""
    for o in entry.item.options or []:
        if o.get("key") == entry.option:
            return o.get("label", entry.option)
    return entry.option


@register.filter
def progress_dots(entry):
    """The list's one-line progress of an entry: [(label, state)] (reviews.progress.compact_progress)."""
    from reviews.progress import compact_progress

    return compact_progress(entry)

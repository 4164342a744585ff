"""Who may see and do what. Every view and API asks these functions; none copies a check.

A user holds roles within scopes (RoleAssignment). A school-level role sees its school, a
district admin their district, city staff the whole city. The district's review step for a
市直属学校 (no district) belongs to city staff; a single school can also be delegated to a
district admin with the guardian object permission ``accounts.review_school``.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Role, RoleAssignment, School, TeacherProfile

SCHOOL_ROLES = (Role.TEACHER, Role.SCHOOL_ADMIN, Role.SCHOOL_LEADER, Role.BASE_SCHOOL_ADMIN)


def role_assignments(user) -> list[RoleAssignment]:
    """The user's roles, read once per request (cached on the user object)."""
    if not user or not user.is_authenticated:
        return []
    cached = getattr(user, "_role_assignments", None)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user).select_related("school", "district"))
        user._role_assignments = cached
    return cached


def forget_roles(user) -> None:
    user.__dict__.pop("_role_assignments", None)


def roles_of(user) -> set[str]:
    return {ra.role for ra in role_assignments(user)}


def has_role(user, role: str) -> bool:
    return role in roles_of(user)


def _scoped(user, role: str) -> list[RoleAssignment]:
    return [ra for ra in role_assignments(user) if ra.role == role]


def schools_for_role(user, role: str) -> QuerySet[School]:
    """Schools in which `user` acts as `role`."""
    assignments = _scoped(user, role)
    if not assignments:
        return School.objects.none()
    if role == Role.CITY_STAFF:
        return School.objects.all()
    if role == Role.DISTRICT_ADMIN:
        return School.objects.filter(
            Q(district_id__in=[ra.district_id for ra in assignments]) | Q(pk__in=_delegated_school_ids(user))
        )
    return School.objects.filter(pk__in=[ra.school_id for ra in assignments])


def school_ids_for_role(user, role: str) -> list[int]:
    """The ids of ``schools_for_role``, as a list: read from the cached assignments for the
    school-level roles (no query), from the database for a district or the city."""
    if role in SCHOOL_ROLES:
        return sorted({ra.school_id for ra in _scoped(user, role) if ra.school_id is not None})
    return list(schools_for_role(user, role).order_by().values_list("pk", flat=True))


def _delegated_school_ids(user) -> list[int]:
    # Imported here: reviews.workflow (read while the models load) imports this module.
    from guardian.shortcuts import get_objects_for_user

    return list(
        # with_superuser=False: a superuser (who may use the Django admin) is not thereby
        # delegated every school of the city.
        get_objects_for_user(user, "accounts.review_school", klass=School, accept_global_perms=False,
                             with_superuser=False)
        .values_list("pk", flat=True)
    )


def district_step_schools(user) -> QuerySet[School]:
    """Schools whose district-level step (account approval, 复核) this user performs:
    a district admin's own district and delegated schools; for city staff, the 市直属学校."""
    q = Q(pk__in=schools_for_role(user, Role.DISTRICT_ADMIN).values("pk"))
    if has_role(user, Role.CITY_STAFF):
        q |= Q(district__isnull=True)
    if not (has_role(user, Role.DISTRICT_ADMIN) or has_role(user, Role.CITY_STAFF)):
        return School.objects.none()
    return School.objects.filter(q)


# --- Workflow steps: who acts, in which scope (the tables in reviews.workflow declare (role, scope)
# pairs; these functions resolve them, so a step's access is decided here like every other).

SCOPE_OWN = "own"  # the schools where the user holds the role (a district admin's district and delegations)
SCOPE_CITY_DIRECT = "city_direct"  # city staff, for the 市直属学校 (no district: the city does the district's step)
SCOPE_CITY = "city"  # city staff, every school


def scope_schools(user, role: str, scope: str) -> QuerySet[School]:
    """The schools in which `user` acts as `role` within `scope`."""
    if scope in (SCOPE_OWN, SCOPE_CITY):
        return schools_for_role(user, role)
    if scope == SCOPE_CITY_DIRECT:
        return School.objects.filter(district__isnull=True) if has_role(user, role) else School.objects.none()
    raise ValueError(scope)


def acting_role(user, actors, school_id) -> str | None:
    """The role in which `user` may act on something of school `school_id`, given the step's
    (role, scope) actors in order of preference; None if none applies."""
    for actor in actors:
        if not has_role(user, actor.role):
            continue
        if actor.scope == SCOPE_CITY or scope_schools(user, actor.role, actor.scope).filter(pk=school_id).exists():
            return actor.role
    return None


def acts_everywhere(user, actors) -> bool:
    """True if one of the actors covers every school for `user` (no school filter needed)."""
    return any(a.scope == SCOPE_CITY and has_role(user, a.role) for a in actors)


def acting_school_ids(user, actors) -> list[int]:
    """The ids of ``acting_schools``, as a list (a queue filters on the entry's own column): read
    from the cached assignments for the school-level roles (no query)."""
    ids: set[int] = set()
    for actor in actors:
        if not has_role(user, actor.role):
            continue
        if actor.scope == SCOPE_OWN:
            ids.update(school_ids_for_role(user, actor.role))
        else:
            ids.update(scope_schools(user, actor.role, actor.scope).order_by().values_list("pk", flat=True))
    return sorted(ids)


def acting_schools(user, actors) -> QuerySet[School]:
    """The schools in which `user` may act as one of `actors` (a queue's scope)."""
    q = Q(pk__in=[])
    for actor in actors:
        if has_role(user, actor.role):
            q |= Q(pk__in=scope_schools(user, actor.role, actor.scope).values("pk"))
    return School.objects.filter(q)


def administered_schools(user) -> QuerySet[School]:
    """Schools whose teacher accounts this user may see: school admin, leader, district, city."""
    q = Q(pk__in=[])
    for role in (Role.SCHOOL_ADMIN, Role.SCHOOL_LEADER):
        q |= Q(pk__in=[ra.school_id for ra in _scoped(user, role)])
    if has_role(user, Role.DISTRICT_ADMIN):
        q |= Q(pk__in=schools_for_role(user, Role.DISTRICT_ADMIN).values("pk"))
    if has_role(user, Role.CITY_STAFF):
        return School.objects.all()
    return School.objects.filter(q)


def administered_school_ids(user) -> list[int]:
    """The ids of ``administered_schools``, as a list: from the cached assignments (no query) for
    a school admin or leader, from the database for a district or the city."""
    if has_role(user, Role.DISTRICT_ADMIN) or has_role(user, Role.CITY_STAFF):
        return list(administered_schools(user).order_by().values_list("pk", flat=True))
    return sorted({ra.school_id for role in (Role.SCHOOL_ADMIN, Role.SCHOOL_LEADER) for ra in _scoped(user, role)
                   if ra.school_id is not None})


def teachers_for_user(user) -> QuerySet[TeacherProfile]:
    """Teacher profiles visible to the user: their own, plus those of schools they administer."""
    if not user or not user.is_authenticated:
        return TeacherProfile.objects.none()
    q = Q(user=user) | Q(school__in=administered_schools(user).values("pk"))
    return TeacherProfile.objects.filter(q)


def get_teacher_for_user_or_404(user, pk) -> TeacherProfile:
    """404 (not 403) for a teacher outside the user's scope: their existence is not disclosed."""
    try:
        return teachers_for_user(user).select_related("school", "user").get(pk=pk)
    except (TeacherProfile.DoesNotExist, ValueError):
        raise Http404("未找到该教师，或不在您的管理范围内。") from None


def _account_level(user) -> int:
    """How high the account's roles reach: 0 教师, 1 a school-level admin role, 2 区县, 3 市."""
    roles = roles_of(user)
    if Role.CITY_STAFF in roles:
        return 3
    if Role.DISTRICT_ADMIN in roles:
        return 2
    return 1 if roles & {Role.SCHOOL_ADMIN, Role.SCHOOL_LEADER, Role.BASE_SCHOOL_ADMIN} else 0


def can_manage_teacher(user, profile: TeacherProfile) -> bool:
    """Add, import, edit, transfer, deactivate, reset the password: the school admin of the
    teacher's school (and the district step, which approves).

    An account that holds an admin role is kept one level up: otherwise a school admin could
    reset the 分管校长's password and sign off their own verification, or move them away (which
    ends the role). Nobody keeps their own record here either; they ask with a change request."""
    if profile.user_id == user.pk:
        return False
    level = _account_level(profile.user)
    if level == 0 and is_school_admin_of(user, profile.school_id):
        return True
    return level <= (2 if has_role(user, Role.CITY_STAFF) else 1) and can_approve_account(user, profile)


def can_approve_account(user, profile: TeacherProfile) -> bool:
    """Notice 一(一): the district admin (city staff for 市直属) approves teacher accounts."""
    return district_step_schools(user).filter(pk=profile.school_id).exists()


def can_see_full_id_number(user, profile: TeacherProfile) -> bool:
    """The 身份证号 is shown whole only to the teacher and the admins of their school or district."""
    if profile.user_id == user.pk:
        return True
    # Asked role by role: a 分管校长 or 基地校 admin usually also teaches at the school, and
    # neither role makes them the teacher's account keeper.
    if is_school_admin_of(user, profile.school_id) or has_role(user, Role.CITY_STAFF):
        return True
    return schools_for_role(user, Role.DISTRICT_ADMIN).filter(pk=profile.school_id).exists()


def full_id_number_schools(user) -> QuerySet[School]:
    """Schools whose teachers' 身份证号 the user sees whole (and so may search by)."""
    if has_role(user, Role.CITY_STAFF):
        return School.objects.all()
    return School.objects.filter(
        Q(pk__in=school_admin_schools(user).values("pk"))
        | Q(pk__in=schools_for_role(user, Role.DISTRICT_ADMIN).values("pk"))
    )


def is_admin_user(user) -> bool:
    """Any role beyond 教师 (used to refuse admin pages to plain teachers)."""
    return bool(roles_of(user) - {Role.TEACHER})


def school_admin_schools(user) -> QuerySet[School]:
    """Schools whose teacher accounts this user keeps (adds, imports, edits, transfers out)."""
    return School.objects.filter(pk__in=[ra.school_id for ra in _scoped(user, Role.SCHOOL_ADMIN)])


def is_school_admin_of(user, school_id) -> bool:
    return school_id in {ra.school_id for ra in _scoped(user, Role.SCHOOL_ADMIN)}


def can_add_teacher(user, school: School) -> bool:
    """Notice 一(二): 校管理员 adds new teacher accounts of their own school."""
    return is_school_admin_of(user, school.pk)


def can_transfer_teacher(user, profile: TeacherProfile, to_school: School) -> bool:
    """A transfer is made by the releasing school's admin (who sees the teacher), or by the
    district step that covers the teacher's current school."""
    if to_school.pk == profile.school_id or not to_school.is_active:
        return False
    return can_manage_teacher(user, profile)


def pending_accounts_for(user) -> QuerySet[TeacherProfile]:
    """Accounts waiting for this user's approval (district admin; city staff for 市直属)."""
    from .models import AccountStatus

    return TeacherProfile.objects.filter(
        status=AccountStatus.PENDING, school__in=district_step_schools(user).values("pk")
    )


def can_check_change_request(user, change_request) -> bool:
    """The school admin of the teacher's school checks (核对) a change request first."""
    return is_school_admin_of(user, change_request.profile.school_id)


def can_decide_change_request(user, change_request) -> bool:
    """The district step of the teacher's school approves it."""
    return can_approve_account(user, change_request.profile)


def decidable_change_requests(user, change_requests) -> set[int]:
    """The ids, among these requests, that `user` may decide (can_decide_change_request for a
    whole page at once, in one query)."""
    school_ids = {r.profile.school_id for r in change_requests}
    if not school_ids:
        return set()
    allowed = set(district_step_schools(user).filter(pk__in=school_ids).values_list("pk", flat=True))
    return {r.pk for r in change_requests if r.profile.school_id in allowed}


def change_requests_for(user) -> QuerySet:
    """Change requests the user may see: their own, their school's (school admin) and their
    district's (district step)."""
    from .models import ProfileChangeRequest

    if not user or not user.is_authenticated:
        return ProfileChangeRequest.objects.none()
    q = Q(profile__user=user) | Q(profile__school__in=school_admin_schools(user).values("pk"))
    if has_role(user, Role.DISTRICT_ADMIN) or has_role(user, Role.CITY_STAFF):
        q |= Q(profile__school__in=district_step_schools(user).values("pk"))
    return ProfileChangeRequest.objects.filter(q)


def can_see_dashboards(user) -> bool:
    """The statistics pages are for the district admins and city staff."""
    return has_role(user, Role.CITY_STAFF) or has_role(user, Role.DISTRICT_ADMIN)


def dashboard_schools(user) -> QuerySet[School]:
    """Schools a user's dashboards cover: the whole city for city staff, else the district's."""
    if has_role(user, Role.CITY_STAFF):
        return School.objects.all()
    return schools_for_role(user, Role.DISTRICT_ADMIN)


def schedule_schools(user) -> QuerySet[School]:
    """Schools whose 审证时间安排 a user sees: those whose district step they perform, or, for a
    school's own admins, their school."""
    if has_role(user, Role.DISTRICT_ADMIN) or has_role(user, Role.CITY_STAFF):
        return district_step_schools(user)
    return administered_schools(user)


# --- 审证 (audits): the school's hand-in, the district's review of it, the city's 核对 and calendar.


def can_hand_in(user, school) -> bool:
    """Notice 三(一)2(2): the school admin hands in (上报) the school's 学年."""
    return is_school_admin_of(user, school.pk)


def hand_in_review_schools(user) -> QuerySet[School]:
    """Schools whose hand-in this user reviews: the district's own (and delegated) schools; the
    市直属学校 for city staff."""
    return district_step_schools(user)


def can_review_hand_in(user, school) -> bool:
    return hand_in_review_schools(user).filter(pk=school.pk).exists()


def can_check_hand_ins(user) -> bool:
    """The city's 核对 of districts and 市直属学校 (notice 三(一)2(2) 第三)."""
    return has_role(user, Role.CITY_STAFF)


def can_seal(user) -> bool:
    """Notice 三(一)2: the city (市教科院教师发展研究所) checks and seals the 学年."""
    return has_role(user, Role.CITY_STAFF)


def archive_schools(user) -> QuerySet[School]:
    """Schools whose yearly archive (三(三)4 以备查验) a user downloads: a school's admins and
    leader their school, a district its schools, the city every school."""
    q = Q(pk__in=[ra.school_id for ra in _scoped(user, Role.SCHOOL_ADMIN)] +
          [ra.school_id for ra in _scoped(user, Role.SCHOOL_LEADER)])
    if has_role(user, Role.CITY_STAFF):
        return School.objects.all()
    if has_role(user, Role.DISTRICT_ADMIN):
        q |= Q(pk__in=schools_for_role(user, Role.DISTRICT_ADMIN).values("pk"))
    return School.objects.filter(q)


def archive_districts(user) -> QuerySet:
    """Districts whose whole archive a user downloads: their own; the city every district."""
    return calendar_districts(user)


def can_export_district(user, district) -> bool:
    """A district's 送审报表 and 达标情况 of every school: its own district admin, and the city;
    `district` None is the 市直属学校 together, the city's."""
    if has_role(user, Role.CITY_STAFF):
        return True
    return district is not None and schools_for_role(user, Role.DISTRICT_ADMIN).filter(district=district).exists()


def can_export_city(user) -> bool:
    """The whole city's 达标情况 (per district, school and 学段): the city staff."""
    return has_role(user, Role.CITY_STAFF)


def jobs_for_user(user) -> QuerySet:
    """The background jobs a user follows (the progress bar) and whose file they download: only
    their own. A job's file holds what its owner's scope showed when it ran; anyone else, of any
    role, gets 404, as for a job that does not exist."""
    from .models import Job

    if not getattr(user, "is_authenticated", False):
        return Job.objects.none()
    return Job.objects.filter(owner=user)


def can_edit_calendar(user) -> bool:
    """City staff widen the windows of a 学年; districts see theirs."""
    return has_role(user, Role.CITY_STAFF)


def can_see_calendar(user) -> bool:
    return has_role(user, Role.CITY_STAFF) or has_role(user, Role.DISTRICT_ADMIN)


def calendar_districts(user) -> QuerySet:
    """Districts whose calendar (and extensions) a user sees: all for the city, else their own."""
    from .models import District

    if has_role(user, Role.CITY_STAFF):
        return District.objects.all()
    return District.objects.filter(pk__in=[ra.district_id for ra in _scoped(user, Role.DISTRICT_ADMIN)])


def schedule_edit_schools(user) -> QuerySet[School]:
    """Schools whose 审证时间安排 a user publishes: the district's (the 市直属 for the city)."""
    return district_step_schools(user)


# --- Who may open each page and API route -------------------------------------------------------
#
# One declaration per named route (the URL configuration and the API router): PUBLIC, SIGNED_IN
# (every signed-in account; what it shows is scoped by the functions above, and an object outside
# the scope is 404), or the roles that may open it. The views' own gates answer the others 403 (or
# 404 where a page must not disclose what exists), the menu links only what a role may open, and
# tests/accounts/test_route_matrix.py walks every route × role and compares the answers with this
# table: a route missing here fails it.

PUBLIC = "public"
SIGNED_IN = "signed_in"
_T = frozenset({Role.TEACHER})
_SA = frozenset({Role.SCHOOL_ADMIN})
_BASE = frozenset({Role.BASE_SCHOOL_ADMIN})
_CITY = frozenset({Role.CITY_STAFF})
_DISTRICT_STEP = frozenset({Role.DISTRICT_ADMIN, Role.CITY_STAFF})
_SCHOOL_AND_UP = frozenset({Role.SCHOOL_ADMIN, Role.SCHOOL_LEADER, Role.DISTRICT_ADMIN, Role.CITY_STAFF})
ADMIN_ROLES = frozenset(Role.values) - _T  # is_admin_user

ROUTES: dict[str, str | frozenset[str]] = {
    # the site
    "home": SIGNED_IN, "help": SIGNED_IN, "favicon.ico": PUBLIC, "notifications": SIGNED_IN,
    "notification_read": SIGNED_IN, "notifications_read_all": SIGNED_IN, "job_status": SIGNED_IN,
    "verify": PUBLIC, "verify_form": PUBLIC, "healthz": PUBLIC,
    # accounts
    "accounts:login": PUBLIC, "accounts:logout": PUBLIC, "accounts:password_change": SIGNED_IN,
    "accounts:profile": SIGNED_IN, "accounts:teacher_list": _SCHOOL_AND_UP, "accounts:teacher_add": _SA,
    "accounts:teacher_import": _SA, "accounts:teacher_import_template": _SA, "accounts:teacher_import_job": SIGNED_IN,
    "accounts:teacher_import_passwords": SIGNED_IN, "accounts:teacher_import_resume": SIGNED_IN,
    "accounts:teacher_detail": SIGNED_IN, "accounts:teacher_edit": SIGNED_IN, "accounts:teacher_deactivate": SIGNED_IN,
    "accounts:teacher_reactivate": SIGNED_IN, "accounts:teacher_transfer": SIGNED_IN,
    "accounts:teacher_reset_password": SIGNED_IN, "accounts:account_approvals": _DISTRICT_STEP,
    "accounts:account_approve": SIGNED_IN, "accounts:account_reject": SIGNED_IN,
    "accounts:change_requests": SIGNED_IN, "accounts:change_request_new": _T,
    "accounts:change_request_check": SIGNED_IN, "accounts:change_request_decide": SIGNED_IN,
    # credits
    "credits:catalogue": SIGNED_IN, "credits:unconfirmed": _CITY, "credits:preview": SIGNED_IN,
    # reviews
    "reviews:my_entries": _T, "reviews:entry_register": _T, "reviews:entry_declare": _T, "reviews:form2": _T,
    "reviews:entry_detail": SIGNED_IN, "reviews:entry_explain": SIGNED_IN, "reviews:entry_review": SIGNED_IN,
    "reviews:entry_withdraw": SIGNED_IN, "reviews:entry_edit": SIGNED_IN, "reviews:evidence_download": SIGNED_IN,
    "reviews:queue": ADMIN_ROLES, "reviews:admin_register": _SA, "reviews:schedule": ADMIN_ROLES,
    "reviews:rosters": ADMIN_ROLES, "reviews:roster_template": ADMIN_ROLES, "reviews:roster_detail": ADMIN_ROLES,
    # reports
    "reports:index": ADMIN_ROLES, "reports:precheck": _SCHOOL_AND_UP, "reports:statement": _T,
    "reports:statements": _SCHOOL_AND_UP, "reports:submission": _SCHOOL_AND_UP, "reports:form3": _SCHOOL_AND_UP,
    "reports:form2": _T, "reports:form2_pdf": _T, "reports:form2_scan": SIGNED_IN, "reports:roster_template": _BASE,
    "reports:compliance_export": _SCHOOL_AND_UP, "reports:district_submission": ADMIN_ROLES,
    "reports:package": _SCHOOL_AND_UP, "reports:package_download": SIGNED_IN, "reports:export_download": SIGNED_IN,
    "reports:compliance": _SCHOOL_AND_UP, "reports:dashboard": _DISTRICT_STEP,
    "reports:archive": _SCHOOL_AND_UP, "reports:archive_download": SIGNED_IN,
    # certificates
    "certificates:applications": _SA | _DISTRICT_STEP, "certificates:application_withdraw": SIGNED_IN,
    "certificates:planner": _T, "certificates:issue_list": _DISTRICT_STEP, "certificates:school_zip": _DISTRICT_STEP,
    "certificates:school_merged": _DISTRICT_STEP, "certificates:certificate_detail": SIGNED_IN,
    "certificates:certificate_pdf": SIGNED_IN, "certificates:statements": _T, "certificates:statement_pdf": _T,
    # audits (审证)
    "audits:calendar": _DISTRICT_STEP, "audits:schedule_edit": _DISTRICT_STEP, "audits:hand_in": _SA,
    "audits:hand_ins": _DISTRICT_STEP, "audits:hand_in_detail": SIGNED_IN, "audits:check": _CITY,
    # sealing (学年封存)
    "sealing:console": _CITY, "sealing:progress": _CITY,
    # the API: signed in (session or token); each answer is scoped by the selectors and the services
    "api-token": PUBLIC, "api-root": SIGNED_IN, "schema": SIGNED_IN, "api-docs": SIGNED_IN,
    "entry-list": SIGNED_IN, "entry-detail": SIGNED_IN, "entry-bulk-review": SIGNED_IN, "entry-school-review": SIGNED_IN,
    "entry-leader-sign": SIGNED_IN, "entry-district-review": SIGNED_IN, "entry-confirm": SIGNED_IN,
    "entry-return-": SIGNED_IN, "entry-withdraw": SIGNED_IN, "entry-resubmit": SIGNED_IN, "entry-evidence": SIGNED_IN,
    "entry-history": SIGNED_IN, "evidence-download": SIGNED_IN, "roster-list": SIGNED_IN, "roster-detail": SIGNED_IN,
    "roster-template": SIGNED_IN, "roster-district-review": SIGNED_IN, "roster-city-review": SIGNED_IN,
    "feed-list": SIGNED_IN, "feed-detail": SIGNED_IN, "feed-upload": SIGNED_IN, "item-list": SIGNED_IN,
    "item-detail": SIGNED_IN, "teacher-totals": SIGNED_IN, "my-totals": _T, "window-extend": SIGNED_IN,
}


def may_open(user, route: str) -> bool:
    """Whether `user`'s roles may open the route (ROUTES); unknown routes are closed."""
    policy = ROUTES.get(route)
    if policy is None:
        return False
    if policy == PUBLIC:
        return True
    if not user or not user.is_authenticated:
        return False
    if isinstance(policy, str):
        return policy == SIGNED_IN
    return bool(roles_of(user) & policy)

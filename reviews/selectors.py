"""Reads shared by the pages and the API: what a user may see, review queues, history."""

from django.db.models import OuterRef, Q, QuerySet, Subquery

from accounts.access import (
    acting_school_ids,
    acts_everywhere,
    administered_school_ids,
    district_step_schools,
    has_role,
    schools_for_role,
)
from accounts.models import Role
from credits.models import CreditEntry

from . import workflow as wf
from .models import EntryTransition, Evidence, FeedImport, Roster, RosterStatus


def entries_for_user(user) -> QuerySet[CreditEntry]:
    """A teacher's own entries, plus the entries of the schools the user administers, signs
    for or reviews (school admin, leader, district incl. delegated schools, city)."""
    base = CreditEntry.objects.select_related("teacher", "school", "academic_year", "item")
    if not user or not user.is_authenticated:
        return base.none()
    if has_role(user, Role.CITY_STAFF):
        return base.all()
    # Written on the entry's own columns (teacher_id = … OR school_id IN (…)), not as an OR across
    # a join, so PostgreSQL reads the entry indexes instead of scanning every entry of the city.
    school_ids = administered_school_ids(user)
    q = Q(teacher_id__in=_own_profile_ids(user))
    return base.filter(q | Q(school_id__in=school_ids) if school_ids else q)


def entries_to_list_for_user(user) -> QuerySet[CreditEntry]:
    """``entries_for_user`` shaped for a list read newest first a page at a time (the API's).

    For a reviewer who is also a teacher, the OR of the teacher and the schools makes PostgreSQL
    walk the newest-first index of the whole city (75 ms for a 186-teacher school of the
    150,000-teacher city). Their own entries at the schools they review are among the schools';
    the others (registered at a school before a transfer) are few and listed by id, so the filter
    is on school_id and a page comes from (school, started_on, id). One query more, so only here."""
    school_ids = administered_school_ids(user) if user and user.is_authenticated else []
    own = _own_profile_ids(user) if school_ids else []
    if not own or has_role(user, Role.CITY_STAFF):
        return entries_for_user(user)
    elsewhere = list(CreditEntry.objects.filter(teacher_id__in=own).exclude(school_id__in=school_ids)
                     .order_by().values_list("pk", flat=True))
    return (CreditEntry.objects.select_related("teacher", "school", "academic_year", "item")
            .filter(Q(school_id__in=school_ids) | Q(pk__in=elsewhere)))


def _own_profile_ids(user) -> list[int]:
    """The user's teacher profile id (a list: none for staff without one), from the cached
    relation when the request already read it."""
    from accounts.models import TeacherProfile

    try:
        return [user.teacher_profile.pk]
    except TeacherProfile.DoesNotExist:
        return []


def review_queue(*, user, step: str, academic_year=None) -> QuerySet[CreditEntry]:
    """Entries waiting for `user` at `step` (never the user's own): the step's state, within the
    scope of the step's actors (reviews.workflow, resolved by accounts.access)."""
    if step not in wf.STEPS:
        raise ValueError(step)
    row = wf.STEPS[step]
    # On the entry's columns (teacher_id, school_id as lists), so the queue reads the entry indexes
    # with real row estimates instead of joining every waiting entry to its teacher first.
    own = _own_profile_ids(user)
    qs = CreditEntry.objects.select_related("teacher", "school", "academic_year", "item").filter(
        status=row.from_state
    ).exclude(teacher_id__in=own)
    if academic_year is not None:
        qs = qs.filter(academic_year=academic_year)
    if row.not_by_actor_of:
        # Not what the user did at the earlier step themselves (services refuse that).
        earlier = (EntryTransition.objects.filter(entry=OuterRef("pk"), action=row.not_by_actor_of)
                   .order_by("-at", "-id").values("actor_id")[:1])
        qs = qs.annotate(earlier_actor=Subquery(earlier)).exclude(earlier_actor=user.pk)
    if acts_everywhere(user, row.actors):
        return qs
    return qs.filter(school_id__in=acting_school_ids(user, row.actors)).order_by("school_id", "teacher__name", "id")


# Home cards count a queue only this far: past it they say "10000+" (a city's queue holds millions
# of rows; counting them all on every visit is what kept the city's home slow).
QUEUE_COUNT_BOUND = 10000


def bounded_count(qs, bound: int = QUEUE_COUNT_BOUND) -> tuple[int, bool]:
    """(count, more): the number of rows up to `bound`, and whether there are more."""
    n = qs.order_by().values("pk")[: bound + 1].count()
    return min(n, bound), n > bound


def version_subquery():
    """The entry's version (its latest transition's id) as an annotation: `.annotate(version=…)`."""
    latest = EntryTransition.objects.filter(entry=OuterRef("pk")).order_by("-id").values("id")[:1]
    return Subquery(latest)


def entry_history(entry) -> QuerySet[EntryTransition]:
    """The entry's audit trail, oldest first: who, in which role, when, from→to, changes, why."""
    return EntryTransition.objects.filter(entry=entry).select_related("actor").order_by("at", "id")


def evidence_for_user(user) -> QuerySet[Evidence]:
    """Proof files the user may download: of entries in their scope (404 otherwise)."""
    return Evidence.objects.filter(entry__in=entries_for_user(user).values("pk"))


def rosters_for_user(user) -> QuerySet[Roster]:
    base = Roster.objects.select_related("school", "academic_year", "item")
    if not user or not user.is_authenticated:
        return base.none()
    if has_role(user, Role.CITY_STAFF):
        return base.all()
    q = Q(school__in=schools_for_role(user, Role.BASE_SCHOOL_ADMIN).values("pk"))
    q |= Q(school__in=district_step_schools(user).values("pk"))
    return base.filter(q)


def roster_review_queue(*, user) -> QuerySet[Roster]:
    """Rosters waiting for this user's decision: the district step, then the city step."""
    q = Q(status=RosterStatus.SUBMITTED, school__in=district_step_schools(user).values("pk"))
    if has_role(user, Role.CITY_STAFF):
        q |= Q(status=RosterStatus.DISTRICT_APPROVED)
    return Roster.objects.select_related("school", "academic_year").filter(q)


def feed_imports_for_user(user) -> QuerySet[FeedImport]:
    return FeedImport.objects.all() if has_role(user, Role.CITY_STAFF) else FeedImport.objects.none()

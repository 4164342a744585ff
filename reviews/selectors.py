"""Reads shared by the pages and the API: what a user may see, review queues, history."""

from django.db.models import OuterRef, Q, QuerySet, Subquery

from accounts.access import (
    acting_schools,
    acts_everywhere,
    administered_schools,
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
    return base.filter(Q(teacher__user=user) | Q(school__in=administered_schools(user).values("pk")))


def review_queue(*, user, step: str, academic_year=None) -> QuerySet[CreditEntry]:
    """Entries waiting for `user` at `step` (never the user's own): the step's state, within the
    scope of the step's actors (reviews.workflow, resolved by accounts.access)."""
    if step not in wf.STEPS:
        raise ValueError(step)
    row = wf.STEPS[step]
    qs = CreditEntry.objects.select_related("teacher", "school", "academic_year", "item").filter(
        status=row.from_state
    ).exclude(teacher__user=user)
    if academic_year is not None:
        qs = qs.filter(academic_year=academic_year)
    if row.not_by_actor_of:
        # Not what the user did at the earlier step themselves (services refuse that).
        earlier = (EntryTransition.objects.filter(entry=OuterRef("pk"), action=row.not_by_actor_of)
                   .order_by("-at", "-id").values("actor_id")[:1])
        qs = qs.annotate(earlier_actor=Subquery(earlier)).exclude(earlier_actor=user.pk)
    if not acts_everywhere(user, row.actors):
        qs = qs.filter(school__in=acting_schools(user, row.actors).values("pk"))
    return qs.order_by("school_id", "teacher__name", "id")


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

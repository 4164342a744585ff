"""Property: whatever sequence of actions, by whichever users, on whichever days, every
accepted action adds exactly one audit row whose from/to states match the entry, and every
refused one changes nothing."""

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credits.models import CreditEntry, EntryStatus
from reviews import services as S
from reviews.errors import TransitionError
from reviews.models import EntryTransition
from tests.reviews.helpers import ACTIVITY_DAY, CITY_DAY, DISTRICT_DAY, REGISTRATION_DAY, pdf, snapshot

ACTORS = ["teacher", "school_admin", "leader", "district_admin", "other_district_admin", "city", "city_admin"]
DAYS = [REGISTRATION_DAY, DISTRICT_DAY, CITY_DAY]
ACTIONS = {
    "school_review": lambda a, e, d, ok: S.entry_school_review(actor=a, entry=e, approve=ok, comment="意见", today=d),
    "leader_sign": lambda a, e, d, ok: S.entry_leader_sign(actor=a, entry=e, approve=ok, comment="意见", today=d),
    "district_review": lambda a, e, d, ok: S.entry_district_review(actor=a, entry=e, approve=ok, comment="意见",
                                                                   today=d),
    "confirm": lambda a, e, d, ok: S.entry_confirm(actor=a, entry=e, today=d),
    "return": lambda a, e, d, ok: S.entry_return(actor=a, entry=e, comment="请修改", today=d),
    "withdraw": lambda a, e, d, ok: S.entry_withdraw(actor=a, entry=e, today=d),
    "resubmit": lambda a, e, d, ok: S.entry_resubmit(actor=a, entry=e, today=d),
}
_examples = itertools.count(1)
steps = st.lists(st.tuples(st.sampled_from(sorted(ACTIONS)), st.sampled_from(ACTORS), st.sampled_from(DAYS),
                           st.booleans()), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(sequence=steps)
def test_every_action_is_one_audit_row_or_nothing(world, sequence):
    # Examples share the database: each declares its own activity (a repeat is refused as a duplicate).
    entry = S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"),
                            title=f"培训{next(_examples)}",
                            started_on=ACTIVITY_DAY, quantity="8", evidence_files=[pdf()], today=REGISTRATION_DAY)
    for name, actor_name, day, approve in sequence:
        actor = world.teacher.user if actor_name == "teacher" else getattr(world, actor_name)
        before = snapshot(entry)
        try:
            ACTIONS[name](actor, entry, day, approve)
        except TransitionError:
            assert snapshot(entry) == before
            continue
        fresh = CreditEntry.objects.get(pk=entry.pk)
        last = EntryTransition.objects.filter(entry=entry).order_by("-id").first()
        assert EntryTransition.objects.filter(entry=entry).count() == before[5] + 1
        assert (last.from_state, last.to_state) == (before[0], fresh.status)
        assert fresh.status in EntryStatus.values

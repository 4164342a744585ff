"""Property (issue 9): no sequence of claims, repeats, inflated claims, edits, certificates and
approvals yields more credit than the rules give for the true activities — each true activity and
each certificate counts at most once, at no more than its true quantity."""

import datetime
import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credits import rules as R
from credits.models import COUNTED_STATUSES, CreditEntry
from credits.selectors import rules_for, teacher_year_totals
from reviews import services as S
from reviews.errors import TransitionError
from tests.factories import TeacherProfileFactory
from tests.reviews.helpers import DISTRICT_DAY, PDF_BYTES, REGISTRATION_DAY, pdf

D = Decimal
CODES = ["admin_training", "school_based_training", "lecture_attendee"]
_examples = itertools.count(1)


@st.composite
def activity(draw):
    days = draw(st.integers(1, 3))
    return {
        "code": draw(st.sampled_from(CODES)),
        "day": datetime.date(2017, 9, 1) + datetime.timedelta(days=draw(st.integers(0, 150))),
        "days": days,
        "quantity": D(draw(st.integers(1, 20 * days))) / 2,  # 0.5 … 10 a day
    }


ACTION = st.one_of(
    st.tuples(st.just("claim"), st.integers(0, 3)),
    st.tuples(st.just("repeat"), st.integers(0, 3), st.sampled_from(["same", "spaces", "same_file"])),
    st.tuples(st.just("inflate"), st.integers(0, 3)),
    st.tuples(st.just("edit"), st.integers(0, 3), st.sampled_from(["truth", "implausible"])),
    st.tuples(st.just("certificate"), st.integers(0, 1), st.sampled_from(["putonghua", "flex_certificate"])),
    st.tuples(st.just("approve"),),
)


def _proof(tag: str):
    return pdf(content=PDF_BYTES + f"% {tag}\n".encode())


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(acts=st.lists(activity(), min_size=1, max_size=4), steps=st.lists(ACTION, min_size=1, max_size=12))
def test_no_sequence_yields_more_than_the_true_activities(world, acts, steps):
    run = next(_examples)
    teacher = TeacherProfileFactory(school=world.school, name=f"性质教师{run}")
    user = teacher.user

    def ended(a):
        return a["day"] + datetime.timedelta(days=a["days"] - 1)

    def title(i):
        return f"第{run}轮活动{i}"

    first_proof = {}

    def declare(i, *, quantity=None, title_text=None, proof_tag=None):
        a = acts[i % len(acts)]
        item = world.item(a["code"])
        tag = proof_tag or f"{run}-{i}-{next(_examples)}"
        files = [_proof(tag)] if item.flow == "declare" else []
        entry = S.entry_declare(teacher_user=user, item=item, title=title_text or title(i % len(acts)),
                                started_on=a["day"], ended_on=ended(a), quantity=quantity or a["quantity"],
                                evidence_files=files, today=REGISTRATION_DAY)
        first_proof.setdefault(i % len(acts), tag)
        return entry

    def certificate(k, code):
        number = f"R{run}C{k}"
        if code == "putonghua":
            return S.entry_admin_register(actor=world.school_admin, teacher=teacher, item=world.item(code),
                                          title="普通话证书", started_on=datetime.date(2017, 12, 1), option="grade2b",
                                          certificate_no=number, evidence_files=[_proof(f"{run}-cert-{k}-{code}")],
                                          today=REGISTRATION_DAY)
        return S.entry_declare(teacher_user=user, item=world.item(code), title="普通话证书",
                               started_on=datetime.date(2017, 12, 1), quantity="1", certificate_no=number.lower(),
                               today=REGISTRATION_DAY)

    def approve_all():
        for entry in CreditEntry.objects.filter(teacher=teacher).order_by("pk"):
            for actor, step, day in ((world.school_admin, S.entry_school_review, REGISTRATION_DAY),
                                     (world.leader, S.entry_leader_sign, REGISTRATION_DAY),
                                     (world.district_admin, S.entry_district_review, DISTRICT_DAY)):
                try:
                    step(actor=actor, entry=entry, approve=True, today=day)
                except TransitionError:
                    pass  # not at this step

    for step in steps:
        kind = step[0]
        try:
            if kind == "claim":
                declare(step[1])
            elif kind == "repeat":
                i, how = step[1], step[2]
                if how == "same":
                    declare(i)
                elif how == "spaces":
                    declare(i, title_text=" " + title(i % len(acts)).replace("活动", "活动 ") + " ")
                elif i % len(acts) in first_proof and world.item(acts[i % len(acts)]["code"]).flow == "declare":
                    # The proof of an earlier claim of activity i, under another title: refused.
                    declare(i, title_text=f"另一个标题{run}-{i}", proof_tag=first_proof[i % len(acts)])
                    raise AssertionError("the same proof file was accepted twice")
            elif kind == "inflate":
                a = acts[step[1] % len(acts)]
                declare(step[1], quantity=D(10) * a["days"] + D("0.5"))
            elif kind == "edit":
                i = step[1] % len(acts)
                entry = CreditEntry.objects.filter(teacher=teacher, title=title(i)).order_by("pk").first()
                if entry is not None:
                    a = acts[i]
                    q = a["quantity"] if step[2] == "truth" else D(10) * a["days"] + 1
                    S.entry_update(actor=user, entry=entry, quantity=q, today=REGISTRATION_DAY)
            elif kind == "certificate":
                certificate(step[1], step[2])
            else:
                approve_all()
        except TransitionError:
            pass  # refused: nothing written (tests/reviews/test_integrity.py checks that per refusal)
    approve_all()

    counted = list(CreditEntry.objects.filter(teacher=teacher, status__in=COUNTED_STATUSES).select_related("item"))
    # Each true activity is counted at most once, at no more than its true quantity.
    by_activity = {}
    for e in counted:
        if e.item.code in CODES:
            key = (e.item.code, e.started_on, e.ended_on, "".join(e.title.split()))
            by_activity.setdefault(key, []).append(e)
    truth = {}
    for a_index, a in enumerate(acts):
        truth[(a["code"], a["day"], ended(a), "".join(title(a_index).split()))] = a
    for key, entries in by_activity.items():
        assert len(entries) == 1, key
        assert key in truth, key
        assert entries[0].quantity <= truth[key]["quantity"]
    # Each certificate counts once, whether as 规范性 or as 灵活性.
    numbers = [e.certificate_no for e in counted if e.certificate_no]
    assert len(numbers) == len(set(numbers))
    # And the year's total is at most what the rules give for the true activities and certificates.
    rules = rules_for(2017)
    true_claims = [R.Claim(a["code"], a["quantity"]) for a in truth.values()]
    ceiling = R.year_totals(true_claims, rules).total + D(20) * len(set(numbers))
    assert teacher_year_totals(teacher=teacher, academic_year=2017).total <= ceiling

"""The workflow table (reviews.workflow) is the one description of the review chain: every row is
reachable, every decision leads to a defined state, the services make exactly the table's moves,
and a step's name is written nowhere else."""

import ast
import itertools
import re
from pathlib import Path

import pytest

from accounts.access import SCOPE_CITY_DIRECT
from accounts.models import Role
from credits.models import CreditEntry, EntrySource, EntryStatus
from reviews import services as S
from reviews import workflow as wf
from reviews.errors import TransitionError
from reviews.models import EntryTransition, Window
from tests.reviews.helpers import ACTIVITY_DAY, CITY_DAY, DISTRICT_DAY, REGISTRATION_DAY, pdf, snapshot

ROOT = Path(__file__).resolve().parents[2]
DAY_OF_WINDOW = {Window.SCHOOL_REVIEW: REGISTRATION_DAY, Window.DISTRICT_REVIEW: DISTRICT_DAY,
                 Window.CITY_SEAL: CITY_DAY}
_titles = itertools.count(1)


# --- a step's name is written once ------------------------------------------------------------


def _code_files():
    skip = {".venv", "tests", "migrations", "node_modules", "media", "test-artifacts", ".git"}
    for path in sorted(ROOT.rglob("*.py")):
        if not skip & set(path.relative_to(ROOT).parts):
            yield path


def test_step_names_are_written_only_in_the_workflow_table():
    names = set(wf.STEPS)
    found = []
    for path in _code_files():
        if path == ROOT / "reviews" / "workflow.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in names:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    quoted = re.compile(r"""['"](%s)['"]""".replace("%s", "|".join(map(re.escape, names))))
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found += [f"{path.relative_to(ROOT)}:{n} {m.group(0)}" for m in quoted.finditer(line)]
    assert found == []


def test_the_scan_sees_a_bare_step_name(tmp_path):
    """The scan above is not vacuous: a bare step name in code is a constant it finds."""
    tree = ast.parse(f"if step == {wf.CONFIRM!r}:\n    pass\n")
    assert [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)] == [wf.CONFIRM]
    assert len(list(_code_files())) > 100


# --- the table itself -------------------------------------------------------------------------


def test_every_decision_leads_to_a_defined_state_and_every_row_is_reachable():
    reached = set()
    for source in EntrySource.values:
        moves = wf.transitions(source)
        frontier = {to for action, frm, to in moves if frm == ""}
        seen = set()
        while frontier:
            state = frontier.pop()
            seen.add(state)
            frontier |= {to for action, frm, to in moves if frm == state} - seen
        reached |= seen
    for row in wf.ENTRY_STEPS:
        assert row.from_state in reached, row.name
        assert row.decisions and wf.APPROVE in row.decisions, row.name
        for decision, state in row.leads_to.items():
            assert decision in (wf.APPROVE, wf.REJECT, wf.RETURN), (row.name, decision)
            assert state in EntryStatus.values, (row.name, decision, state)
        assert row.window in Window.values and row.actors and row.label and row.title and row.who
        assert all(a.role in Role.values for a in row.actors)
        if row.not_by_actor_of:
            assert row.not_by_actor_of in wf.STEPS
    # Each state is left by at most one step, and every state is reached by some source.
    assert len(wf.STEP_OF_STATE) == len(wf.ENTRY_STEPS)
    assert reached == set(EntryStatus.values)


# --- the services obey the table --------------------------------------------------------------


def _users(world, school):
    """The reviewer of each role for `school`, as the world has them."""
    city_direct = school.district_id is None
    return {
        Role.SCHOOL_ADMIN: world.city_admin if city_direct else world.school_admin,
        Role.SCHOOL_LEADER: world.city_leader if city_direct else world.leader,
        Role.DISTRICT_ADMIN: world.district_admin,
        Role.CITY_STAFF: world.city,
    }


def _declare(world, teacher):
    return S.entry_declare(teacher_user=teacher.user, item=world.item("admin_training"), started_on=ACTIVITY_DAY,
                           quantity="8", title=f"区级骨干教师培训（第{next(_titles)}期）", evidence_files=[pdf()],
                           today=REGISTRATION_DAY)


def _reviewer(world, row, school):
    """The row's actor for `school` (a 市直属学校's district step is the city's), and its user."""
    city_direct = school.district_id is None

    def fits(a):
        if a.scope == SCOPE_CITY_DIRECT or a.role == Role.DISTRICT_ADMIN:
            return (a.scope == SCOPE_CITY_DIRECT) == city_direct
        return True

    actor = next(a for a in row.actors if fits(a))
    return _users(world, school)[actor.role], actor


def _bring_to(world, teacher, state):
    """An entry of `teacher`, approved step by step (as the table says) until it is in `state`."""
    entry = _declare(world, teacher)
    for row in wf.ENTRY_STEPS:
        if entry.status == state:
            break
        user, _ = _reviewer(world, row, teacher.school)
        entry = S.entry_review(actor=user, entry=entry, step=row.name, decision=wf.APPROVE,
                               today=DAY_OF_WINDOW[row.window])
        assert entry.status == row.leads_to[wf.APPROVE]
    assert entry.status == state
    return entry


CASES = [(row.name, decision, city_direct) for row in wf.ENTRY_STEPS for decision in row.decisions
         for city_direct in (False, True)
         if not (city_direct and row.name != wf.DISTRICT_REVIEW)]


@pytest.mark.parametrize("step,decision,city_direct", CASES)
def test_each_decision_of_each_step_moves_as_the_table_says(world, step, decision, city_direct):
    row = wf.STEPS[step]
    teacher = world.city_teacher if city_direct else world.teacher
    entry = _bring_to(world, teacher, row.from_state)
    user, actor = _reviewer(world, row, teacher.school)
    S.entry_review(actor=user, entry=entry, step=step, decision=decision, comment="理由：材料不全",
                   today=DAY_OF_WINDOW[row.window])
    entry.refresh_from_db()
    assert entry.status == row.leads_to[decision]
    last = EntryTransition.objects.filter(entry=entry).latest("id")
    assert (last.action, last.role, last.from_state, last.to_state) == (
        step if decision == wf.APPROVE else decision, actor.role, row.from_state, row.leads_to[decision])


@pytest.mark.parametrize("step", list(wf.STEPS))
def test_a_decision_the_row_does_not_allow_is_refused_and_nothing_changes(world, step):
    row = wf.STEPS[step]
    entry = _bring_to(world, world.teacher, row.from_state)
    user, _ = _reviewer(world, row, world.teacher.school)
    refused = [d for d in (wf.APPROVE, wf.REJECT, wf.RETURN) if d not in row.decisions] + ["approve_all"]
    for decision in refused:
        before = snapshot(entry)
        with pytest.raises(TransitionError):
            S.entry_review(actor=user, entry=entry, step=step, decision=decision, comment="理由",
                           today=DAY_OF_WINDOW[row.window])
        assert snapshot(entry) == before
    if not row.approve_fewer:
        before = snapshot(entry)
        with pytest.raises(TransitionError, match="核减"):
            S.entry_review(actor=user, entry=entry, step=step, decision=wf.APPROVE, quantity_approved="4",
                           comment="理由", today=DAY_OF_WINDOW[row.window])
        assert snapshot(entry) == before


@pytest.mark.parametrize("step", list(wf.STEPS))
def test_only_the_rows_actors_may_take_the_step(world, step):
    row = wf.STEPS[step]
    entry = _bring_to(world, world.teacher, row.from_state)
    others = {world.school_admin, world.leader, world.district_admin, world.other_district_admin, world.city,
              world.city_admin, world.city_leader}
    allowed = {u for u in others if S.available_steps(u, entry) & {step}}
    expected = {_users(world, world.teacher.school)[a.role] for a in row.actors if a.scope != SCOPE_CITY_DIRECT}
    assert allowed == expected
    for user in others - allowed:
        before = snapshot(entry)
        with pytest.raises(TransitionError):
            S.entry_review(actor=user, entry=entry, step=step, decision=wf.APPROVE, today=DAY_OF_WINDOW[row.window])
        assert snapshot(entry) == before
    # The queue of the step lists the entry exactly for those who may take it.
    from reviews.selectors import review_queue

    assert {u for u in others if review_queue(user=u, step=step).filter(pk=entry.pk).exists()} == expected


def test_every_move_the_services_make_is_a_row_of_the_table(world):
    """The flows of every source, with their returns, rejections, withdrawals, corrections and
    resubmissions: each audit row's (action, from, to) is one of workflow.transitions(source)."""
    teacher = world.teacher
    for row in wf.ENTRY_STEPS:
        for decision in row.decisions:
            entry = _bring_to(world, teacher, row.from_state)
            user, _ = _reviewer(world, row, teacher.school)
            entry = S.entry_review(actor=user, entry=entry, step=row.name, decision=decision, comment="理由",
                                   today=DAY_OF_WINDOW[row.window])
            if entry.status in wf.RESUBMITTABLE:
                S.entry_resubmit(actor=teacher.user, entry=entry, today=REGISTRATION_DAY, comment="已更正")
    entry = _declare(world, teacher)
    S.entry_update(actor=teacher.user, entry=entry, title="改正后的培训内容", today=REGISTRATION_DAY)
    S.evidence_attach(actor=teacher.user, entry=entry, files=[pdf()])
    S.entry_withdraw(actor=teacher.user, entry=entry, today=REGISTRATION_DAY)
    S.entry_resubmit(actor=teacher.user, entry=entry, today=REGISTRATION_DAY)
    registered = S.entry_admin_register(actor=world.school_admin, teacher=teacher, item=world.item("putonghua"),
                                        title="普通话等级证书", started_on=ACTIVITY_DAY, option="grade2a_up",
                                        certificate_no="5101180399", evidence_files=[pdf("证书.pdf")],
                                        today=REGISTRATION_DAY)
    S.entry_withdraw(actor=world.school_admin, entry=registered, today=REGISTRATION_DAY)
    S.entry_resubmit(actor=world.school_admin, entry=registered, today=REGISTRATION_DAY)
    S.entry_review(actor=world.district_admin, entry=registered, step=wf.DISTRICT_REVIEW, decision=wf.APPROVE,
                   today=DISTRICT_DAY)
    S.feed_import_records(actor=world.city, channel="reading_note", today=CITY_DAY, records=[
        {"external_id": "wf1", "username": teacher.user.username, "date": "2018-03-01", "quantity": 1}])
    S.feed_import_records(actor=world.city, channel="reading_note", today=CITY_DAY, records=[
        {"external_id": "wf1", "username": teacher.user.username, "date": "2018-03-02", "quantity": 1}])

    sources = dict(CreditEntry.objects.values_list("pk", "source"))
    moves = {(t.entry_id, t.action, t.from_state, t.to_state) for t in EntryTransition.objects.all()}
    assert set(sources.values()) == {EntrySource.DECLARED, EntrySource.ADMIN_REGISTERED,
                                                      EntrySource.FEED}
    outside = [m for m in moves if m[1:] not in wf.transitions(sources[m[0]])]
    assert outside == []
    # And the walk made every move the table declares for a declared entry, but the seal's and the proof removal.
    made = {m[1:] for m in moves if sources[m[0]] == EntrySource.DECLARED}
    declared = {m for m in wf.transitions(EntrySource.DECLARED)
                if m[0] not in ("close_late", "evidence_add", "evidence_remove")}
    assert declared - made == set()

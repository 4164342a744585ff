"""The account and change-request tables (accounts/workflow.py) are what the services do: a walk
through every service makes each move of the tables, and no other; a refusal is the table's."""

import ast

import pytest

from accounts import services
from accounts import workflow as wf
from accounts.errors import AccountError
from accounts.models import AccountStatus, ProfileChangeRequest, TeacherProfile
from tests.factories import make_id_number
from tests.moves import check_walk, recorded_moves

_n = iter(range(700, 800))


def _add(admin, school):
    values = {"name": "新老师", "gender": "female", "id_number": make_id_number(next(_n)), "stage": "primary"}
    return services.teacher_create(actor=admin, school=school, **values).profile


def test_every_account_move_is_a_row_of_the_table_and_every_row_is_made(admin_a, school_a, district_admin_a):
    with recorded_moves(TeacherProfile) as moves:
        approved, rejected, pending = _add(admin_a, school_a), _add(admin_a, school_a), _add(admin_a, school_a)
        services.account_approve(actor=district_admin_a, profile=approved)
        services.account_reject(actor=district_admin_a, profile=rejected, reason="身份证号有误")
        for profile in (approved, rejected, pending):
            profile.refresh_from_db()
            services.teacher_deactivate(actor=admin_a, profile=profile, reason="离职")
            services.teacher_reactivate(actor=admin_a, profile=profile)
            profile.refresh_from_db()
        services.teacher_update(actor=admin_a, profile=rejected, name="改正老师")
        services.teacher_update(actor=admin_a, profile=approved, name="更名老师")
    assert {p.status for p in TeacherProfile.objects.filter(pk__in=[approved.pk, rejected.pk])} == {AccountStatus.PENDING}
    check_walk(wf.ACCOUNT, moves)


def test_every_change_request_move_is_a_row_of_the_table(admin_a, district_admin_a, teacher_a):
    names = iter(["甲一", "甲二", "甲三"])

    def submit():
        return services.change_request_submit(actor=teacher_a.user, profile=teacher_a, changes={"name": next(names)})

    with recorded_moves(ProfileChangeRequest) as moves:
        services.change_request_decide(actor=district_admin_a, approve=True, change_request=services.change_request_check(
            actor=admin_a, change_request=submit(), approve=True))
        services.change_request_check(actor=admin_a, change_request=submit(), approve=False, reason="请附证明")
        services.change_request_decide(actor=district_admin_a, approve=False, reason="无证明",
                                       change_request=services.change_request_check(
                                           actor=admin_a, change_request=submit(), approve=True))
    check_walk(wf.CHANGE_REQUEST, moves)


def test_a_refused_move_says_the_tables_refusal_and_changes_nothing(admin_a, district_admin_a, teacher_a):
    before = TeacherProfile.objects.filter(pk=teacher_a.pk).values().get()
    with pytest.raises(AccountError) as exc:
        services.account_approve(actor=district_admin_a, profile=teacher_a)
    assert exc.value.message == wf.ACCOUNT[wf.ACCOUNT_REVIEW].refused.format(state="已审核")
    with pytest.raises(AccountError, match="该账号未停用"):
        services.teacher_reactivate(actor=admin_a, profile=teacher_a)
    assert TeacherProfile.objects.filter(pk=teacher_a.pk).values().get() == before


def test_the_open_change_requests_are_those_a_step_acts_on():
    assert set(wf.CHANGE_REQUEST_OPEN) == {ProfileChangeRequest.Status.PENDING, ProfileChangeRequest.Status.SCHOOL_CHECKED}


def test_the_steps_names_of_these_tables_are_written_only_in_their_table():
    """Like the entry table's (tests/reviews/test_workflow.py): the services ask the tables by the
    names' constants, never by a bare string."""
    from reviews import workflow as reviews_wf
    from tests.reviews.test_workflow import ROOT, _code_files

    tables = {ROOT / "accounts" / "workflow.py": {*wf.ACCOUNT.steps, *wf.CHANGE_REQUEST.steps},
              ROOT / "reviews" / "workflow.py": set(reviews_wf.ROSTER.steps)}
    names = set().union(*tables.values())
    assert len(names) == 13
    found = [f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}" for path in _code_files()
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Constant) and node.value in names - tables.get(path, set())]
    assert found == []

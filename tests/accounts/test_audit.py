"""Every change to an account leaves one AccountEvent with who, role, before and after."""

import threading

import pytest
from django.db import connection

from accounts import services
from accounts.models import AccountEvent, AccountStatus, TeacherProfile
from tests.factories import TeacherProfileFactory, make_id_number


def _only_event(user, action):
    events = list(AccountEvent.objects.filter(user=user))
    assert [e.action for e in events] == [action]
    return events[0]


CASES = {
    "created": lambda f: services.teacher_create(actor=f["admin"], school=f["school"], name="甲", gender="male",
                                                 id_number=make_id_number(640), stage="primary").profile,
    "approved": lambda f: services.account_approve(actor=f["district"], profile=f["pending"]),
    "rejected": lambda f: services.account_reject(actor=f["district"], profile=f["pending"], reason="信息不全"),
    "changed": lambda f: services.teacher_update(actor=f["admin"], profile=f["teacher"], subject="物理"),
    "transferred": lambda f: services.teacher_transfer(actor=f["admin"], profile=f["teacher"], to_school=f["other"]),
    "deactivated": lambda f: services.teacher_deactivate(actor=f["admin"], profile=f["teacher"], reason="退休"),
    "password_reset": lambda f: services.teacher_password_reset(actor=f["admin"], profile=f["teacher"]) and f["teacher"],
    "change_requested": lambda f: services.change_request_submit(actor=f["teacher"].user, profile=f["teacher"],
                                                                 changes={"subject": "美术"}).profile,
}
ACTOR = {"created": "admin", "approved": "district", "rejected": "district", "changed": "admin",
         "transferred": "admin", "deactivated": "admin", "password_reset": "admin", "change_requested": "teacher"}


@pytest.mark.parametrize("action", sorted(CASES))
def test_each_change_writes_one_event(action, admin_a, district_admin_a, school_a, school_b, teacher_a, pending_a):
    fixtures = {"admin": admin_a, "district": district_admin_a, "school": school_a, "other": school_b,
                "teacher": teacher_a, "pending": pending_a}
    profile = CASES[action](fixtures)
    event = _only_event(profile.user, action)
    expected_actor = teacher_a.user if ACTOR[action] == "teacher" else fixtures[ACTOR[action]]
    assert event.actor == expected_actor and event.actor_role and event.at is not None
    if action != "password_reset":
        assert event.after


def test_refused_actions_write_no_event(admin_b, teacher_a, pending_a, district_admin_a):
    from accounts.errors import AccountError

    for call in (
        lambda: services.teacher_update(actor=admin_b, profile=teacher_a, subject="x"),
        lambda: services.teacher_password_reset(actor=admin_b, profile=teacher_a),
        lambda: services.account_reject(actor=admin_b, profile=pending_a, reason="x"),
        lambda: services.account_approve(actor=district_admin_a, profile=teacher_a),
    ):
        with pytest.raises(AccountError):
            call()
    assert not AccountEvent.objects.exists()


def test_import_that_breaks_midway_ends_as_failed(admin_a, school_a, monkeypatch, django_capture_on_commit_callbacks):
    from accounts import imports
    from accounts.models import Job
    from tests.accounts.test_import import _row, _workbook

    job = services.teachers_import_excel(actor=admin_a, school=school_a, upload=_workbook([_row(1)]))
    monkeypatch.setattr("accounts.services.teacher_create", lambda **kw: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        imports.teachers_import_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "中断" in job.error


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_approvals_approve_once(district_admin_a, school_a):
    """The row lock makes the second approver see the new state and refuse."""
    from accounts.errors import AccountError

    profile = TeacherProfileFactory(school=school_a, status=AccountStatus.PENDING)
    barrier = threading.Barrier(2)
    outcomes = []

    def approve():
        try:
            barrier.wait()
            services.account_approve(actor=district_admin_a, profile=TeacherProfile.objects.get(pk=profile.pk))
            outcomes.append("ok")
        except AccountError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert AccountEvent.objects.filter(user=profile.user, action="approved").count() == 1


@pytest.fixture
def staff_client(client, city):
    city.is_staff = city.is_superuser = True
    city.save()
    client.force_login(city)
    return client


def test_role_granted_and_revoked_in_the_admin_are_recorded(staff_client, city, teacher_a, school_a):
    from accounts.models import RoleAssignment

    response = staff_client.post("/admin/accounts/roleassignment/add/",
                                 {"user": teacher_a.user.pk, "role": "school_leader", "school": school_a.pk})
    assert response.status_code == 302
    ra = RoleAssignment.objects.get(user=teacher_a.user, role="school_leader")
    granted = AccountEvent.objects.get(user=teacher_a.user, action="role_granted")
    assert (granted.actor, granted.after["role"]) == (city, "school_leader")
    staff_client.post(f"/admin/accounts/roleassignment/{ra.pk}/delete/", {"post": "yes"})
    assert not RoleAssignment.objects.filter(pk=ra.pk).exists()
    assert AccountEvent.objects.get(user=teacher_a.user, action="role_revoked").before["role"] == "school_leader"


def test_user_deactivated_in_the_admin_is_recorded(staff_client, city, teacher_a):
    url = f"/admin/accounts/user/{teacher_a.user.pk}/change/"
    form = staff_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v not in (None, "") and not isinstance(v, (list, bool))}
    data.pop("last_login", None)
    data.pop("date_joined", None)
    data.update({"date_joined_0": "2018-06-05", "date_joined_1": "08:00:00",
                 "role_assignments-TOTAL_FORMS": "0", "role_assignments-INITIAL_FORMS": "0"})
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AccountEvent.objects.get(user=teacher_a.user, action="changed")
    assert (event.before, event.after) == ({"is_active": True}, {"is_active": False})

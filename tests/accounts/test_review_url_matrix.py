"""Every accounts and site URL that acts on one object, tried by users of the wrong scope: each
gets 403 or 404 and nothing in the database changes."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import (
    AccountEvent,
    InitialPassword,
    Job,
    Notification,
    ProfileChangeRequest,
    Role,
    RoleAssignment,
    TeacherProfile,
    User,
)
from tests.factories import grant

from .conftest import make_user

ROLES = ["other_teacher", "leader", "base_admin", "admin_a2", "admin_b", "district_b", "city"]


@pytest.fixture
def outsiders(school_a, school_a2, school_b, district_b, teacher_a):
    return {
        "other_teacher": grant(make_user("o_teacher"), Role.TEACHER, school=school_a),
        "leader": grant(grant(make_user("o_leader"), Role.SCHOOL_LEADER, school=school_a), Role.TEACHER, school=school_a),
        "base_admin": grant(make_user("o_base"), Role.BASE_SCHOOL_ADMIN, school=school_a),
        "admin_a2": grant(make_user("o_admin_a2"), Role.SCHOOL_ADMIN, school=school_a2),
        "admin_b": grant(make_user("o_admin_b"), Role.SCHOOL_ADMIN, school=school_b),
        "district_b": grant(make_user("o_district_b"), Role.DISTRICT_ADMIN, district=district_b),
        "city": grant(make_user("o_city"), Role.CITY_STAFF),
    }


@pytest.fixture
def targets(admin_a, teacher_a, pending_a, school_a, school_b, django_capture_on_commit_callbacks):
    from .test_import import _row, _workbook

    with django_capture_on_commit_callbacks(execute=True):
        job = services.teachers_import_excel(actor=admin_a, school=school_a, upload=_workbook([_row(9)]))
    change = services.change_request_submit(actor=teacher_a.user, profile=teacher_a, changes={"subject": "数学"})
    note = Notification.objects.create(recipient=teacher_a.user, title="给甲老师的通知")
    archive = Job.objects.create(kind="sealing_archive", owner=admin_a, status=Job.Status.DONE,
                                 result={"file": "sealing/archives/none.zip", "filename": "甲一小-学年档案.zip"})
    return {"teacher": teacher_a, "pending": pending_a, "job": job, "change": change, "note": note,
            "school_b": school_b, "archive": archive}


def _snapshot():
    return (
        list(TeacherProfile.objects.order_by("pk").values()),
        list(User.objects.order_by("pk").values("pk", "password", "is_active", "must_change_password")),
        list(RoleAssignment.objects.order_by("pk").values()),
        list(ProfileChangeRequest.objects.order_by("pk").values()),
        list(Notification.objects.order_by("pk").values("pk", "read_at")),
        list(Job.objects.order_by("pk").values("pk", "result", "status", "done")),
        list(InitialPassword.objects.order_by("pk").values()),
        AccountEvent.objects.count(),
    )


def _requests(t):
    teacher, pending = t["teacher"].pk, t["pending"].pk
    return [
        ("get", reverse("accounts:teacher_edit", args=[teacher]), {}),
        ("post", reverse("accounts:teacher_edit", args=[teacher]),
         {"name": "改名", "gender": "female", "id_number": t["teacher"].id_number, "stage": "primary", "title": "none"}),
        ("post", reverse("accounts:teacher_deactivate", args=[teacher]), {"kind": "离职", "reason": "离职"}),
        ("post", reverse("accounts:teacher_reactivate", args=[teacher]), {}),
        ("post", reverse("accounts:teacher_transfer", args=[teacher]), {"to_school": t["school_b"].pk}),
        ("post", reverse("accounts:teacher_reset_password", args=[teacher]), {}),
        ("post", reverse("accounts:account_approve", args=[pending]), {}),
        ("post", reverse("accounts:account_reject", args=[pending]), {"reason": "不对"}),
        ("post", reverse("accounts:account_approvals"), {"ids": [pending]}),
        ("post", reverse("accounts:change_request_check", args=[t["change"].pk]), {"decision": "approve"}),
        ("post", reverse("accounts:change_request_decide", args=[t["change"].pk]), {"decision": "approve"}),
        ("get", reverse("accounts:teacher_import_job", args=[t["job"].pk]), {}),
        ("post", reverse("accounts:teacher_import_passwords", args=[t["job"].pk]), {}),
        ("post", reverse("accounts:teacher_import_resume", args=[t["job"].pk]), {}),
        ("get", reverse("job_status", args=[t["job"].pk]), {}),
        ("post", reverse("notification_read", args=[t["note"].pk]), {}),
        ("get", reverse("reports:archive_download", args=[t["archive"].pk]), {}),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_wrong_scope_gets_403_or_404_and_nothing_changes(client, role, outsiders, targets):
    client.force_login(outsiders[role])
    before = _snapshot()
    for method, url, data in _requests(targets):
        response = getattr(client, method)(url, data)
        # The bulk approval and the change-request actions answer with a redirect and an error
        # message (the refusal is in the message); everything else refuses outright.
        if url in (reverse("accounts:account_approvals"),) or "/changes/" in url:
            assert response.status_code in (302, 403, 404), (role, url, response.status_code)
        else:
            assert response.status_code in (403, 404), (role, url, response.status_code)
    assert _snapshot() == before


PAGE_ROLES = {
    # page: roles that must be refused
    "accounts:teacher_list": ["other_teacher", "base_admin"],
    "accounts:teacher_add": ["other_teacher", "leader", "base_admin", "district_b", "city"],
    "accounts:teacher_import": ["other_teacher", "leader", "base_admin", "district_b", "city"],
    "accounts:teacher_import_template": ["other_teacher", "leader", "base_admin", "district_b", "city"],
    "accounts:account_approvals": ["other_teacher", "leader", "base_admin", "admin_a2"],
    "sealing:console": ["other_teacher", "leader", "base_admin", "admin_a2", "admin_b", "district_b"],
    "reports:archive": ["other_teacher", "base_admin"],
}


@pytest.mark.parametrize("page", sorted(PAGE_ROLES))
def test_admin_pages_refuse_roles_without_them(client, page, outsiders):
    for role in PAGE_ROLES[page]:
        client.force_login(outsiders[role])
        assert client.get(reverse(page)).status_code == 403, (page, role)


def test_bulk_approval_does_not_name_teachers_outside_the_scope(client, outsiders, pending_a):
    """A refusal must not disclose who the id belongs to (a 404 would not either)."""
    client.force_login(outsiders["district_b"])
    response = client.post(reverse("accounts:account_approvals"), {"ids": [pending_a.pk]}, follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert pending_a.name not in text and "未找到" in text

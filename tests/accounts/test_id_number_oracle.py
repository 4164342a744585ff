"""Nobody learns where another person's 身份证号 is registered: a change request, an add or an
import with it gets one neutral message; only someone whose scope holds the other account is told
the school; and the attempts are throttled per account."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.errors import AccountError
from accounts.models import AccountEvent, ProfileChangeRequest, TeacherProfile, User
from tests.factories import TeacherProfileFactory, make_id_number

from .test_import import _row, _workbook


def _state():
    return (TeacherProfile.objects.count(), User.objects.count(), ProfileChangeRequest.objects.count(),
            AccountEvent.objects.count(),
            sorted(TeacherProfile.objects.values_list("pk", "id_number", "school_id")))


def _says_nothing_about(message: str, other: TeacherProfile) -> None:
    assert message == services.ID_NUMBER_UNAVAILABLE
    assert other.school.name not in message and other.id_number[-4:] not in message and other.name not in message


def test_a_teachers_change_request_with_another_persons_number_says_nothing_and_changes_nothing(
        client, teacher_a, teacher_b):
    before = _state()
    with pytest.raises(AccountError) as exc:
        services.change_request_submit(actor=teacher_a.user, profile=teacher_a, changes={"id_number": teacher_b.id_number})
    _says_nothing_about(exc.value.message, teacher_b)
    assert _state() == before

    client.force_login(teacher_a.user)
    data = {"name": teacher_a.name, "gender": teacher_a.gender, "id_number": teacher_b.id_number,
            "stage": teacher_a.stage, "title": teacher_a.title, "school": teacher_a.school_id}
    page = client.post(reverse("accounts:change_request_new"), data).content.decode()
    assert services.ID_NUMBER_UNAVAILABLE in page and "已登记在" not in page  # (the school list names every school)
    assert _state() == before


def test_adding_or_importing_another_schools_teacher_says_nothing_about_where(
        admin_a, school_a, teacher_b, django_capture_on_commit_callbacks):
    before = _state()
    with pytest.raises(AccountError) as exc:
        services.teacher_create(actor=admin_a, school=school_a, name="新老师", gender="female",
                                id_number=teacher_b.id_number, stage="primary")
    _says_nothing_about(exc.value.message, teacher_b)
    assert _state() == before
    with django_capture_on_commit_callbacks(execute=True):
        job = services.teachers_import_excel(actor=admin_a, school=school_a,
                                             upload=_workbook([_row(1, id=teacher_b.id_number)]))
    job.refresh_from_db()
    _says_nothing_about(job.result["errors"][0]["reason"], teacher_b)
    assert TeacherProfile.objects.count() == before[0]


def test_whoever_keeps_the_other_account_is_told_where_it_is(district_admin_a, teacher_a, teacher_a2):
    """The district over both schools keeps both accounts: it may learn the other school."""
    with pytest.raises(AccountError, match="已登记在甲二小"):
        services.teacher_update(actor=district_admin_a, profile=teacher_a, id_number=teacher_a2.id_number)
    teacher_a.refresh_from_db()
    assert teacher_a.id_number != teacher_a2.id_number


def test_guessing_numbers_is_throttled_per_account(settings, teacher_a, school_b, admin_a, school_a):
    settings.ID_CLASH_LIMIT = 3
    others = [TeacherProfileFactory(school=school_b, id_number=make_id_number(900 + n)) for n in range(3)]
    for other in others:
        with pytest.raises(AccountError, match="无法使用"):
            services.change_request_submit(actor=teacher_a.user, profile=teacher_a, changes={"id_number": other.id_number})
    before = _state()
    # Paused now, even for a number nobody holds: the answer no longer depends on the number.
    free = make_id_number(950)
    with pytest.raises(AccountError, match="次数过多"):
        services.change_request_submit(actor=teacher_a.user, profile=teacher_a, changes={"id_number": free})
    assert _state() == before
    # Someone else is not paused by it.
    created = services.teacher_create(actor=admin_a, school=school_a, name="新老师", gender="female",
                                      id_number=free, stage="primary")
    assert created.profile.id_number == free

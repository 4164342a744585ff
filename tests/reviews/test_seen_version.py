"""Decisions on what was seen (issue 9): every review action carries the entry's version the
reviewer saw; if the entry changed since, nothing is written and the answer says what changed."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from credits.models import CreditEntry, EntryStatus
from reviews import services as S
from reviews.errors import TransitionError
from reviews.models import EntryTransition
from tests.reviews.helpers import (
    ACTIVITY_DAY,
    DISTRICT_DAY,
    REGISTRATION_DAY,
    pdf,
    snapshot,
)


@pytest.fixture
def clock_day():
    return REGISTRATION_DAY


_titles = itertools.count(1)


def _declared(world, quantity="3"):
    # Ten days, so the teacher's later edit to 90 学时 stays within 10 学时 a day; a title of its
    # own, so a second declaration is not the same training twice.
    return S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"),
                           title=f"培训{next(_titles)}", started_on=ACTIVITY_DAY,
                           ended_on=ACTIVITY_DAY + datetime.timedelta(days=9), quantity=quantity,
                           evidence_files=[pdf()], today=REGISTRATION_DAY)


def _teacher_edits(world, entry, quantity="90"):
    S.entry_update(actor=world.teacher.user, entry=entry, quantity=quantity, today=REGISTRATION_DAY)


def test_the_version_is_the_latest_transition(world):
    entry = _declared(world)
    first = S.entry_version(entry)
    assert first == EntryTransition.objects.filter(entry=entry).latest("id").pk
    _teacher_edits(world, entry)
    assert S.entry_version(entry) > first


def test_approval_of_the_version_seen_is_applied(world):
    entry = _declared(world)
    seen = S.entry_version(entry)
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=REGISTRATION_DAY,
                          seen_version=seen)
    assert CreditEntry.objects.get(pk=entry.pk).status == EntryStatus.SCHOOL_VERIFIED


def test_approval_after_the_teacher_changed_the_hours_is_refused_and_says_what_changed(world):
    entry = _declared(world)
    seen = S.entry_version(entry)
    _teacher_edits(world, entry)
    before = snapshot(entry)
    with pytest.raises(TransitionError) as exc:
        S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=REGISTRATION_DAY,
                              seen_version=seen)
    assert exc.value.reason == "stale" and exc.value.status_code == 409
    assert "申报数量 3 → 90" in exc.value.message and "李老师" in exc.value.message
    assert exc.value.details["seen_version"] == seen and exc.value.details["version"] == S.entry_version(entry)
    assert snapshot(entry) == before
    assert CreditEntry.objects.get(pk=entry.pk).status == EntryStatus.SUBMITTED


@pytest.mark.parametrize("step", ["reject", "return"])
def test_reject_and_return_of_a_changed_entry_are_refused(world, step):
    entry = _declared(world)
    seen = S.entry_version(entry)
    _teacher_edits(world, entry)
    before = snapshot(entry)
    with pytest.raises(TransitionError) as exc:
        if step == "reject":
            S.entry_school_review(actor=world.school_admin, entry=entry, approve=False, comment="不符",
                                  today=REGISTRATION_DAY, seen_version=seen)
        else:
            S.entry_return(actor=world.school_admin, entry=entry, comment="请补充", today=REGISTRATION_DAY,
                           seen_version=seen)
    assert exc.value.reason == "stale"
    assert snapshot(entry) == before


def test_sign_and_confirm_check_the_version_too(world):
    entry = _declared(world)
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=REGISTRATION_DAY)
    seen = S.entry_version(entry)
    S.entry_leader_sign(actor=world.leader, entry=entry, today=REGISTRATION_DAY, seen_version=seen)
    S.entry_district_review(actor=world.district_admin, entry=entry, approve=True, today=DISTRICT_DAY)
    with pytest.raises(TransitionError) as exc:
        S.entry_confirm(actor=world.city, entry=entry, seen_version=seen, today=DISTRICT_DAY)
    assert exc.value.reason == "stale" and "区县复核" in exc.value.message


def test_bulk_approval_refuses_only_the_changed_entries(world):
    changed, unchanged = _declared(world), _declared(world, quantity="4")
    versions = {changed.pk: S.entry_version(changed), unchanged.pk: S.entry_version(unchanged)}
    _teacher_edits(world, changed)
    results = {r.entry_id: r for r in S.entries_bulk_review(actor=world.school_admin, step="school_review",
                                                              entry_ids=[changed.pk, unchanged.pk],
                                                              versions=versions, today=REGISTRATION_DAY)}
    assert results[unchanged.pk].ok and not results[changed.pk].ok
    assert "申报数量 3 → 90" in results[changed.pk].message
    assert CreditEntry.objects.get(pk=changed.pk).status == EntryStatus.SUBMITTED


# --- the page ---------------------------------------------------------------------------------


def _page_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_review_page_carries_the_version_and_a_stale_approval_shows_what_changed(world, clock):
    entry = _declared(world)
    client = _page_client(world.school_admin)
    html = client.get(reverse("reviews:entry_detail", args=[entry.pk])).content.decode()
    seen = S.entry_version(entry)
    assert f'name="school_review-version" value="{seen}"' in html
    _teacher_edits(world, entry)
    before = snapshot(entry)
    response = client.post(reverse("reviews:entry_review", args=[entry.pk, "school_review"]),
                           {"school_review-decision": "approve", "school_review-version": seen}, follow=True)
    page = response.content.decode()
    assert "本次操作未保存" in page and "申报数量 3 → 90" in page
    assert snapshot(entry) == before


def test_a_stale_reject_on_the_page_shows_its_reason_not_a_bare_400(world, clock):
    entry = _declared(world)
    client = _page_client(world.school_admin)
    seen = S.entry_version(entry)
    other = _page_client(world.school_admin)
    other.post(reverse("reviews:entry_review", args=[entry.pk, "school_review"]),
               {"school_review-decision": "approve", "school_review-version": seen})
    assert CreditEntry.objects.get(pk=entry.pk).status == EntryStatus.SCHOOL_VERIFIED
    before = snapshot(entry)
    response = client.post(reverse("reviews:entry_review", args=[entry.pk, "school_review"]),
                           {"school_review-decision": "reject", "school_review-comment": "不符",
                            "school_review-version": seen}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "本次操作未保存" in page and "校管理员初审" in page
    assert snapshot(entry) == before


def test_a_stale_reject_without_a_version_is_refused_and_the_page_shows_the_current_state(world, clock):
    entry = _declared(world)
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=REGISTRATION_DAY)
    before = snapshot(entry)
    response = _page_client(world.school_admin).post(
        reverse("reviews:entry_review", args=[entry.pk, "school_review"]),
        {"school_review-decision": "reject", "school_review-comment": "不符"}, follow=True)
    assert response.status_code == 400
    page = response.content.decode()
    assert "页面已过期或缺少版本信息" in page and "本次操作未保存" in page
    assert snapshot(entry) == before


WEB_ACTIONS = [
    ("school_review", "school_admin", {"decision": "approve"}),
    ("school_review", "school_admin", {"decision": "approve_fewer", "quantity_approved": "2", "comment": "核减"}),
    ("school_review", "school_admin", {"decision": "reject", "comment": "不符"}),
    ("school_review", "school_admin", {"decision": "return", "comment": "请补充"}),
    ("leader_sign", "leader", {"decision": "approve"}),
    ("district_review", "district_admin", {"decision": "approve"}),
    ("district_review", "district_admin", {"decision": "return", "comment": "请补充"}),
    ("confirm", "city", {"decision": "approve"}),
]


@pytest.mark.parametrize("step,actor,fields", WEB_ACTIONS)
def test_a_page_review_without_the_version_is_a_400_with_its_reason_and_writes_nothing(world, clock, step, actor,
                                                                                     fields):
    entry, day = _at_step(world, step)
    clock.set(day)
    client = _page_client(getattr(world, actor))
    url = reverse("reviews:entry_review", args=[entry.pk, step])
    data = {f"{step}-{k}": v for k, v in fields.items()}
    before = snapshot(entry)
    transitions = list(EntryTransition.objects.filter(entry=entry).values_list("pk", "to_state"))
    for version in (None, "", "  "):
        body = data if version is None else {**data, f"{step}-version": version}
        response = client.post(url, body)
        assert response.status_code == 400
        page = response.content.decode()
        assert "页面已过期或缺少版本信息" in page and "本次操作未保存" in page
        # The page is shown again with the version as it is now, so the reviewer can decide on what is shown.
        assert f'name="{step}-version" value="{S.entry_version(entry)}"' in page
        assert snapshot(entry) == before
        assert list(EntryTransition.objects.filter(entry=entry).values_list("pk", "to_state")) == transitions
    # The hidden field the form sends makes the same decision go through.
    response = client.post(url, {**data, f"{step}-version": S.entry_version(entry)})
    assert response.status_code == 302
    assert snapshot(entry) != before


def test_a_bulk_approval_on_the_page_without_every_version_is_a_400_and_writes_nothing(
        world, clock, django_capture_on_commit_callbacks):
    from accounts.models import Job

    first, second = _declared(world), _declared(world, quantity="4")
    client = _page_client(world.school_admin)
    url = reverse("reviews:queue", args=["school_review"])
    before = (snapshot(first), snapshot(second))
    jobs = Job.objects.count()
    for data in ({"entry_ids": [first.pk, second.pk]},
                 {"entry_ids": [first.pk, second.pk], f"version_{first.pk}": S.entry_version(first)},
                 {"entry_ids": [first.pk, second.pk], f"version_{first.pk}": S.entry_version(first),
                  f"version_{second.pk}": ""}):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
        assert response.status_code == 400
        page = response.content.decode()
        assert "页面已过期或缺少版本信息" in page and f"#{second.pk}" in page and "本次批量操作未保存" in page
        assert (snapshot(first), snapshot(second)) == before
        assert Job.objects.count() == jobs


def test_the_queue_sends_the_versions_with_a_bulk_approval(world, clock, django_capture_on_commit_callbacks):
    changed, unchanged = _declared(world), _declared(world, quantity="4")
    client = _page_client(world.school_admin)
    html = client.get(reverse("reviews:queue", args=["school_review"])).content.decode()
    for e in (changed, unchanged):
        assert f'name="version_{e.pk}" value="{S.entry_version(e)}"' in html
    data = {"entry_ids": [changed.pk, unchanged.pk], f"version_{changed.pk}": S.entry_version(changed),
            f"version_{unchanged.pk}": S.entry_version(unchanged)}
    _teacher_edits(world, changed)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviews:queue", args=["school_review"]), data)
    assert CreditEntry.objects.get(pk=changed.pk).status == EntryStatus.SUBMITTED
    assert CreditEntry.objects.get(pk=unchanged.pk).status == EntryStatus.SCHOOL_VERIFIED


# --- the API ----------------------------------------------------------------------------------


def test_the_api_shows_the_version_and_answers_409_with_what_changed(world, clock):
    entry = _declared(world)
    api = APIClient()
    api.force_authenticate(world.school_admin)
    seen = api.get(f"/api/entries/{entry.pk}/").json()["version"]
    assert seen == S.entry_version(entry)
    assert api.get("/api/entries/").json()["results"][0]["version"] == seen
    _teacher_edits(world, entry)
    before = snapshot(entry)
    response = api.post(f"/api/entries/{entry.pk}/school-review/", {"approve": True, "version": seen}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["kind"] == "conflict" and body["reason"] == "stale" and body["seen_version"] == seen
    assert "申报数量 3 → 90" in body["detail"] and any("申报数量 3 → 90" in c for c in body["changes"])
    assert snapshot(entry) == before


@pytest.mark.parametrize("path,payload", [
    ("return", {"comment": "请补充"}),
    ("school-review", {"approve": False, "comment": "不符"}),
])
def test_api_return_and_reject_of_a_changed_entry_answer_409(world, clock, path, payload):
    entry = _declared(world)
    api = APIClient()
    api.force_authenticate(world.school_admin)
    seen = S.entry_version(entry)
    _teacher_edits(world, entry)
    before = snapshot(entry)
    response = api.post(f"/api/entries/{entry.pk}/{path}/", {**payload, "version": seen}, format="json")
    assert response.status_code == 409 and "本次操作未保存" in response.json()["detail"]
    assert snapshot(entry) == before


def test_api_bulk_with_versions(world, clock):
    changed, unchanged = _declared(world), _declared(world, quantity="4")
    versions = {str(changed.pk): S.entry_version(changed), str(unchanged.pk): S.entry_version(unchanged)}
    _teacher_edits(world, changed)
    api = APIClient()
    api.force_authenticate(world.school_admin)
    response = api.post("/api/entries/bulk-review/", {"step": "school_review", "entry_ids": [changed.pk, unchanged.pk],
                                                      "versions": versions}, format="json")
    results = {r["entry_id"]: r for r in response.json()["results"]}
    assert results[unchanged.pk]["ok"] and not results[changed.pk]["ok"]
    assert CreditEntry.objects.get(pk=changed.pk).quantity_claimed == Decimal(90)
    assert CreditEntry.objects.get(pk=changed.pk).status == EntryStatus.SUBMITTED


def _at_step(world, step):
    """An entry waiting at `step` (reviewed up to it through the services), and the day its window is open."""
    entry = _declared(world)
    if step == "school_review":
        return entry, REGISTRATION_DAY
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=REGISTRATION_DAY)
    if step == "leader_sign":
        return entry, REGISTRATION_DAY
    S.entry_leader_sign(actor=world.leader, entry=entry, today=REGISTRATION_DAY)
    if step == "district_review":
        return entry, DISTRICT_DAY
    S.entry_district_review(actor=world.district_admin, entry=entry, approve=True, today=DISTRICT_DAY)
    return entry, datetime.date(2018, 11, 10)


@pytest.mark.parametrize("path,step,actor,payload", [
    ("school-review", "school_review", "school_admin", {"approve": True}),
    ("school-review", "school_review", "school_admin", {"approve": False, "comment": "不符"}),
    ("return", "school_review", "school_admin", {"comment": "请补充"}),
    ("leader-sign", "leader_sign", "leader", {"approve": True}),
    ("district-review", "district_review", "district_admin", {"approve": True, "quantity_approved": "2",
                                                              "comment": "核减"}),
    ("confirm", "confirm", "city", {}),
])
def test_an_api_review_action_without_the_version_is_a_400_and_writes_nothing(world, clock, path, step, actor,
                                                                              payload):
    entry, day = _at_step(world, step)
    clock.set(day)
    api = APIClient()
    api.force_authenticate(getattr(world, actor))
    before = snapshot(entry)
    for body in (payload, {**payload, "version": None}, {**payload, "version": ""}):
        response = api.post(f"/api/entries/{entry.pk}/{path}/", body, format="json")
        assert response.status_code == 400, response.json()
        answer = response.json()
        assert answer["field"] == "version" and "须带上您看到的记录版本" in answer["detail"]
        assert snapshot(entry) == before
    # With the version seen, the same action goes through.
    response = api.post(f"/api/entries/{entry.pk}/{path}/", {**payload, "version": S.entry_version(entry)},
                        format="json")
    assert response.status_code == 200, response.json()
    assert snapshot(entry) != before


def test_an_api_bulk_approval_without_every_version_is_a_400_and_writes_nothing(world, clock):
    first, second = _declared(world), _declared(world, quantity="4")
    api = APIClient()
    api.force_authenticate(world.school_admin)
    before = (snapshot(first), snapshot(second))
    for body in ({"step": "school_review", "entry_ids": [first.pk, second.pk]},
                 {"step": "school_review", "entry_ids": [first.pk, second.pk],
                  "versions": {str(first.pk): S.entry_version(first)}}):
        response = api.post("/api/entries/bulk-review/", body, format="json")
        assert response.status_code == 400, response.json()
        assert response.json()["field"] == "versions" and "版本" in response.json()["detail"]
        assert (snapshot(first), snapshot(second)) == before
    assert f"#{second.pk}" in response.json()["detail"]


def test_the_schema_marks_the_version_required():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    for name in ("SchoolReviewRequest", "SignRequest", "ReviewRequest", "ConfirmRequest", "CommentRequest"):
        assert "version" in components[name]["required"], name
    assert "versions" in components["BulkReviewRequest"]["required"]


# --- PostgreSQL: a teacher's edit racing a reviewer's approval ---------------------------------


@pytest.fixture
def tx_world(transactional_db, settings):
    from tests.reviews.helpers import build_world

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


def _race(world, entry, seen, *, first: str):
    """The teacher's edit and the reviewer's approval in two connections; `first` takes the row
    lock and holds it a moment, the other waits on it."""
    import threading
    import time

    from django.db import connections, transaction

    locked = threading.Event()
    outcome = {}

    def teacher():
        try:
            if first != "teacher":
                locked.wait(10)
            with transaction.atomic():
                S.entry_update(actor=world.teacher.user, entry=entry.pk, quantity="90", today=REGISTRATION_DAY)
                if first == "teacher":
                    locked.set()
                    time.sleep(0.5)
            outcome["teacher"] = "ok"
        except TransitionError as exc:
            outcome["teacher"] = exc.reason
        finally:
            locked.set()
            connections.close_all()

    def reviewer():
        try:
            if first != "reviewer":
                locked.wait(10)
            with transaction.atomic():
                S.entry_school_review(actor=world.school_admin, entry=entry.pk, approve=True,
                                      today=REGISTRATION_DAY, seen_version=seen)
                if first == "reviewer":
                    locked.set()
                    time.sleep(0.5)
            outcome["reviewer"] = "ok"
        except TransitionError as exc:
            outcome["reviewer"] = exc.reason
        finally:
            locked.set()
            connections.close_all()

    threads = [threading.Thread(target=teacher), threading.Thread(target=reviewer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcome


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_edit_first_then_the_approval_of_the_older_version_is_refused(tx_world):
    world = tx_world
    entry = _declared(world)
    seen = S.entry_version(entry)
    outcome = _race(world, entry, seen, first="teacher")
    assert outcome == {"teacher": "ok", "reviewer": "stale"}
    fresh = CreditEntry.objects.get(pk=entry.pk)
    assert fresh.status == EntryStatus.SUBMITTED and fresh.quantity_claimed == Decimal(90)
    assert not EntryTransition.objects.filter(entry=entry, action="school_review").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_approval_first_then_the_edit_is_refused_and_the_approval_is_of_what_was_seen(tx_world):
    world = tx_world
    entry = _declared(world)
    seen = S.entry_version(entry)
    outcome = _race(world, entry, seen, first="reviewer")
    assert outcome == {"reviewer": "ok", "teacher": "state"}
    fresh = CreditEntry.objects.get(pk=entry.pk)
    assert fresh.status == EntryStatus.SCHOOL_VERIFIED and fresh.quantity_claimed == Decimal(3)
    review = EntryTransition.objects.get(entry=entry, action="school_review")
    assert review.id > seen and EntryTransition.objects.filter(entry=entry, id__gt=seen).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_unordered_races_never_approve_an_unseen_version(tx_world):
    """Both start at once, ten times: whoever wins, an approval is only ever of the 3 学时 seen."""
    import threading

    from django.db import connections

    world = tx_world
    for _ in range(10):
        entry = _declared(world)
        seen = S.entry_version(entry)
        barrier = threading.Barrier(2)
        outcome = {}

        def teacher(entry=entry, barrier=barrier, outcome=outcome):
            try:
                barrier.wait(10)
                S.entry_update(actor=world.teacher.user, entry=entry.pk, quantity="90", today=REGISTRATION_DAY)
                outcome["teacher"] = "ok"
            except TransitionError as exc:
                outcome["teacher"] = exc.reason
            finally:
                connections.close_all()

        def reviewer(entry=entry, seen=seen, barrier=barrier, outcome=outcome):
            try:
                barrier.wait(10)
                S.entry_school_review(actor=world.school_admin, entry=entry.pk, approve=True,
                                      today=REGISTRATION_DAY, seen_version=seen)
                outcome["reviewer"] = "ok"
            except TransitionError as exc:
                outcome["reviewer"] = exc.reason
            finally:
                connections.close_all()

        threads = [threading.Thread(target=teacher), threading.Thread(target=reviewer)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        fresh = CreditEntry.objects.get(pk=entry.pk)
        assert outcome in ({"teacher": "ok", "reviewer": "stale"}, {"reviewer": "ok", "teacher": "state"})
        if fresh.status == EntryStatus.SCHOOL_VERIFIED:
            assert fresh.quantity_claimed == Decimal(3)
        else:
            assert fresh.quantity_claimed == Decimal(90) and fresh.status == EntryStatus.SUBMITTED

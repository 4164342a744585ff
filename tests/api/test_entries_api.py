"""The entries API: scope, creation, transitions as actions, refusals as status codes."""

import itertools

from django.core.files.uploadedfile import SimpleUploadedFile

from credits.models import CreditEntry, EntryStatus
from reviews import services as S
from reviews.models import EntryTransition
from tests.reviews.helpers import PDF_BYTES

_calls = itertools.count(1)


def _create(client, world, **extra):
    # Each call its own activity and proof: a repeat of either is refused as a duplicate (issue 9).
    n = next(_calls)
    data = {"item": "admin_training", "title": f"区级培训（第{n}期）", "started_on": world.activity_day.isoformat(),
            "quantity": "6", "evidence": [SimpleUploadedFile("证明.pdf", PDF_BYTES + f"% {n}\n".encode())], **extra}
    return client.post("/api/entries/", data, format="multipart")


def _version(client, entry_id) -> int:
    """The entry's version as the API shows it: review actions carry the version the reviewer saw."""
    return client.get(f"/api/entries/{entry_id}/").json()["version"]


def test_teacher_declares_with_proof_over_the_api(world, client_for):
    response = _create(client_for(world.teacher.user), world)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "submitted" and body["credits"] == "6.0"
    assert body["history"][0]["action"] == "declare" and len(body["evidence"]) == 1
    assert "withdraw" in body["actions"]


def test_declaring_without_proof_is_a_400_with_the_reason(world, client_for):
    response = client_for(world.teacher.user).post(
        "/api/entries/", {"item": "admin_training", "title": "培训", "started_on": world.activity_day.isoformat(),
                          "quantity": "6"}, format="json")
    assert response.status_code == 400 and "证明材料" in response.json()["detail"]
    assert not CreditEntry.objects.exists()


def test_list_is_scoped(world, client_for):
    _create(client_for(world.teacher.user), world)
    assert client_for(world.teacher.user).get("/api/entries/").json()["count"] == 1
    assert client_for(world.school_admin).get("/api/entries/").json()["count"] == 1
    assert client_for(world.city_teacher.user).get("/api/entries/").json()["count"] == 0
    assert client_for(world.other_district_admin).get("/api/entries/").json()["count"] == 0


def test_out_of_scope_entry_is_404(world, client_for):
    entry_id = _create(client_for(world.teacher.user), world).json()["id"]
    assert client_for(world.city_teacher.user).get(f"/api/entries/{entry_id}/").status_code == 404
    assert client_for(world.city_admin).post(f"/api/entries/{entry_id}/school-review/", {}).status_code == 404


def test_an_empty_upload_or_resubmission_on_an_entry_out_of_scope_is_404_not_a_400_about_the_body(world, client_for):
    """The entry is looked up before the body is read, as for the review steps: out of scope
    answers what a missing id answers (found by the access matrix: it was a 400 naming the files)."""
    from reviews.models import Evidence

    entry_id = _create(client_for(world.teacher.user), world).json()["id"]
    before = list(CreditEntry.objects.values()), Evidence.objects.count()
    outsider = client_for(world.city_admin)
    assert outsider.post(f"/api/entries/{entry_id}/evidence/", {}, format="multipart").status_code == 404
    assert outsider.post(f"/api/entries/{entry_id}/resubmit/", {"quantity": "x"}).status_code == 404
    assert (list(CreditEntry.objects.values()), Evidence.objects.count()) == before


def test_school_review_then_second_reviewer_gets_409(world, client_for):
    from tests.factories import UserFactory, grant

    entry_id = _create(client_for(world.teacher.user), world).json()["id"]
    second = grant(UserFactory(username="sadmin2"), "school_admin", school=world.school)
    seen = _version(client_for(second), entry_id)  # both reviewers opened the entry
    ok = client_for(world.school_admin).post(f"/api/entries/{entry_id}/school-review/",
                                             {"approve": True, "version": seen}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "school_verified"
    late = client_for(second).post(f"/api/entries/{entry_id}/school-review/", {"approve": True, "version": seen},
                                   format="json")
    assert late.status_code == 409 and "该记录已被审核" in late.json()["detail"]
    assert EntryTransition.objects.filter(entry_id=entry_id, action="school_review").count() == 1


def test_wrong_role_is_403_and_nothing_changes(world, client_for):
    teacher_api = client_for(world.teacher.user)
    entry_id = _create(teacher_api, world).json()["id"]
    response = client_for(world.leader).post(f"/api/entries/{entry_id}/school-review/",
                                             {"approve": True, "version": _version(teacher_api, entry_id)},
                                             format="json")
    assert response.status_code == 403
    assert CreditEntry.objects.get(pk=entry_id).status == EntryStatus.SUBMITTED


def test_return_withdraw_and_resubmit_actions(world, client_for):
    teacher = client_for(world.teacher.user)
    entry_id = _create(teacher, world).json()["id"]
    returned = client_for(world.school_admin).post(f"/api/entries/{entry_id}/return/",
                                                   {"comment": "证明不清晰", "version": _version(teacher, entry_id)},
                                                   format="json")
    assert returned.json()["status"] == "returned"
    resubmitted = teacher.post(f"/api/entries/{entry_id}/resubmit/", {"quantity": "5"}, format="json")
    assert resubmitted.status_code == 200 and resubmitted.json()["credits"] == "5.0"
    withdrawn = teacher.post(f"/api/entries/{entry_id}/withdraw/")
    assert withdrawn.json()["status"] == "withdrawn"
    history = teacher.get(f"/api/entries/{entry_id}/history/").json()
    assert [h["action"] for h in history] == ["declare", "return", "resubmit", "withdraw"]


def test_district_review_outside_its_window_names_the_window(world, client_for):
    entry = S.entry_admin_register(actor=world.school_admin, teacher=world.teacher, item=world.item("title_exam"),
                                   title="职称考试", started_on=world.activity_day, quantity="1",
                                   certificate_no="ZC2018001", evidence_files=[SimpleUploadedFile("c.pdf", PDF_BYTES)])
    response = client_for(world.district_admin).post(f"/api/entries/{entry.pk}/district-review/",
                                                     {"approve": True, "version": S.entry_version(entry)},
                                                     format="json")
    if S.window_open(world.current, "district_review"):
        assert response.status_code == 200
    else:
        assert response.status_code == 400 and "区县复核时间为" in response.json()["detail"]


def test_bulk_review_returns_per_entry_results(world, client_for):
    teacher = client_for(world.teacher.user)
    ids = [_create(teacher, world).json()["id"] for _ in range(2)]
    versions = {str(i): _version(teacher, i) for i in ids}
    response = client_for(world.school_admin).post("/api/entries/bulk-review/",
                                                   {"step": "school_review", "entry_ids": ids + [ids[0]],
                                                    "versions": versions}, format="json")
    assert response.status_code == 200
    assert [r["ok"] for r in response.json()["results"]] == [True, True]


def test_evidence_download_only_in_scope(world, client_for):
    body = _create(client_for(world.teacher.user), world).json()
    evidence_id = body["evidence"][0]["id"]
    ok = client_for(world.district_admin).get(f"/api/evidence/{evidence_id}/download/")
    assert ok.status_code == 200 and b"".join(ok.streaming_content).startswith(PDF_BYTES)
    assert client_for(world.city_teacher.user).get(f"/api/evidence/{evidence_id}/download/").status_code == 404


def test_session_auth_works_too(world):
    from rest_framework.test import APIClient

    from accounts.models import User

    client = APIClient()
    # Fresh from the database: the session hash is computed from the stored password.
    client.force_login(User.objects.get(pk=world.teacher.user_id))
    assert client.get("/api/entries/").status_code == 200
    assert APIClient().get("/api/entries/").status_code in (401, 403)


def test_my_totals(world, client_for):
    from django.utils import timezone

    entry = S.entry_admin_register(actor=world.school_admin, teacher=world.teacher, item=world.item("putonghua"),
                                   title="普通话", started_on=world.activity_day, option="grade2b",
                                   certificate_no="PTH2018001", evidence_files=[SimpleUploadedFile("c.pdf", PDF_BYTES)])
    CreditEntry.objects.filter(pk=entry.pk).update(status=EntryStatus.CONFIRMED, updated_at=timezone.now())
    year = world.current.start_year
    mine = client_for(world.teacher.user).get(f"/api/me/totals/?academic_year={year}").json()
    assert mine["regulated"] == "10.0" and mine["total"] == "10.0"
    theirs = client_for(world.school_admin).get(f"/api/teachers/{world.teacher.pk}/totals/?academic_year={year}")
    assert theirs.json()["by_item"]["putonghua"]["credited"] == "10.0"
    assert client_for(world.city_admin).get(f"/api/teachers/{world.teacher.pk}/totals/").status_code == 404


def test_token_obtained_with_username_and_password(world):
    from django.core.cache import cache
    from rest_framework.test import APIClient

    cache.clear()
    world.teacher.user.set_password("pw-for-token-1")
    world.teacher.user.api_access = True
    world.teacher.user.save(update_fields=["password", "api_access"])
    client = APIClient()
    response = client.post("/api/token/", {"username": world.teacher.user.username, "password": "pw-for-token-1"},
                           format="json")
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/entries/").status_code == 200
    assert APIClient().post("/api/token/", {"username": world.teacher.user.username, "password": "wrong"},
                            format="json").status_code == 400


def test_token_endpoint_shares_the_login_lockout(world, settings):
    """Wrong passwords through the API count like wrong passwords on the login page: once the
    账号 is paused, even the right password gets no token."""
    from django.core.cache import cache
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    cache.clear()
    settings.LOGIN_FAILURE_LIMIT = 3
    user = world.teacher.user
    user.set_password("pw-for-token-2")
    user.api_access = True
    user.save(update_fields=["password", "api_access"])
    client = APIClient()
    for _ in range(3):
        assert client.post("/api/token/", {"username": user.username, "password": "wrong"},
                           format="json").status_code == 400
    response = client.post("/api/token/", {"username": user.username, "password": "pw-for-token-2"}, format="json")
    assert response.status_code == 429
    assert "暂停登录" in response.json()["detail"]
    assert not AuthToken.objects.filter(user=user).exists()


def test_registering_for_a_teacher_outside_scope_is_404_like_a_missing_one(world, client_for):
    """A school admin cannot learn that a teacher of another school exists: the answer is the
    same 404 as for an id that does not exist, and nothing is created."""
    admin = client_for(world.school_admin)
    outside = _create(admin, world, item="title_exam", quantity="1", teacher=world.city_teacher.pk)
    missing = _create(admin, world, item="title_exam", quantity="1", teacher=999999)
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()
    assert not CreditEntry.objects.exists()

"""Review finding: every list searches. The change-request list filtered by status only."""

from django.urls import reverse

from accounts import services
from accounts.models import AccountStatus
from tests.factories import TeacherProfileFactory


def test_change_requests_can_be_searched_by_teacher_name_or_account(client, admin_a, teacher_a, school_a):
    other = TeacherProfileFactory(school=school_a, name="乙某", status=AccountStatus.APPROVED)
    services.change_request_submit(actor=teacher_a.user, profile=teacher_a, changes={"subject": "数学"})
    services.change_request_submit(actor=other.user, profile=other, changes={"subject": "英语"})
    client.force_login(admin_a)
    url = reverse("accounts:change_requests")
    page = client.get(url, {"q": "甲老师"}).content.decode()
    assert "甲老师" in page and "乙某" not in page
    page = client.get(url, {"q": other.user.username}).content.decode()
    assert "乙某" in page and "甲老师" not in page


def test_decidable_change_requests_agrees_with_the_single_check(district_admin_a, city, admin_a, teacher_a,
                                                               city_teacher, teacher_b):
    from accounts import access
    from accounts.models import ProfileChangeRequest

    reqs = [ProfileChangeRequest.objects.create(profile=p, changes={"subject": "数学"}, status="school_checked")
            for p in (teacher_a, city_teacher, teacher_b)]
    reqs = list(ProfileChangeRequest.objects.select_related("profile").filter(pk__in=[r.pk for r in reqs]))
    for user in (district_admin_a, city, admin_a):
        expected = {r.pk for r in reqs if access.can_decide_change_request(user, r)}
        assert access.decidable_change_requests(user, reqs) == expected
    assert access.decidable_change_requests(district_admin_a, reqs) == {r.pk for r in reqs if r.profile == teacher_a}


def test_approvals_page_shrugs_off_odd_digits(client, district_admin_a, pending_a):
    client.force_login(district_admin_a)
    url = reverse("accounts:account_approvals")
    assert client.get(url, {"school": "²"}).status_code == 200
    assert client.get(url, {"school": "99999999999999999999999"}).status_code == 200
    assert client.post(url, {"ids": ["²", "99999999999999999999999"]}).status_code == 302
    pending_a.refresh_from_db()
    assert pending_a.status == AccountStatus.PENDING

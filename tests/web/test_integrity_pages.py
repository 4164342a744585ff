"""Issue 9 on the pages and the API: a refused claim shows its reason on the form, in place;
a refused duplicate links to the other entry; totals say how much rests on unconfirmed values."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from credits.models import CreditEntry, EntryStatus
from tests.factories import CreditEntryFactory
from tests.web.conftest import login

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def teacher(world, client):
    login(client, world.teacher.user)
    return client


def _declare(client, world, **extra):
    data = {"item": world.item("admin_training").pk, "title": "区级骨干教师培训", "organizer": "区培训中心",
            "started_on": "2018-04-02", "quantity": "8",
            "evidence": SimpleUploadedFile("学时证明.pdf", PDF + extra.pop("salt", b""), content_type="application/pdf")}
    data.update(extra)
    return client.post(reverse("reviews:entry_declare"), data)


def test_an_implausible_quantity_is_refused_on_the_form(world, teacher):
    response = _declare(teacher, world, quantity="99999.9")
    html = response.content.decode()
    assert response.status_code == 200
    assert "每天最多 10 学时" in html
    assert not CreditEntry.objects.exists()


def test_a_duplicate_is_refused_on_the_form_with_a_link_to_the_other_entry(world, teacher):
    _declare(teacher, world, salt=b"% one\n")
    first = CreditEntry.objects.get()
    response = _declare(teacher, world, salt=b"% two\n")
    html = response.content.decode()
    assert "同一活动已登记过" in html
    assert f'href="{reverse("reviews:entry_detail", args=[first.pk])}"' in html
    assert CreditEntry.objects.count() == 1


def test_an_ineligible_claim_is_refused_with_the_rule(world, teacher):
    data = {"item": world.item("vocational_practice").pk, "quantity": "2"}
    html = _declare(teacher, world, **data).content.decode()
    assert "只限职业学校的教师登记" in html
    assert not CreditEntry.objects.exists()


def test_the_api_names_the_other_entry_of_a_refused_duplicate(world, client):
    login(client, world.teacher.user)
    body = {"item": "school_based_training", "title": "校本研修", "started_on": "2018-04-20", "quantity": "4"}
    first = client.post("/api/entries/", body)
    assert first.status_code == 201
    again = client.post("/api/entries/", body)
    assert again.status_code == 400 and again.json()["duplicate_of"] == first.json()["id"]
    assert "同一活动已登记过" in again.json()["detail"]


def test_home_and_api_totals_say_how_much_rests_on_unconfirmed_values(world, teacher):
    CreditEntryFactory(teacher=world.teacher, academic_year=world.year, item=world.item("publication"),
                       option="paper_city", quantity_claimed=1, credits=10, status=EntryStatus.DISTRICT_REVIEWED)
    html = teacher.get(reverse("home")).content.decode()
    assert 'data-testid="unconfirmed-year"' in html and "<strong>10</strong> 学分按《办法》第14–16条的预设值折算" in html
    totals = teacher.get("/api/me/totals/?academic_year=2017").json()
    assert Decimal(totals["unconfirmed"]) == Decimal(10) and Decimal(totals["total"]) == Decimal(10)

"""The Django admin speaks Chinese: its header, every list column and every form label."""

import re

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

CJK = re.compile(r"[\u3400-\u9fff]")
pytestmark = pytest.mark.django_db


def _texts(html: str, pattern: str) -> list[str]:
    found = []
    for raw in re.findall(pattern, html, flags=re.S):
        text = re.sub(r"<[^>]+>", "", raw).strip()
        if text:
            found.append(text)
    return found


@pytest.fixture
def staff_client():
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def test_admin_header_has_no_english_product_name(staff_client):
    html = staff_client.get(reverse("admin:index")).content.decode()
    assert "jixiao" not in html
    assert "继教学分平台" in html


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_admin_column_and_label_is_chinese(staff_client, model):
    from tests.reviews.helpers import build_world

    build_world()
    info = (model._meta.app_label, model._meta.model_name)
    html = staff_client.get(reverse("admin:{}_{}_changelist".format(*info))).content.decode()
    table = re.search(r'<table id="result_list">(.*?)</table>', html, flags=re.S)
    columns = _texts(table.group(1), r'<th scope="col"[^>]*>(.*?)</th>') if table else []
    english = [c for c in columns if not CJK.search(c)]
    assert not english, f"{model._meta.label}: columns without Chinese: {english}"
    response = staff_client.get(reverse("admin:{}_{}_add".format(*info)))
    if response.status_code == 200:
        labels = _texts(response.content.decode(), r"<label[^>]*>(.*?)</label>")
        english = [lab for lab in labels if not CJK.search(lab)]
        assert not english, f"{model._meta.label}: form labels without Chinese: {english}"
    obj = model._default_manager.first()
    if obj is not None:
        response = staff_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
        html = response.content.decode()
        labels = _texts(html, r"<label[^>]*>(.*?)</label>")
        english = [lab for lab in labels if not CJK.search(lab)]
        assert not english, f"{model._meta.label}: change form labels without Chinese: {english}"
        assert "Sealed by" not in html

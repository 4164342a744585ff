"""Content-Security-Policy: every answer carries one that allows scripts from this origin's files
only, and no page template carries an inline script or an on…= handler it would block (the
browser tests also fail on any CSP violation in the console). Proof files cannot run as the site."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from credits.models import CreditEntry
from tests.web.conftest import login

PDF = b"%PDF-1.4\n1 0 obj\n<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/verify/", "/help/"])
def test_every_page_carries_the_policy(client, path):
    policy = _policy(client.get(path))
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=\s*[\"']", re.I)


def test_no_template_carries_what_the_policy_blocks():
    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        if "pdf" in path.parts:  # rendered by WeasyPrint, never by a browser
            continue
        text = path.read_text()
        if INLINE_SCRIPT.search(text) or HANDLER.search(text) or "javascript:" in text:
            offenders.append(str(path.relative_to(settings.BASE_DIR)))
    assert offenders == []


@pytest.mark.django_db
def test_api_docs_need_no_inline_script(client, world):
    login(client, world.teacher.user)
    page = client.get(reverse("api-docs")).content.decode()
    assert INLINE_SCRIPT.search(page) is None


@pytest.mark.django_db
def test_a_proof_pdf_is_downloaded_never_opened_on_the_sites_origin(client, world):
    login(client, world.teacher.user)
    client.post(reverse("reviews:entry_declare"), {
        "item": world.item("admin_training").pk, "title": "培训", "organizer": "区培训中心", "started_on": "2018-04-02",
        "quantity": "4", "evidence": SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf")})
    evidence = CreditEntry.objects.get().evidence.get()
    response = client.get(reverse("reviews:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["X-Content-Type-Options"] == "nosniff"

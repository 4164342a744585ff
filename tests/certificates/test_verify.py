"""Public verification at /verify/<code>: no login; valid, then revoked after revocation (with who,
when and why), unknown for a random code; rate-limited; an uploaded PDF's signature checked."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certificates.documents import new_code
from certificates.errors import CertificateError
from certificates.models import CertEvent, Certificate, Revocation
from certificates.services import certificate_issue, certificate_reissue, certificate_revoke

from .conftest import pdf_text


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()


def test_codes_are_long_and_random():
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 32 and set(c) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for c in codes)


def test_valid_then_revoked_then_unknown(client, org, eligible_application):
    cert = certificate_issue(actor=org.district_admin, application=eligible_application)
    page = client.get(reverse("verify", args=[cert.code]))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="verify-status">有效<' in text
    assert "成都市双流区教育局" in text and "李*" in text and "李老师" not in text
    assert "合计 402，规范性 268，灵活性 134" in text

    with pytest.raises(CertificateError, match="撤销原因"):
        certificate_revoke(actor=org.district_admin, certificate=cert, reason="")
    assert not Revocation.objects.exists()
    certificate_revoke(actor=org.district_admin, certificate=cert, reason="学分证明材料不实")
    text = client.get(reverse("verify", args=[cert.code])).content.decode()
    assert 'data-testid="verify-status">已撤销<' in text and "学分证明材料不实" in text
    assert CertEvent.objects.filter(certificate=cert, action=CertEvent.Action.REVOKED, actor=org.district_admin).exists()

    random_code = new_code()
    response = client.get(reverse("verify", args=[random_code]))
    assert response.status_code == 404 and "查无此证" in response.content.decode()


def test_only_the_issuing_body_revokes(org, eligible_application):
    cert = certificate_issue(actor=org.district_admin, application=eligible_application)
    for who in (org.admin, org.city, org.other_district_admin):
        with pytest.raises(CertificateError):
            certificate_revoke(actor=who, certificate=cert, reason="x")
    assert not Revocation.objects.exists()


def test_reissue_gets_a_new_serial_naming_the_old_one(client, org, eligible_application):
    old = certificate_issue(actor=org.district_admin, application=eligible_application)
    new = certificate_reissue(actor=org.district_admin, certificate=old, reason="姓名有误")
    assert new.serial == "JJD510116-2018-00002" and new.replaces == old
    assert Certificate.objects.count() == 2  # nothing deleted
    text = pdf_text(new.pdf.read()).replace("\n", "")
    assert f"本证书换发原编号 {old.serial}" in text
    old_page = client.get(reverse("verify", args=[old.code])).content.decode()
    assert "已撤销" in old_page and new.serial in old_page
    new_page = client.get(reverse("verify", args=[new.code])).content.decode()
    assert "有效" in new_page and old.serial in new_page
    with pytest.raises(CertificateError, match="已换发过"):
        certificate_reissue(actor=org.district_admin, certificate=old, reason="再来")
    assert Certificate.objects.count() == 2


def test_verification_is_rate_limited(client, settings, db):
    settings.VERIFY_RATE_LIMIT = 3
    codes = [new_code() for _ in range(4)]
    statuses = [client.get(reverse("verify", args=[c])).status_code for c in codes]
    assert statuses == [404, 404, 404, 429]


def test_an_uploaded_pdf_is_checked(client, org, eligible_application, signing_keys):
    cert = certificate_issue(actor=org.district_admin, application=eligible_application)
    data = cert.pdf.read()
    page = client.post(reverse("verify_form"), {"pdf": SimpleUploadedFile("c.pdf", data, "application/pdf")})
    text = page.content.decode()
    assert "电子签名完好" in text and cert.serial in text

    tampered = bytearray(data)
    at = data.index(b"stream\n", data.index(b"/Type /Page")) + 27
    tampered[at] = (tampered[at] + 1) % 256
    page = client.post(reverse("verify_form"), {"pdf": SimpleUploadedFile("c.pdf", bytes(tampered), "application/pdf")})
    text = page.content.decode()
    assert "电子签名无效" in text and "upload-match" not in text

    page = client.post(reverse("verify_form"), {"pdf": SimpleUploadedFile("x.pdf", b"hello", "application/pdf")})
    assert "文件不是 PDF" in page.content.decode()

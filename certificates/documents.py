"""From a certificate's (or statement's) data to its signed PDF: the context the city's template
sees, the render (``render.renderer()``), and the signature (``signing.sign_pdf``)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from . import render, signing
from .models import CertificateTemplate, DocumentKind, Issuer

CODE_BYTES = 20  # 160 random bits: 32 characters of base32, never guessed


def new_code() -> str:
    """A verification code: long, random, readable on paper (A–Z, 2–7)."""
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii").rstrip("=")


def verify_url(code: str) -> str:
    base = getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")
    return base + reverse("verify", args=[code])


def template_current(kind: str = DocumentKind.CERTIFICATE) -> CertificateTemplate:
    """The template version in force; version 1 is the shipped default."""
    found = CertificateTemplate.objects.filter(kind=kind).order_by("-version").first()
    if found is not None:
        return found
    html, css = render.default_source(kind)
    try:
        with transaction.atomic():
            return CertificateTemplate.objects.create(kind=kind, version=1, html=html, css=css, note="默认模板")
    except IntegrityError:
        return CertificateTemplate.objects.filter(kind=kind).order_by("-version").first()


def seal_source(issuer: Issuer) -> render.SealSource:
    text = issuer.seal_text or issuer.name
    image = issuer.seal_image.name if issuer.seal_image else ""
    key = hashlib.sha256(f"{issuer.pk}|{text}|{image}".encode()).hexdigest()[:24]
    return render.SealSource(key=key, text=text, image_path=issuer.seal_image.path if image else "")


def fmt(value) -> str:
    """A credit total as printed: no trailing zeros (402, 53.6)."""
    from decimal import Decimal

    value = Decimal(str(value))
    return f"{value:.0f}" if value == value.to_integral_value() else f"{value.normalize():f}"


@dataclass
class Rendered:
    pdf: bytes
    signed: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


def _finish(*, html_source: str, template: CertificateTemplate, issuer: Issuer, context: dict, reason: str) -> Rendered:
    r = render.renderer()
    seal = seal_source(issuer)
    will_sign = signing.signer_for(issuer.code) is not None
    # Signed: the signature's appearance draws the seal; unsigned: the page does.
    context["seal_url"] = "" if will_sign else r.register_seal(seal)
    context["signed"] = will_sign
    context["template_version"] = template.version
    pdf = r.render(template_key=(template.kind, template.version, template.pk), html=template.html, css=template.css,
                   context=context)
    if will_sign:
        signed = signing.sign_pdf(pdf, issuer_code=issuer.code, issuer_name=issuer.name, seal_pdf=r.seal_pdf(seal),
                                  box=render.seal_box_points(), reason=reason)
        return Rendered(pdf=signed, signed=True)
    return Rendered(pdf=pdf, signed=False)


def certificate_context(*, serial, code, issuer, teacher_name, school_name, masked_id, kind_label, totals, eligible,
                        issued_at, replaces_serial="") -> dict:
    from django.utils import timezone

    rows = [{"label": y["label"], "regulated": fmt(y["regulated"]), "flexible": fmt(y["flexible"]),
             "total": fmt(y["total"])} for y in totals["years"]]
    url = verify_url(code)
    return {
        "serial": serial, "code": code, "verify_url": url, "qr": render.qr_svg(url),
        "issuer_name": issuer.name, "teacher_name": teacher_name, "school_name": school_name, "masked_id": masked_id,
        "kind_label": kind_label, "rows": rows, "first_label": rows[0]["label"] if rows else "",
        "last_label": rows[-1]["label"] if rows else "", "regulated": fmt(totals["regulated"]),
        "flexible": fmt(totals["flexible"]), "total": fmt(totals["total"]), "eligible": eligible,
        "issued_date": render.chinese_date(timezone.localtime(issued_at).date()), "replaces_serial": replaces_serial,
        "pdf_identifier": code.encode("ascii"),
    }


def render_certificate(*, template: CertificateTemplate, issuer: Issuer, context: dict) -> Rendered:
    return _finish(html_source=template.html, template=template, issuer=issuer, context=context,
                   reason=f"继教证书 {context['serial']}")


def statement_context(*, code, issuer, teacher_name, school_name, masked_id, year_label, totals, leaf, root, proof,
                      generated_at) -> dict:
    from django.utils import timezone

    url = verify_url(code)
    return {
        "code": code, "verify_url": url, "qr": render.qr_svg(url), "issuer_name": issuer.name,
        "teacher_name": teacher_name, "school_name": school_name, "masked_id": masked_id, "year_label": year_label,
        "regulated": fmt(totals["regulated"]), "flexible": fmt(totals["flexible"]), "total": fmt(totals["total"]),
        "by_kind": totals.get("by_kind", {}), "leaf": leaf, "root": root, "proof": proof,
        "issued_date": render.chinese_date(timezone.localtime(generated_at).date()),
        "pdf_identifier": code.encode("ascii"),
    }


def render_statement(*, template: CertificateTemplate, issuer: Issuer, context: dict) -> Rendered:
    return _finish(html_source=template.html, template=template, issuer=issuer, context=context,
                   reason=f"{context['year_label']} 学年继续教育学分证明书")

"""The electronic seal that can be checked: the certificate is signed (PAdES) with the issuer's
key; pyHanko's validator accepts it, and refuses it after one byte of the file is changed."""

import io
import shutil
import subprocess
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from certificates import signing
from certificates.services import certificate_issue

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _validate(data: bytes, ca: Path):
    from asn1crypto import pem, x509

    _, _, der = pem.unarmor(ca.read_bytes())
    reader = PdfFileReader(io.BytesIO(data))
    sig = reader.embedded_signatures[0]
    return validate_pdf_signature(sig, ValidationContext(trust_roots=[x509.Certificate.load(der)]))


def _changed_byte(data: bytes) -> bytes:
    """One byte changed inside the signed range: a digit of the page content's /Length-free part,
    chosen in the middle of the first content stream."""
    start = data.index(b"stream\n", data.index(b"/Type /Page")) + 7
    pos = start + 20
    out = bytearray(data)
    out[pos] = (out[pos] + 1) % 256
    return bytes(out)


def test_signature_validates_and_fails_after_one_byte_changed(org, eligible_application, signing_keys):
    cert = certificate_issue(actor=org.district_admin, application=eligible_application)
    assert cert.signed
    data = cert.pdf.read()
    status = _validate(data, signing_keys / "ca.pem")
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert "成都市双流区教育局" in status.signing_cert.subject.human_friendly

    tampered = _changed_byte(data)
    assert tampered != data and len(tampered) == len(data)
    status = _validate(tampered, signing_keys / "ca.pem")
    assert not (status.intact and status.valid)
    assert not status.bottom_line

    # The same through the verification page's checker.
    assert signing.check_pdf(data).ok
    assert not signing.check_pdf(tampered).ok


def test_the_seal_is_the_signature_appearance(org, eligible_application, signing_keys):
    """The signature field lies on the seal's box and has an appearance stream (the seal)."""
    from pypdf import PdfReader

    from certificates.render import seal_box_points

    cert = certificate_issue(actor=org.district_admin, application=eligible_application)
    page = PdfReader(io.BytesIO(cert.pdf.read())).pages[0]
    widgets = [a.get_object() for a in page["/Annots"] if a.get_object().get("/FT") == "/Sig"]
    assert len(widgets) == 1
    rect = [float(v) for v in widgets[0]["/Rect"]]
    box = seal_box_points()
    assert all(abs(a - b) <= 1 for a, b in zip(rect, box, strict=False))
    assert "/N" in widgets[0]["/AP"]


def test_a_signature_by_an_untrusted_key_is_not_trusted(org, eligible_application, signing_keys, tmp_path):
    cert = certificate_issue(actor=org.district_admin, application=eligible_application)
    other = tmp_path / "other"
    signing.create_dev_keys(other, [("x", "别的机构")])
    report = signing.check_pdf(cert.pdf.read(), roots=signing.trust_roots.__wrapped__() if hasattr(
        signing.trust_roots, "__wrapped__") else _roots(other / "ca.pem"))
    assert report.found and report.intact and not report.trusted and not report.ok


def _roots(path):
    from asn1crypto import pem, x509

    _, _, der = pem.unarmor(path.read_bytes())
    return [x509.Certificate.load(der)]


def test_png_render_of_a_certificate(org, eligible_application, signing_keys, tmp_path):
    """A PNG of the signed certificate for the README's screenshots folder (pdftoppm -r 60)."""
    cert = certificate_issue(actor=org.district_admin, application=eligible_application)
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(cert.pdf.read())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(tmp_path / "certificate")], check=True)
    png = tmp_path / "certificate.png"
    assert png.stat().st_size > 10_000
    shutil.copy(png, SCREENSHOTS / "certificates-certificate.png")

"""The electronic seal that can be checked: PAdES signatures with pyHanko.

Each issuing body signs with its own key. Keys and certificates are configured by path and
password from the environment, never committed:

- ``CERT_SIGNING_DIR`` (default ``./var/signing``, gitignored) holds ``<code>.key.pem`` (PKCS#8,
  encrypted with ``CERT_SIGNING_PASSWORD``), ``<code>.cert.pem`` and the chain ``ca.pem``;
- or per issuer ``CERT_SIGNING_KEY_<CODE>``, ``CERT_SIGNING_CERT_<CODE>``,
  ``CERT_SIGNING_PASSWORD_<CODE>`` and ``CERT_SIGNING_CHAIN_<CODE>`` (CODE upper-case, ``-`` → ``_``);
- ``CERT_TRUST_ROOTS``: the roots the verification page trusts (default: ``ca.pem`` of the dir).

``manage.py certificates_devkeys`` creates a development CA and one key per issuer there
(``create_dev_keys`` is what tests call with a tmp folder). The visible seal is the signature's
appearance: the signature field sits on the seal's box and draws the seal (a one-page PDF of the
seal, imported as the appearance's background), so the seal a reader sees is the signature.

If an issuer has no key, documents are issued unsigned (``Certificate.signed`` is false), unless
``CERT_SIGNING_REQUIRED`` is on (production), when issuing is refused.
"""

from __future__ import annotations

import datetime
import functools
import io
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .errors import CertificateError

FIELD_NAME = "JixiaoSeal"


@dataclass(frozen=True)
class KeyConfig:
    key: Path
    cert: Path
    chain: tuple[Path, ...]
    password: bytes | None


def _env_code(code: str) -> str:
    return code.upper().replace("-", "_")


def signing_dir() -> Path:
    return Path(getattr(settings, "CERT_SIGNING_DIR", Path(settings.BASE_DIR) / "var" / "signing"))


def key_config(code: str) -> KeyConfig | None:
    """Where an issuer's key is, or None when it has none."""
    c = _env_code(code)
    key = os.environ.get(f"CERT_SIGNING_KEY_{c}")
    cert = os.environ.get(f"CERT_SIGNING_CERT_{c}")
    base = signing_dir()
    key = Path(key) if key else base / f"{code}.key.pem"
    cert = Path(cert) if cert else base / f"{code}.cert.pem"
    if not (key.is_file() and cert.is_file()):
        return None
    chain_env = os.environ.get(f"CERT_SIGNING_CHAIN_{c}")
    chain = tuple(Path(p) for p in chain_env.split(os.pathsep)) if chain_env else tuple(
        p for p in [base / "ca.pem"] if p.is_file())
    password = os.environ.get(f"CERT_SIGNING_PASSWORD_{c}", getattr(settings, "CERT_SIGNING_PASSWORD", ""))
    return KeyConfig(key=key, cert=cert, chain=chain, password=password.encode() if password else None)


@functools.lru_cache(maxsize=64)
def _signer(key: str, cert: str, chain: tuple[str, ...], password: bytes | None, mtime: float):
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load(key, cert, ca_chain_files=chain or None, key_passphrase=password)
    if signer is None:
        raise CertificateError("无法读取发证机关的签名密钥（路径或密码错误）。", kind="conflict")
    return signer


def signer_for(code: str):
    cfg = key_config(code)
    if cfg is None:
        if getattr(settings, "CERT_SIGNING_REQUIRED", False):
            raise CertificateError("该发证机关尚未配置签名密钥，不能颁发。", kind="conflict")
        return None
    return _signer(str(cfg.key), str(cfg.cert), tuple(str(p) for p in cfg.chain), cfg.password,
                   max(cfg.key.stat().st_mtime, cfg.cert.stat().st_mtime))


def sign_pdf(pdf: bytes, *, issuer_code: str, issuer_name: str, seal_pdf: Path | None, box, reason: str) -> bytes | None:
    """The PDF signed by the issuer (PAdES B-B), with the seal as the visible appearance at `box`
    (PDF points); None when the issuer has no key configured."""
    signer = signer_for(issuer_code)
    if signer is None:
        return None
    from pyhanko.pdf_utils.content import ImportedPdfPage
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle

    style = None
    if seal_pdf is not None:
        from pyhanko.pdf_utils.layout import AxisAlignment, InnerScaling, Margins, SimpleBoxLayoutRule

        # No margins: pyHanko's default 5 pt would draw the 40 mm seal 36 mm wide, smaller than
        # the same seal on an unsigned document.
        layout = SimpleBoxLayoutRule(x_align=AxisAlignment.ALIGN_MID, y_align=AxisAlignment.ALIGN_MID,
                                     margins=Margins(), inner_content_scaling=InnerScaling.SHRINK_TO_FIT)
        style = TextStampStyle(stamp_text="", border_width=0, background=ImportedPdfPage(str(seal_pdf)),
                               background_opacity=1.0, background_layout=layout)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason, location="成都", name=issuer_name,
    )
    pdf_signer = signers.PdfSigner(
        meta, signer=signer, stamp_style=style,
        new_field_spec=fields.SigFieldSpec(FIELD_NAME, on_page=0, box=tuple(int(round(v)) for v in box)),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = pdf_signer.sign_pdf(writer)
    return out.getvalue()


# --- checking a signature -----------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureReport:
    found: bool
    intact: bool = False  # the signed bytes are unchanged
    trusted: bool = False  # the signer's certificate chains to a trusted root
    covers_whole_file: bool = False  # nothing was appended after signing
    signer: str = ""
    signed_at: datetime.datetime | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.found and self.intact and self.trusted and self.covers_whole_file


def trust_roots() -> list:
    from asn1crypto import pem, x509

    paths = getattr(settings, "CERT_TRUST_ROOTS", None) or [str(signing_dir() / "ca.pem")]
    roots = []
    for p in paths:
        path = Path(p)
        if not path.is_file():
            continue
        data = path.read_bytes()
        for _, _, der in pem.unarmor(data, multiple=True) if pem.detect(data) else [(None, None, data)]:
            roots.append(x509.Certificate.load(der))
    return roots


def check_pdf(data: bytes, *, roots=None) -> SignatureReport:
    """Whether a PDF carries a signature, is unchanged since, and was signed by a trusted key."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = reader.embedded_signatures
    except Exception:  # a damaged or non-PDF file: nothing to check
        return SignatureReport(found=False, error="文件不是有效的 PDF，或已损坏。")
    if not sigs:
        return SignatureReport(found=False, error="文件中没有电子签名。")
    sig = sigs[-1]
    try:
        context = ValidationContext(trust_roots=roots if roots is not None else trust_roots(), allow_fetching=False)
        status = validate_pdf_signature(sig, context, skip_diff=True)
    except Exception as exc:
        return SignatureReport(found=True, error=f"签名无法校验：{type(exc).__name__}")
    try:
        covers = sig.coverage.name in ("ENTIRE_FILE",)
    except Exception:
        covers = False
    signer = ""
    try:
        signer = status.signing_cert.subject.human_friendly
    except Exception:
        pass
    return SignatureReport(found=True, intact=bool(status.intact and status.valid), trusted=bool(status.trusted),
                           covers_whole_file=covers, signer=signer, signed_at=status.signer_reported_dt)


# --- development keys ----------------------------------------------------------------------------


def create_dev_keys(directory: Path, issuers: list[tuple[str, str]], *, password: str = "", days: int = 3650) -> list[Path]:
    """A development CA and one ECDSA P-256 key and certificate per (code, name) in `directory`.
    Never for production: the CA's key sits next to the others."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    enc = (serialization.BestAvailableEncryption(password.encode()) if password
           else serialization.NoEncryption())
    written = []

    ca_key_path, ca_path = directory / "ca.key.pem", directory / "ca.pem"
    if ca_key_path.is_file() and ca_path.is_file():
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=password.encode() or None)
        ca_cert = x509.load_pem_x509_certificate(ca_path.read_bytes())
    else:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, "jixiao 开发环境"),
                             x509.NameAttribute(NameOID.COMMON_NAME, "jixiao 开发用根证书（不可用于生产）")])
        ca_cert = (
            x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        ca_key_path.write_bytes(ca_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc))
        ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        os.chmod(ca_key_path, 0o600)  # the CA's key signs every issuer's certificate: readable by the owner only
        written += [ca_key_path, ca_path]

    for code, name in issuers:
        key_path, cert_path = directory / f"{code}.key.pem", directory / f"{code}.cert.pem"
        if key_path.is_file() and cert_path.is_file():
            continue
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
                             x509.NameAttribute(NameOID.COMMON_NAME, f"{name}（开发用）")])
        cert = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc))
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        os.chmod(key_path, 0o600)
        written += [key_path, cert_path]
    return written

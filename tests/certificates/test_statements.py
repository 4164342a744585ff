"""The 学分证明书 of a sealed 学年: numbers from the seal's snapshot, the Merkle proof verifies
against the sealed root, downloadable by the teacher only."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from certificates.errors import CertificateError
from certificates.models import CreditStatement
from certificates.services.statements import statement_get_or_create, statements_generate
from credits.models import AcademicYear
from sealing import merkle
from sealing.models import SealRecord
from tests.factories import TeacherProfileFactory

from .conftest import give, pdf_text, seal

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture
def sealed_2017(org, teacher, items):
    give(teacher, items, {2017: (60, 30)})
    others = [TeacherProfileFactory(school=org.school) for _ in range(4)]
    for i, t in enumerate(others):
        give(t, items, {2017: (50 + i, 25)})
    seal(2017)
    return AcademicYear.objects.get(start_year=2017)


def test_the_statement_carries_the_snapshot_and_its_proof(teacher, sealed_2017, signing_keys, tmp_path):
    statement = statement_get_or_create(teacher=teacher, year=sealed_2017)
    assert statement.totals["total"] == "90.0" and statement.totals["regulated"] == "60.0"
    root = SealRecord.objects.get(academic_year=sealed_2017).merkle_root
    assert statement.root == root
    assert merkle.verify(statement.leaf, statement.proof, root)
    assert len(statement.proof) == 3  # five leaves: three levels
    # A different number would not verify: the proof binds these figures.
    assert not merkle.verify(merkle.leaf_hash({"v": 1, "teacher": teacher.pk, "year": 2017, "total": "91.0"}),
                             statement.proof, root)
    data = statement.pdf.read()
    text = pdf_text(data).replace("\n", "")
    for expected in ("李老师", "2017-2018", "90", "60", "30", statement.code, root[:32], "成都市教育科学研究院"):
        assert expected in text, expected
    assert statement.signed
    from certificates.signing import check_pdf

    assert check_pdf(data).ok
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(tmp_path / "statement")], check=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "statement.png", SCREENSHOTS / "certificates-statement.png")


def test_statement_is_made_once_and_verifiable(client, teacher, sealed_2017):
    first = statement_get_or_create(teacher=teacher, year=sealed_2017)
    assert statement_get_or_create(teacher=teacher, year=sealed_2017).pk == first.pk
    page = client.get(reverse("verify", args=[first.code])).content.decode()
    assert "有效" in page and "2017-2018 学年继续教育学分证明书" in page and first.root in page
    assert first.leaf in page and all(step["hash"] in page for step in first.proof)
    assert "与学年封存根一致" in page


def test_the_proof_on_the_verification_page_leads_from_the_snapshot_to_the_sealed_root(client, teacher, sealed_2017):
    """What a reader of the page can recompute: the snapshot's figures → the leaf, the path → the
    root on the committed seal record."""
    import re

    from sealing.models import SealedSnapshot

    statement = statement_get_or_create(teacher=teacher, year=sealed_2017)
    snap = SealedSnapshot.objects.get(teacher=teacher, academic_year=sealed_2017)
    figures = {name: getattr(snap, name) for name in SealedSnapshot.FIGURES}
    assert merkle.leaf_hash(merkle.snapshot_payload(teacher_id=teacher.pk, start_year=2017, figures=figures)) \
        == statement.leaf == snap.digest
    page = client.get(reverse("verify", args=[statement.code])).content.decode()
    proof = re.search(r'data-testid="verify-proof">(.*?)</ol>', page, re.S)[1]
    steps = [{"side": "left" if side == "左" else "right", "hash": h}
             for side, h in re.findall(r"<li>([左右]) ([0-9a-f]{64})</li>", proof)]
    assert steps == statement.proof
    root = SealRecord.objects.get(academic_year=sealed_2017).merkle_root
    assert merkle.verify(statement.leaf, steps, root)
    assert "与学年封存根一致" in page
    # One step changed, or other figures: the path no longer reaches the root.
    assert not merkle.verify(statement.leaf, [dict(steps[0], hash="0" * 64), *steps[1:]], root)
    other = merkle.leaf_hash(merkle.snapshot_payload(teacher_id=teacher.pk, start_year=2017,
                                                     figures=dict(figures, total=figures["total"] + 1)))
    assert not merkle.verify(other, steps, root)


def test_an_unsealed_year_has_no_statement(teacher, items):
    give(teacher, items, {2017: (60, 30)})
    year = AcademicYear.objects.get(start_year=2017)
    with pytest.raises(CertificateError, match="尚未封存"):
        statement_get_or_create(teacher=teacher, year=year)
    assert not CreditStatement.objects.exists()


def test_the_teacher_downloads_their_own(client, teacher, sealed_2017, org):
    client.force_login(teacher.user)
    assert "2017-2018" in client.get(reverse("certificates:statements")).content.decode()
    response = client.get(reverse("certificates:statement_pdf", args=[2017]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")
    assert CreditStatement.objects.filter(teacher=teacher).count() == 1
    client.force_login(org.district_admin)
    assert client.get(reverse("certificates:statement_pdf", args=[2017])).status_code == 403


def test_every_teacher_of_the_year_at_once(org, sealed_2017):
    run = statements_generate(actor=org.city, year=sealed_2017)
    assert run.made == 5 and CreditStatement.objects.count() == 5
    assert statements_generate(actor=org.city, year=sealed_2017).made == 0

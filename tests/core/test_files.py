"""The hardened reader of uploads (core.files): hostile sheets are refused before or while
they are streamed, in bounded memory and time; a good sheet reads row by row."""

import io
import struct
import time
import tracemalloc
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from core.files import FileRejected, Limits, open_sheet

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""
HEADER = ("序号", "学校", "账号", "姓名", "学科", "学段", "学时", "学分")


def _inline_row(values) -> str:
    return "<row>" + "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in values) + "</row>"


def _deflated_repeats(head: bytes, chunk: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """head + chunk * times + tail as one raw deflate stream, compressing the chunk once: after
    a full flush the compressor forgets what came before, so that block can be repeated."""
    def block(data: bytes, final: bool = False) -> bytes:
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)

    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    data = block(head) + block(chunk) * times + block(tail, final=True)
    return data, crc, len(head) + len(chunk) * times + len(tail)


def _raw_member(name: str, data: bytes, crc: int, size: int, offset: int) -> tuple[bytes, bytes]:
    """A deflated zip member written by hand: (local header + data, central directory entry)."""
    encoded = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0)
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), size,
                          len(encoded), 0, 0, 0, 0, 0, offset)
    return local + encoded + data, central + encoded


def generated_roster(rows: int, *, row_xml: str | None = None, dimension: str = "") -> SimpleUploadedFile:
    """An .xlsx of `rows` copies of one data row after the 附件1 header, as small on disk as the
    attack's 2.8 MB file, built in well under a second."""
    row_xml = row_xml if row_xml is not None else _inline_row(("1", "某校", "t0001", "张三", "语文", "小学", "24", "8"))
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet '
            'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + (f'<dimension ref="{dimension}"/>' if dimension else "") + "<sheetData>" + _inline_row(HEADER))
    per_chunk = 10_000
    sheet = _deflated_repeats(head.encode(), (row_xml * per_chunk).encode(), rows // per_chunk,
                              (row_xml * (rows % per_chunk)).encode() + b"</sheetData></worksheet>")
    members = [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS), ("xl/workbook.xml", WORKBOOK),
               ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)]
    body, directory = b"", b""
    for name, text in members:
        data, crc, size = _deflated_repeats(b"", b"", 0, text.encode())
        local, central = _raw_member(name, data, crc, size, len(body))
        body, directory = body + local, directory + central
    local, central = _raw_member("xl/worksheets/sheet1.xml", *sheet, len(body))
    body, directory = body + local, directory + central
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members) + 1, len(members) + 1, len(directory),
                      len(body), 0)
    return SimpleUploadedFile("花名册.xlsx", body + directory + end)


def _workbook(rows, name="t.xlsx") -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue())


LIMITS = Limits(max_rows=5000, label="花名册")


def _read_all(upload, limits=LIMITS):
    with open_sheet(upload, limits) as sheet:
        sheet.find_header(lambda cells: "账号" in cells or cells[:1] == ["账号"])
        return list(sheet.rows())


def _bounded(fn):
    # The time bounds are loose on purpose: they tell a refusal at the limit from reading the whole
    # file (minutes), not a fast machine from a loaded one.
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(FileRejected) as refused:
            fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return refused.value, peak, time.monotonic() - started


def test_the_two_million_row_roster_is_refused_in_bounded_memory_and_time():
    upload = generated_roster(2_000_000)
    assert upload.size < 4 * 1024 * 1024  # small on disk, like the attack's 2.8 MB
    refused, peak, seconds = _bounded(lambda: _read_all(upload))
    assert "过大" in refused.message
    assert peak < 20 * 1024 * 1024 and seconds < 30


def test_many_rows_that_unpack_small_are_refused_at_the_row_limit_without_reading_on():
    """Rows under the unpacked cap (and a ratio check turned off): reading stops at row 5001,
    long before the end."""
    upload = generated_roster(300_000, row_xml="<row><c><v>1</v></c><c><v>2</v></c></row>")
    limits = Limits(max_rows=5000, label="花名册", max_ratio=10**9)
    refused, peak, seconds = _bounded(lambda: _read_all(upload, limits))
    assert "一次最多 5000 行" in refused.message
    assert peak < 30 * 1024 * 1024 and seconds < 60


def test_a_sheet_of_empty_rows_is_refused_at_the_physical_row_limit():
    upload = generated_roster(1_000_000, row_xml="<row/>")
    refused, peak, seconds = _bounded(lambda: _read_all(upload, Limits(max_rows=5000, label="花名册", max_ratio=10**9)))
    assert "行数超过上限" in refused.message
    assert peak < 20 * 1024 * 1024 and seconds < 30


def test_a_sheet_that_declares_two_million_rows_is_refused_before_a_row_is_read():
    upload = generated_roster(20_000, dimension="A1:H2000001")
    refused, _peak, seconds = _bounded(lambda: _read_all(upload, Limits(label="花名册", max_ratio=10**9)))
    assert "行数超过上限" in refused.message
    assert seconds < 15


def test_a_zip_bomb_member_is_refused_from_the_directory_alone():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (5 * 1024 * 1024))
    upload = SimpleUploadedFile("bomb.xlsx", buf.getvalue())
    with pytest.raises(FileRejected, match="解压后过大"):
        _read_all(upload, Limits(label="花名册", max_unpacked_bytes=100 * 1024 * 1024))


def test_the_size_cap_is_checked_before_parsing():
    upload = SimpleUploadedFile("big.xlsx", b"PK" + b"x" * 2048)
    with pytest.raises(FileRejected, match="过大"):
        _read_all(upload, Limits(max_bytes=1024, label="花名册"))


@pytest.mark.parametrize("name", ["roster.xls", "roster.csv", "roster", "roster.xlsx.exe"])
def test_other_kinds_are_refused(name):
    with pytest.raises(FileRejected, match="须为 Excel"):
        _read_all(SimpleUploadedFile(name, b"a,b"))


def test_a_file_that_is_not_a_zip_is_unreadable():
    with pytest.raises(FileRejected, match="无法读取"):
        _read_all(SimpleUploadedFile("x.xlsx", b"not a zip"))


def test_rows_come_with_their_line_and_empty_rows_are_skipped():
    upload = _workbook([("花名册",), HEADER, ("1", "校", "a1", "甲"), (), ("2", "校", "a2", "乙")])
    rows = _read_all(upload)
    assert [(line, cells[2]) for line, cells in rows] == [(3, "a1"), (5, "a2")]
    assert all(len(cells) == len(HEADER) for _, cells in rows)


def test_a_missing_header_is_refused():
    with pytest.raises(FileRejected, match="缺少表头"):
        _read_all(_workbook([("a", "b"), ("c", "d")]))


def test_columns_beyond_the_limit_are_not_read():
    upload = _workbook([HEADER + tuple(f"x{n}" for n in range(100)), ("1", "校", "a1", "甲") + ("y",) * 100])
    rows = _read_all(upload, Limits(max_columns=10, label="花名册"))
    assert len(rows[0][1]) == 10


def test_csv_is_streamed_with_the_same_limits():
    text = "账号,姓名\n" + "".join(f"a{n},张{n}\n" for n in range(20))
    upload = SimpleUploadedFile("feed.csv", ("\ufeff" + text).encode())
    with pytest.raises(FileRejected, match="一次最多 10 行"):
        _read_all(upload, Limits(max_rows=10, kinds=("csv",), label="导入文件"))
    upload.seek(0)
    rows = _read_all(upload, Limits(max_rows=50, kinds=("csv",), label="导入文件"))
    assert rows[0] == (2, ["a0", "张0"]) and len(rows) == 20


def test_csv_that_is_not_utf8_is_refused():
    upload = SimpleUploadedFile("feed.csv", "账号,姓名\n".encode("gbk"))
    with pytest.raises(FileRejected, match="UTF-8"):
        _read_all(upload, Limits(kinds=("csv",), label="导入文件"))

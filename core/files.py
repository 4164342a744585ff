"""The one reader of uploaded tables (teacher import, 基地校 rosters, system feeds, and whatever
comes next). A sheet from the outside is read so that no file can take the site down:

1. its size is checked before anything parses it (`Limits.max_bytes`);
2. an .xlsx is a zip: its members' declared unpacked sizes, their number and their
   compression ratio are checked from the zip directory (a zip bomb is refused unread), and
   the member actually read is cut off at the declared size;
3. rows are streamed (openpyxl read-only, csv line by line), never held whole: reading stops
   at `max_rows` rows with content, at `max_physical_rows` rows in all (a sheet of empty
   rows), and reads at most `max_columns` columns;
4. the header row is found and checked by the caller's predicate, and every data row comes
   with its line number so that the caller can report row by row.

Refusals are `FileRejected` with a Chinese message; each caller turns it into its own error.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

MB = 1024 * 1024


class FileRejected(Exception):
    def __init__(self, message: str, *, field: str = "file"):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 5 * MB
    max_rows: int = 5000
    max_columns: int = 40
    # An .xlsx of 5000 rows unpacks to a few MB; 2 million rows of a 2.8 MB file to hundreds.
    max_unpacked_bytes: int = 40 * MB
    max_members: int = 200
    # Real workbooks compress 5-20×; a bomb compresses by thousands.
    max_ratio: int = 200
    header_search_rows: int = 20
    kinds: tuple[str, ...] = ("xlsx",)
    label: str = "文件"
    max_physical_rows: int = field(default=0)

    def physical_rows(self) -> int:
        return self.max_physical_rows or self.max_rows * 2 + 1000


def _mb(n: int) -> str:
    return f"{n / MB:.0f}MB" if n >= MB else f"{n // 1024}KB"


def _size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        pos = upload.tell()
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
        upload.seek(pos)
    return size


def check_upload(upload, limits: Limits) -> str:
    """The checks made before parsing; returns the kind ("xlsx" or "csv")."""
    name = (getattr(upload, "name", "") or "").lower()
    kind = name.rsplit(".", 1)[-1] if "." in name else ""
    if kind not in limits.kinds:
        wanted = "或".join({"xlsx": "Excel（.xlsx）", "csv": "CSV（.csv）"}.get(k, k) for k in limits.kinds)
        raise FileRejected(f"{limits.label}须为 {wanted} 文件。")
    if _size(upload) > limits.max_bytes:
        raise FileRejected(f"{limits.label}过大（上限 {_mb(limits.max_bytes)}），请删除多余内容或分批上传。")
    if kind == "xlsx":
        _check_zip(upload, limits)
    upload.seek(0)
    return kind


UNREADABLE = "无法读取{label}：请上传由模板填写的 Excel 文件（.xlsx）。"


def _check_zip(upload, limits: Limits) -> None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise FileRejected(UNREADABLE.format(label=limits.label)) from None
    finally:
        upload.seek(0)
    if len(infos) > limits.max_members:
        raise FileRejected(f"{limits.label}结构异常（包含 {len(infos)} 个部件），请用 Excel 另存为 .xlsx 后重新上传。")
    unpacked = sum(i.file_size for i in infos)
    bomb = any(i.file_size > MB and i.file_size > limits.max_ratio * max(i.compress_size, 1) for i in infos)
    if unpacked > limits.max_unpacked_bytes or bomb:
        raise FileRejected(f"{limits.label}解压后过大（内容上限约 {limits.max_rows} 行），"
                           "请删除多余的工作表和空行，或分批上传。")


class Sheet:
    """The first worksheet of an upload: `header` (texts), `header_line`, and `rows()`."""

    def __init__(self, rows: Iterator[tuple], limits: Limits, closer: Callable[[], None]):
        self._rows = rows
        self._limits = limits
        self._close = closer
        self._physical = 0
        self.header: list[str] = []
        self.header_line = 0

    def close(self) -> None:
        self._close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _next(self):
        row = next(self._rows)
        self._physical += 1
        if self._physical > self._limits.physical_rows():
            raise FileRejected(f"{self._limits.label}的行数超过上限（{self._limits.max_rows} 行），请分批上传。")
        return list(row[: self._limits.max_columns])

    def find_header(self, is_header: Callable[[list[str]], bool]) -> list[str]:
        for _ in range(self._limits.header_search_rows):
            try:
                cells = self._next()
            except StopIteration:
                break
            texts = [cell_text(c) for c in cells]
            while texts and not texts[-1]:
                texts.pop()
            if is_header(texts):
                self.header, self.header_line = texts, self._physical
                return texts
        raise FileRejected(f"{self._limits.label}缺少表头，请使用模板。")

    def rows(self) -> Iterator[tuple[int, list]]:
        """(line, cells) of every row with content after the header, cut or padded to the
        header's width; FileRejected once more than max_rows rows have content."""
        width = len(self.header)
        count = 0
        while True:
            try:
                cells = self._next()
            except StopIteration:
                return
            cells = cells[:width]
            if not any(cell_text(c) for c in cells):
                continue
            count += 1
            if count > self._limits.max_rows:
                raise FileRejected(f"{self._limits.label}一次最多 {self._limits.max_rows} 行，"
                                   f"本文件超过 {self._limits.max_rows} 行，请分批上传。")
            yield self._physical, cells + [None] * (width - len(cells))


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def open_sheet(upload, limits: Limits) -> Sheet:
    """Checks the upload (size, zip) and opens its first sheet for streaming."""
    kind = check_upload(upload, limits)
    if kind == "csv":
        return _open_csv(upload, limits)
    from openpyxl import load_workbook

    _patch_openpyxl_size_scan()
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise FileRejected(UNREADABLE.format(label=limits.label)) from None
    try:
        ws = wb.worksheets[0]
        declared = getattr(ws, "_max_row", None)
        rows = ws.iter_rows(values_only=True, max_col=limits.max_columns)
    except Exception:
        wb.close()
        raise FileRejected(UNREADABLE.format(label=limits.label)) from None
    if declared is not None and declared > limits.physical_rows():
        # The sheet says how many rows it has: refused before a row is read.
        wb.close()
        raise FileRejected(f"{limits.label}的行数超过上限（{limits.max_rows} 行），请分批上传。")
    return Sheet(_guarded(rows, limits), limits, wb.close)


_PATCHED = False


def _patch_openpyxl_size_scan() -> None:
    """openpyxl's read-only sheet looks for the <dimension> element when it is opened, but
    only stops at the *end* of <sheetData>: a sheet without <dimension> is parsed whole before
    a row is returned (seconds per 10 MB, for every sheet of the workbook). This looks only at
    what comes before <sheetData>, as the specification places <dimension> there."""
    global _PATCHED
    if _PATCHED:
        return
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.xml.functions import iterparse

    def _get_size(self):
        src = self._get_source()
        try:
            for _event, element in iterparse(src, events=("start",)):
                if element.tag == DIMENSION_TAG:
                    boundaries = SheetDimension(ref=element.get("ref")).boundaries
                    if boundaries is not None:
                        self._min_column, self._min_row, self._max_column, self._max_row = boundaries
                    return
                if element.tag == DATA_TAG:
                    return
        finally:
            src.close()

    ReadOnlyWorksheet._get_size = _get_size
    _PATCHED = True


def _guarded(rows, limits: Limits):
    """A sheet whose XML breaks off after the header is unreadable, not a server error."""
    try:
        yield from rows
    except FileRejected:
        raise
    except Exception:
        raise FileRejected(UNREADABLE.format(label=limits.label)) from None


def _open_csv(upload, limits: Limits) -> Sheet:
    upload.seek(0)
    raw = upload.read(3)
    upload.seek(0 if raw != codecs.BOM_UTF8 else 3)
    text = io.TextIOWrapper(upload, encoding="utf-8", newline="")
    reader = csv.reader(text)

    def rows():
        try:
            yield from reader
        except UnicodeDecodeError:
            raise FileRejected(f"{limits.label}须为 UTF-8 编码的 CSV。") from None
        except csv.Error:
            raise FileRejected(f"{limits.label}不是有效的 CSV。") from None

    def close():
        try:
            text.detach()
        except ValueError:
            pass

    return Sheet(rows(), limits, close)

"""Reading CSV and XLSX files into a frame of text columns, with the line number of every row.

Every column is read as text so that nothing is guessed before validation: ``0001`` stays ``0001`` and
``1,234.50`` reaches the amount parser as written. Line numbers are what a person sees: the header's
line (or spreadsheet row) is the first, and blank rows are skipped without renumbering the others.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from recoup.core.errors import RowError

LINE = "__line"
"""Column holding each row's line number in the file (the header is line 1)."""

UTF8_BOM = b"\xef\xbb\xbf"
HEADER_SCAN_BYTES = 1 << 16


class FileReadError(ValueError):
    """The file cannot be read at all (unknown type, empty, no header, a repeated column)."""

    def __init__(self, message: str, row_errors: list[RowError] | None = None) -> None:
        super().__init__(message)
        self.row_errors = row_errors or []


@dataclass(slots=True)
class SourceFile:
    """A file's rows as text, plus problems found while reading them (e.g. rows with too many fields,
    which are reported with the other row errors rather than stopping the import)."""

    frame: pl.DataFrame
    headers: list[str]
    encoding: str
    is_spreadsheet: bool
    sha256: str = ""
    errors: list[RowError] = field(default_factory=list)

    def keep_only(self, lines: set[int]) -> None:
        """Forget every row but these (the bad ones, for a quarantine file): frees the file's memory."""
        self.frame = self.frame.filter(pl.col(LINE).is_in(sorted(lines)))


def decode(data: bytes) -> tuple[bytes, str]:
    """UTF-8 bytes of the file and the encoding it was in: UTF-8 (with or without BOM), else Windows-1252,
    else Latin-1 (which accepts any byte)."""
    label_suffix = ""
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
        label_suffix = "-sig"
    try:
        data.decode("utf-8")
        return data, "utf-8" + label_suffix
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            return data.decode(encoding).encode("utf-8"), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_source(path: Path, sheet: str | None = None) -> SourceFile:
    suffix = path.suffix.lower()
    raw = path.read_bytes()
    if suffix in {".xlsx", ".xlsm"}:
        source = _read_spreadsheet(path, sheet)
    elif suffix in {".csv", ".txt", ".tsv", ""}:
        source = read_csv_bytes(raw, path.name)
    else:
        raise FileReadError(f"{path.name}: unknown file type {suffix!r}; use .csv or .xlsx")
    source.sha256 = hashlib.sha256(raw).hexdigest()
    return source


def read_csv_bytes(raw: bytes, name: str = "file") -> SourceFile:
    data, encoding = decode(raw)
    if not data.strip():
        raise FileReadError(f"{name} is empty")
    head = data[:HEADER_SCAN_BYTES].decode("utf-8", errors="ignore")
    delimiter = sniff_delimiter(head.splitlines()[0] if head else "")
    # The header as written: Polars would silently rename a repeated column.
    headers = _check_headers(next(csv.reader(io.StringIO(head), delimiter=delimiter), []), name)
    errors: list[RowError] = []
    try:
        frame = pl.read_csv(io.BytesIO(data), infer_schema=False, separator=delimiter, has_header=True)
    except pl.exceptions.ComputeError as exc:
        if "more fields" not in str(exc):
            raise FileReadError(f"{name}: not a readable CSV file ({exc})") from None
        # Rows with more fields than the header are row errors like any other: find them, read the rest.
        errors = _ragged_rows(data, delimiter)
        frame = pl.read_csv(
            io.BytesIO(data), infer_schema=False, separator=delimiter, has_header=True, truncate_ragged_lines=True
        )
    frame = frame.rename(dict(zip(frame.columns, headers, strict=True)))
    return SourceFile(_numbered(frame, first_line=2), headers, encoding, is_spreadsheet=False, errors=errors)


def _numbered(frame: pl.DataFrame, first_line: int) -> pl.DataFrame:
    """Number the rows from ``first_line`` and drop blank ones (their numbers are not reused)."""
    frame = frame.with_row_index(LINE, offset=first_line).with_columns(pl.col(LINE).cast(pl.Int64))
    values = [c for c in frame.columns if c != LINE]
    if not values:
        return frame
    blank = pl.all_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in values)
    return frame.filter(~blank)


def _ragged_rows(data: bytes, delimiter: str) -> list[RowError]:
    """Every row whose field count differs from the header's, for the error report."""
    reader = csv.reader(io.StringIO(data.decode("utf-8")), delimiter=delimiter)
    header = next(reader)
    errors = []
    for record in reader:
        if len(record) != len(header) and any(record):
            errors.append(
                RowError(
                    reader.line_num,
                    "",
                    delimiter.join(record)[:80],
                    f"has {len(record)} fields; the header has {len(header)}",
                )
            )
    return errors


def _check_headers(columns: list[str], name: str) -> list[str]:
    headers = [c.strip() for c in columns]
    if not any(headers):
        raise FileReadError(f"{name} has no header row")
    seen: dict[str, str] = {}
    for header in headers:
        if header and header.lower() in seen:
            raise FileReadError(f"{name}: the column {header!r} appears twice in the header; rename one of them")
        seen[header.lower()] = header
    return headers


def _header_row(path: Path, sheet: str | None) -> tuple[int, list[str]]:
    """The spreadsheet row number of the header (the first row with a value in it) and its cells, as
    written: Polars would rename a repeated column, and calamine does not say where the data starts."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        for number, row in enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1):
            cells = ["" if value is None else str(value) for value in row]
            filled = [i for i, value in enumerate(cells) if value.strip()]
            if filled:
                return number, cells[filled[0] : filled[-1] + 1]
        return 1, []
    finally:
        workbook.close()


def _read_spreadsheet(path: Path, sheet: str | None) -> SourceFile:
    try:
        # Keep empty rows: row numbers must match the sheet's (blank rows are dropped when numbered).
        frame = pl.read_excel(
            path,
            engine="calamine",
            sheet_name=sheet,
            infer_schema_length=0,
            raise_if_empty=False,
            drop_empty_rows=False,
            drop_empty_cols=False,
        )
        header_row, written = _header_row(path, sheet)
    except Exception as exc:  # fastexcel and openpyxl raise their own types for broken or protected files
        raise FileReadError(f"{path.name}: not a readable spreadsheet ({exc})") from None
    if frame.width == 0:
        raise FileReadError(f"{path.name}: the sheet is empty")
    frame = frame.with_columns(pl.all().cast(pl.String))
    headers = _check_headers(written if len(written) == frame.width else frame.columns, path.name)
    frame = frame.rename(dict(zip(frame.columns, headers, strict=True)))
    return SourceFile(_numbered(frame, first_line=header_row + 1), headers, "xlsx", is_spreadsheet=True)

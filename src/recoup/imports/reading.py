"""Reading CSV and XLSX files into a frame of text columns, with the line number of every row.

Every column is read as text so that nothing is guessed before validation: ``0001`` stays ``0001`` and
``1,234.50`` reaches the amount parser as written.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from recoup.core.errors import RowError

LINE = "__line"
"""Column holding each row's line number in the file (the header is line 1)."""

UTF8_BOM = b"\xef\xbb\xbf"


class FileReadError(ValueError):
    """The file cannot be read at all (unknown type, empty, no header, ragged rows)."""

    def __init__(self, message: str, row_errors: list[RowError] | None = None) -> None:
        super().__init__(message)
        self.row_errors = row_errors or []


@dataclass(slots=True)
class SourceFile:
    frame: pl.DataFrame
    headers: list[str]
    encoding: str
    is_spreadsheet: bool
    sha256: str = ""

    def keep_only(self, lines: set[int]) -> None:
        """Forget every row but these (the bad ones, for a quarantine file): frees the file's memory."""
        self.frame = self.frame.filter(pl.col(LINE).is_in(sorted(lines)))


def decode(data: bytes) -> tuple[bytes, str]:
    """UTF-8 bytes of the file and the encoding it was in: UTF-8 (with or without BOM), else Windows-1252,
    else Latin-1 (which accepts any byte)."""
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
        data.decode("utf-8")
        return data, "utf-8-sig"
    try:
        data.decode("utf-8")
        return data, "utf-8"
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
    if suffix in {".xlsx", ".xlsm", ".xls"}:
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
    first_line = data[: data.find(b"\n") if b"\n" in data else len(data)].decode("utf-8")
    delimiter = sniff_delimiter(first_line)
    try:
        frame = pl.read_csv(io.BytesIO(data), infer_schema=False, separator=delimiter, has_header=True)
    except pl.exceptions.ComputeError as exc:
        if "more fields" in str(exc):
            raise FileReadError(
                f"{name}: some rows have more fields than the header", _ragged_rows(data, delimiter)
            ) from None
        raise FileReadError(f"{name}: not a readable CSV file ({exc})") from None
    headers = _check_headers(frame.columns, name)
    frame = frame.rename(dict(zip(frame.columns, headers, strict=True)))
    frame = frame.with_row_index(LINE, offset=2).with_columns(pl.col(LINE).cast(pl.Int64))
    return SourceFile(frame, headers, encoding, is_spreadsheet=False)


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
    seen: set[str] = set()
    for header in headers:
        if header.lower() in seen and header:
            raise FileReadError(f"{name}: the column {header!r} appears twice in the header")
        seen.add(header.lower())
    return headers


def _read_spreadsheet(path: Path, sheet: str | None) -> SourceFile:
    try:
        frame = pl.read_excel(path, engine="calamine", sheet_name=sheet, infer_schema_length=0, raise_if_empty=False)
    except Exception as exc:  # fastexcel raises its own error types for broken or password-protected files
        raise FileReadError(f"{path.name}: not a readable spreadsheet ({exc})") from None
    if frame.width == 0:
        raise FileReadError(f"{path.name}: the sheet is empty")
    frame = frame.with_columns(pl.all().cast(pl.String))
    headers = _check_headers(frame.columns, path.name)
    frame = frame.rename(dict(zip(frame.columns, headers, strict=True)))
    frame = frame.with_row_index(LINE, offset=2).with_columns(pl.col(LINE).cast(pl.Int64))
    return SourceFile(frame, headers, "xlsx", is_spreadsheet=True)

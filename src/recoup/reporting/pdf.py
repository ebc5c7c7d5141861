"""Reports as printable PDF (fpdf2, pure Python): a title, the as-of line, and the table with totals."""

from __future__ import annotations

from decimal import Decimal
from typing import BinaryIO

from fpdf import FPDF, FontFace

from recoup.reporting.exports import Table

MARGIN = 10


def _latin(text: str) -> str:
    # The built-in PDF fonts cover Latin-1; anything else prints as "?" rather than failing the report.
    return text.encode("latin-1", "replace").decode("latin-1")


def _cell(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:,}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "" if value is None else str(value)


def write_pdf(tables: list[Table], stream: BinaryIO, organisation: str = "") -> None:
    pdf = FPDF(orientation="L", unit="mm", format="Letter")
    pdf.set_auto_page_break(auto=True, margin=MARGIN)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    for table in tables:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 14)
        pdf.cell(0, 8, _latin(organisation or "Recoup"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(0, 6, _latin(table.title), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        numeric = {i for i, h in enumerate(table.headers) if h in table.money}
        for i in range(len(table.headers)):
            if table.rows and all(isinstance(row[i], (int, Decimal)) or row[i] in ("", None) for row in table.rows):
                numeric.add(i)
        rows = [[_latin(_cell(v)) for v in row] for row in table.rows]
        footer = [_latin(_cell(v)) for v in table.footer] if table.footer else None
        pdf.set_font("Helvetica", "", 7.5)
        with pdf.table(
            text_align=tuple("RIGHT" if i in numeric else "LEFT" for i in range(len(table.headers))),
            headings_style=FontFace(emphasis="BOLD", fill_color=(245, 246, 248)),
            line_height=4.2,
            first_row_as_headings=True,
            borders_layout="HORIZONTAL_LINES",
        ) as grid:
            grid.row([_latin(h) for h in table.headers])
            for row in rows:
                grid.row(row)
            if footer:
                grid.row(footer)
    pdf.output(stream)

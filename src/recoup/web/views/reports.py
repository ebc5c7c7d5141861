"""Report pages and their downloads: aging and KPIs as CSV, XLSX, PDF or JSON."""

from __future__ import annotations

import io
import json
from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from recoup.clock import today
from recoup.core.aging import AgingBasis
from recoup.reporting.aging import AgingBy, aging_report
from recoup.reporting.exports import aging_json, aging_table, kpis_json, kpis_table, write_csv, write_xlsx
from recoup.reporting.kpis import kpis_get
from recoup.reporting.pdf import write_pdf
from recoup.web.access import org_view

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "json": "application/json",
}


def as_of_from(request: HttpRequest) -> date:
    fallback = today(request.organisation.timezone)
    try:
        day = date.fromisoformat(request.GET["as_of"]) if request.GET.get("as_of") else fallback
    except ValueError:
        return fallback
    return day if 1900 <= day.year <= 2999 else fallback


def _download(tables, document, fmt: str, name: str, organisation) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404("Unknown format")
    if fmt == "json":
        body: bytes = json.dumps(document, indent=2, ensure_ascii=False).encode()
    elif fmt == "csv":
        text = io.StringIO()
        write_csv(tables, text)
        body = text.getvalue().encode("utf-8-sig")  # the BOM lets Excel open it as UTF-8
    elif fmt == "xlsx":
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "report.xlsx"
            write_xlsx(tables, path)
            body = path.read_bytes()
    else:
        buffer = io.BytesIO()
        write_pdf(tables, buffer, organisation.name)
        body = buffer.getvalue()
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@org_view("read")
def aging_export(request: HttpRequest, fmt: str) -> HttpResponse:
    organisation = request.organisation
    as_of = as_of_from(request)
    basis = AgingBasis.INVOICE if request.GET.get("basis") == "invoice" else AgingBasis.DUE
    by = AgingBy.INVOICE if request.GET.get("by") == "invoice" else AgingBy.CUSTOMER
    reports = aging_report(organisation, as_of, basis=basis, by=by)
    return _download(
        [aging_table(r) for r in reports],
        aging_json(reports),
        fmt,
        f"aging-{organisation.slug}-{as_of.isoformat()}",
        organisation,
    )


def _period(request: HttpRequest) -> int:
    try:
        days = int(request.GET.get("period_days", 90))
    except ValueError:
        return 90
    return days if 1 <= days <= 3650 else 90


@org_view("read")
def kpis_page(request: HttpRequest) -> HttpResponse:
    as_of, period = as_of_from(request), _period(request)
    tables = [kpis_table(k) for k in kpis_get(request.organisation, as_of, period)]
    return render(request, "web/kpis.html", {"section": "kpis", "tables": tables, "as_of": as_of, "period": period})


@org_view("read")
def kpis_export(request: HttpRequest, fmt: str) -> HttpResponse:
    as_of, period = as_of_from(request), _period(request)
    results = kpis_get(request.organisation, as_of, period)
    return _download(
        [kpis_table(k) for k in results],
        kpis_json(results),
        fmt,
        f"kpis-{request.organisation.slug}-{as_of.isoformat()}",
        request.organisation,
    )

"""The import page: upload a file, map its columns with a preview, see every problem, then confirm.

The file waits in ``RECOUP_UPLOAD_DIR`` under a random name known only to the uploader's session. The
check runs the real import and rolls it back (``dry_run``), so what the page promises is what happens.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from recoup.imports.models import ImportRun
from recoup.imports.profiles import FIELDS, PROFILES, ImportKind, MappingError, resolve_columns
from recoup.imports.reading import LINE, FileReadError, read_source
from recoup.imports.services import ImportFailed, import_invoices, import_payments
from recoup.web.access import org_view

PREVIEW_ROWS = 8
ERRORS_SHOWN = 500
ALLOWED = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm"}
SESSION_KEY = "recoup_uploads"


@org_view("import")
def import_list(request: HttpRequest) -> HttpResponse:
    runs = ImportRun.objects.filter(organisation=request.organisation)[:30]
    return render(request, "web/imports.html", {"section": "imports", "runs": runs, "profiles": PROFILES})


@org_view("import")
def import_upload(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("imports", slug=request.organisation.slug)
    upload = request.FILES.get("file")
    kind = request.POST.get("kind", "invoices")
    profile = request.POST.get("profile", "generic")
    problem = None
    if upload is None:
        problem = "Choose a CSV or Excel file to upload."
    elif Path(upload.name).suffix.lower() not in ALLOWED:
        problem = "Upload a .csv or .xlsx file."
    elif upload.size > settings.RECOUP_UPLOAD_MAX_BYTES:
        problem = f"The file is larger than {settings.RECOUP_UPLOAD_MAX_BYTES // (1024 * 1024)} MB."
    elif kind not in ImportKind.__members__.values() or profile not in PROFILES:
        problem = "Choose what the file holds."
    if problem:
        runs = ImportRun.objects.filter(organisation=request.organisation)[:30]
        return render(
            request,
            "web/imports.html",
            {"section": "imports", "runs": runs, "profiles": PROFILES, "upload_error": problem},
            status=400,
        )
    token = secrets.token_urlsafe(16)
    folder = Path(settings.RECOUP_UPLOAD_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{token}{Path(upload.name).suffix.lower()}"
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    uploads = request.session.get(SESSION_KEY, {})
    uploads[token] = {
        "path": str(path),
        "name": Path(upload.name).name,
        "kind": kind,
        "profile": profile,
        "org": request.organisation.slug,
    }
    request.session[SESSION_KEY] = uploads
    return redirect("import-map", slug=request.organisation.slug, token=token)


def _staged(request: HttpRequest, token: str) -> dict:
    staged = request.session.get(SESSION_KEY, {}).get(token)
    if not staged or staged["org"] != request.organisation.slug or not Path(staged["path"]).exists():
        raise Http404("This upload has expired; upload the file again.")
    return staged


def _mapping_from(request: HttpRequest, kind: ImportKind, headers: list[str]) -> list[str]:
    """``--map``-style mappings from the form's column choices."""
    mappings = []
    for spec in FIELDS[kind]:
        chosen = request.POST.get(f"map_{spec.name}", "")
        if chosen and chosen in headers:
            mappings.append(f"{chosen}={spec.name}")
    return mappings


@org_view("import")
def import_map(request: HttpRequest, token: str) -> HttpResponse:
    """Show the columns and first rows; on POST, check (preview) or confirm the import."""
    staged = _staged(request, token)
    kind = ImportKind(staged["kind"])
    profile = PROFILES[staged["profile"]]
    path = Path(staged["path"])
    try:
        source = read_source(path)
    except FileReadError as error:
        return render(
            request,
            "web/import_map.html",
            {
                "section": "imports",
                "staged": staged,
                "file_error": str(error),
                "errors": error.row_errors[:ERRORS_SHOWN],
            },
        )
    headers = source.headers
    mappings = _mapping_from(request, kind, headers) if request.method == "POST" else []
    date_format = request.POST.get("date_format", "").strip() or None
    overrides = {m.rsplit("=", 1)[1]: m.rsplit("=", 1)[0] for m in mappings}
    suggested = resolve_columns(headers, kind, profile, overrides, strict=False)
    try:
        resolve_columns(headers, kind, profile, overrides)
        mapping_error = None
    except MappingError as error:
        mapping_error = str(error)
    report = None
    action = request.POST.get("action")
    if request.method == "POST" and action in {"check", "import"} and not mapping_error:
        runner = import_invoices if kind is ImportKind.INVOICES else import_payments
        quarantine = None
        if action == "import" and request.POST.get("quarantine"):
            quarantine = Path(settings.RECOUP_UPLOAD_DIR) / f"{token}-rejected.csv"
        try:
            report = runner(
                organisation=request.organisation,
                path=path,
                profile=profile.name,
                mappings=mappings,
                date_format=date_format,
                quarantine=quarantine,
                actor=request.user,
                dry_run=action == "check",
            )
        except ImportFailed as error:
            mapping_error = str(error)
        if report is not None and report.applied:
            messages.success(
                request,
                f"Imported {staged['name']}: {report.created:,} created, "
                f"{report.updated:,} updated, {report.unchanged:,} unchanged, "
                f"{report.rejected:,} rejected.",
            )
            path.unlink(missing_ok=True)
            return redirect("imports", slug=request.organisation.slug)
    preview = source.frame.head(PREVIEW_ROWS)
    return render(
        request,
        "web/import_map.html",
        {
            "section": "imports",
            "staged": staged,
            "token": token,
            "headers": headers,
            "fields": [{"spec": f, "chosen": suggested.get(f.name, "")} for f in FIELDS[kind]],
            "preview": [[row[LINE], *[row[h] or "" for h in headers]] for row in preview.iter_rows(named=True)],
            "rows": source.frame.height,
            "mapping_error": mapping_error,
            "report": report,
            "errors": report.errors[:ERRORS_SHOWN] if report else [],
            "date_format": date_format or "",
        },
    )

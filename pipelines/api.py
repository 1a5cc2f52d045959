"""The query API for case systems (Fachverfahren): search, documents, files, with access control.

Every request carries a bearer token (`eakte token create`). The token's scopes become the
search index's visibility filter, so hits and facet counts never reveal a document outside
them; a document outside them answers 404, exactly as one that does not exist. Every search,
view and download is written to the access log.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import text

from archive.access import UNIT_PATTERN, Principal, authenticate, log_access, read_access_log
from archive.search import SearchFilters, SearchQueryError, Visibility
from archive.store import Archive
from classifiers.fileplan import FilePlan, load_file_plan

MAX_LIMIT = 100
MAX_OFFSET = 10_000
_DOCUMENT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_AKTENZEICHEN = re.compile(r"^[\w./ -]{1,80}$")
_PREVIEW_SCALE = 1.5  # 108 dpi: legible, about 150 kB a page
_HIDDEN = ("original_path", "pdfa_path", "metadata_path", "text", "facts")
_bearer = HTTPBearer(auto_error=False, description="A token from `eakte token create`.")


def visibility(principal: Principal) -> Visibility:
    return Visibility(units=None if principal.all_units else principal.units, tax=principal.tax)


def _principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The token's holder; 401 without a token, with an unknown or a revoked one."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "a bearer token is required", {"WWW-Authenticate": "Bearer"})
    found = principal_for_secret(request.app.state.archive, credentials.credentials)
    if found is None:
        raise HTTPException(401, "unknown or revoked token", {"WWW-Authenticate": "Bearer"})
    if not found.may_read_documents:
        raise HTTPException(403, f"a {found.role} token does not read documents")
    return found


Caller = Annotated[Principal, Depends(_principal)]


def principal_for_secret(archive: Archive, secret: str) -> Principal | None:
    with archive.transaction() as s:
        return authenticate(s, secret)


def log(
    archive: Archive, who: Principal, action: str, document_id: str | None = None, **detail: Any
) -> None:
    with archive.transaction() as s:
        log_access(s, who, action, document_id, detail)


def visible_document(archive: Archive, who: Principal, document_id: str) -> dict[str, Any]:
    """The document's facts, or 404 alike for a bad id, a missing one and one out of scope."""
    if not _DOCUMENT_ID.fullmatch(document_id):
        raise HTTPException(404, "no such document")
    doc = archive.get(document_id)
    if doc is None or not who.may_see(doc["aktenplan_unit"], doc["tax_secret"]):
        raise HTTPException(404, "no such document")
    return doc


def akte_documents(archive: Archive, who: Principal, aktenzeichen: str) -> list[dict[str, Any]]:
    """The documents filed under an Aktenzeichen that the caller may see, oldest first."""
    if not _AKTENZEICHEN.fullmatch(aktenzeichen) or ".." in aktenzeichen:
        raise HTTPException(404, "no such file")
    filters = SearchFilters(aktenzeichen=aktenzeichen, visible=visibility(who))
    hits = archive.index.search("", filters, 500)
    if not hits:
        raise HTTPException(404, "no such file")
    log(archive, who, "file", None, aktenzeichen=aktenzeichen)
    return sorted(
        (
            {
                "document_id": h.document_id,
                "doc_type": h.doc_type,
                "doc_label": h.doc_label,
                "title": h.title,
                "document_date": h.document_date.isoformat() if h.document_date else None,
            }
            for h in hits
        ),
        key=lambda d: (d["document_date"] or "", d["document_id"]),
    )


def page_png(archive: Archive, who: Principal, document_id: str, number: int) -> Response:
    doc = visible_document(archive, who, document_id)
    if not 1 <= number <= len(doc["pages"]):
        raise HTTPException(404, f"the document has {len(doc['pages'])} pages")
    log(archive, who, "preview", document_id, page=number)
    return Response(
        _render_page(Path(doc["pdfa_path"]), number),
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=3600"},
    )


def pdf_file(archive: Archive, who: Principal, document_id: str) -> FileResponse:
    doc = visible_document(archive, who, document_id)
    log(archive, who, "download", document_id, file="pdfa")
    return FileResponse(
        doc["pdfa_path"], media_type="application/pdf", filename=f"{document_id}.pdf"
    )


def create_app(archive: Archive, plan: FilePlan | None = None) -> FastAPI:
    """The API and the clerk's pages over one archive; the caller opens and closes it."""
    from pipelines.ui import mount_ui

    app = FastAPI(
        title="eakte",
        version="1",
        description="Search and fetch archived documents. Scoped bearer tokens; tax secrecy.",
    )
    app.state.archive = archive
    mount_ui(app, archive, plan or load_file_plan())

    @app.exception_handler(SearchQueryError)
    def bad_query(_request: Request, exc: SearchQueryError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    def readyz() -> JSONResponse:
        try:
            documents = archive.index.count()
            with archive.transaction() as s:
                s.execute(text("SELECT 1"))
        except Exception as exc:
            return JSONResponse({"status": "unavailable", "reason": str(exc)}, status_code=503)
        return JSONResponse({"status": "ready", "indexed_documents": documents})

    @app.get("/api/v1/search", tags=["search"])
    def search(
        who: Caller,
        q: Annotated[str, Query(max_length=500, description="words, phrases, identifiers")] = "",
        type: Annotated[str | None, Query(max_length=80)] = None,
        unit: Annotated[str | None, Query(pattern=UNIT_PATTERN)] = None,
        aktenzeichen: Annotated[str | None, Query(max_length=80)] = None,
        status: Annotated[str | None, Query(pattern="^(archived|needs_review)$")] = None,
        date_from: date | None = None,
        date_to: date | None = None,
        limit: Annotated[int, Query(ge=1)] = 20,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> dict[str, Any]:
        filters = SearchFilters(
            doc_type=type,
            unit=unit,
            aktenzeichen=aktenzeichen,
            status=status,
            date_from=date_from,
            date_to=date_to,
            visible=visibility(who),
        )
        limit = min(limit, MAX_LIMIT)
        hits = archive.index.search(q, filters, offset + limit)[offset:]
        facets = archive.index.facets(q, filters)
        log(archive, who, "search", q=q, hits=len(hits))
        return {
            "query": q,
            "total": sum(facets["status"].values()),
            "offset": offset,
            "limit": limit,
            "facets": facets,
            "hits": [
                {
                    "document_id": h.document_id,
                    "score": round(h.score, 4),
                    "doc_type": h.doc_type,
                    "doc_label": h.doc_label,
                    "title": h.title,
                    "aktenzeichen": list(h.aktenzeichen),
                    "document_date": h.document_date.isoformat() if h.document_date else None,
                    "snippet": h.snippet,
                }
                for h in hits
            ],
        }

    @app.get("/api/v1/documents/{document_id}", tags=["documents"])
    def document(who: Caller, document_id: str) -> dict[str, Any]:
        doc = visible_document(archive, who, document_id)
        log(archive, who, "view", document_id)
        return {k: v for k, v in doc.items() if k not in _HIDDEN}

    @app.get("/api/v1/documents/{document_id}/pdf", tags=["documents"])
    def pdf(who: Caller, document_id: str) -> FileResponse:
        return pdf_file(archive, who, document_id)

    @app.get("/api/v1/documents/{document_id}/original", tags=["documents"])
    def original(who: Caller, document_id: str) -> FileResponse:
        doc = visible_document(archive, who, document_id)
        log(archive, who, "download", document_id, file="original")
        name = Path(doc["source_name"]).name
        return FileResponse(doc["original_path"], filename=name)

    @app.get("/api/v1/documents/{document_id}/pages/{number}.png", tags=["documents"])
    def page(who: Caller, document_id: str, number: int) -> Response:
        return page_png(archive, who, document_id, number)

    @app.get("/api/v1/files/{aktenzeichen:path}", tags=["files"])
    def akte(who: Caller, aktenzeichen: str) -> dict[str, Any]:
        return {
            "aktenzeichen": aktenzeichen,
            "documents": akte_documents(archive, who, aktenzeichen),
        }

    @app.get("/api/v1/access-log", tags=["audit"])
    def access_log(
        who: Caller,
        document_id: str | None = None,
        limit: Annotated[int, Query(ge=1)] = 100,
    ) -> dict[str, Any]:
        if not who.can_read_access_log:
            raise HTTPException(403, "only records managers and administrators read the access log")
        with archive.transaction() as s:
            entries = read_access_log(s, min(limit, 1000), document_id)
            return {
                "entries": [
                    {
                        "at": e.at.isoformat(),
                        "token": e.token_name,
                        "role": e.role,
                        "action": e.action,
                        "document_id": e.document_id,
                        "detail": e.detail,
                    }
                    for e in entries
                ]
            }

    return app


def _render_page(pdf: Path, number: int) -> bytes:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[number - 1].render(scale=_PREVIEW_SCALE, grayscale=True).to_pil()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()

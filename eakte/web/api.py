"""The query API for case systems (Fachverfahren): search, documents, files, with access control.

Every request carries a bearer token (`eakte token create`). The token's scopes become the
search index's visibility filter, so hits and facet counts never reveal a document outside
them; a document outside them answers 404, exactly as one that does not exist. Every search,
view and download is written to the access log.
"""

from __future__ import annotations

from datetime import date
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from archive.access import UNIT_PATTERN, Principal
from archive.documents import DocumentView
from archive.search import Hit, SearchFilters, SearchUnavailableError
from eakte.web.errors import RETRY_AFTER, RETRY_AFTER_HEADER, Unready, errors
from eakte.web.service import (
    MAX_OFFSET,
    Shared,
    decode_cursor,
    default_sort,
    next_cursor,
    visibility,
)

MAX_LIMIT = 100
_HIDDEN = ("original_path", "pdfa_path", "metadata_path", "text", "facts")
# where a scan lay on the scanning server is the operators' to see (`eakte show`), not the
# API's: these keys of an audit event's detail name a file by its path
_PATH_DETAILS = ("source", "copy")
# the types intake tells from an original's bytes (`scanners.intake.sniff_kind`)
_ORIGINAL_TYPES = {
    "pdf": "application/pdf",
    "tiff": "image/tiff",
    "jpeg": "image/jpeg",
    "png": "image/png",
}
_bearer = HTTPBearer(auto_error=False, description="A token from `eakte token create`.")

router = APIRouter()


async def _principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The token's holder; 401 without a token, with an unknown or a revoked one."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "a bearer token is required", {"WWW-Authenticate": "Bearer"})
    found = request.app.state.service.principal_for_secret(credentials.credentials)
    if found is None:
        raise HTTPException(401, "unknown or revoked token", {"WWW-Authenticate": "Bearer"})
    if not found.may_read_documents:
        raise HTTPException(403, f"a {found.role} token does not read documents")
    return found


Caller = Annotated[Principal, Depends(_principal)]


class SearchParams(BaseModel):
    q: str = Field("", max_length=500, description="words, phrases, identifiers as printed")
    type: str | None = Field(None, max_length=80, description="document type key")
    unit: str | None = Field(None, pattern=UNIT_PATTERN, description="Aktenplan unit and below")
    aktenzeichen: str | None = Field(None, max_length=80)
    status: Literal["archived", "needs_review"] | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: Literal["relevance", "date_desc", "date_asc"] | None = Field(
        None,
        description="relevance (default with a query), date_desc (default without one; "
        "documents without a date last) or date_asc",
    )
    cursor: str | None = Field(
        None,
        max_length=200,
        description="next_cursor of the previous page: date orders page with it as deep as "
        "the results go; relevance pages with offset (at most 10,000)",
    )
    limit: int = Field(20, ge=1, description=f"hits per page, at most {MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class SearchHit(BaseModel):
    document_id: str
    score: float  # 0 in a date order
    doc_type: str
    doc_label: str
    title: str
    aktenzeichen: list[str]
    document_date: date | None
    snippet: str  # HTML: the matched words in <b>, everything else escaped


class SearchPage(BaseModel):
    query: str
    sort: str
    total: int  # every visible match, not only this page
    offset: int
    limit: int
    next_cursor: str | None  # date orders: pass as `cursor` for the next page
    facets: dict[str, dict[str, int]]  # doc_type, unit, status -> value -> matches
    hits: list[SearchHit]


@router.get("/healthz", tags=["operations"])
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    tags=["operations"],
    responses={
        503: {
            "model": Unready,
            "description": "Not ready: the search index (or the catalog) cannot be reached.",
            "headers": RETRY_AFTER_HEADER,
        }
    },
)
def readyz(
    service: Shared,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> JSONResponse:
    """Ready or not, for anyone (a load balancer has no token); the documents indexed, the
    index segments and why it is not ready only for a token that sees every document: the
    count of everything counts what other tokens may not see."""
    archive = service.archive
    found = service.principal_for_secret(credentials.credentials) if credentials else None
    counted = found is not None and found.sees_everything
    try:
        health = archive.index_health()
    except Exception as exc:
        if counted:
            reason = {"reason": str(exc)}
        elif isinstance(exc, SearchUnavailableError):  # the kind of fault, not its address
            reason = {"reason": "the search server cannot be reached"}
        else:
            reason = {}
        return JSONResponse(
            {"status": "unavailable", **reason},
            status_code=503,
            headers={"Retry-After": RETRY_AFTER},
        )
    if not counted:
        return JSONResponse({"status": "ready"})
    # many segments slow every search: `eakte index compact` (an ingest does it, too)
    return JSONResponse(
        {
            "status": "ready",
            "indexed_documents": health.documents,
            "index_segments": health.segments,
        }
    )


@router.get(
    "/api/v1/search",
    tags=["search"],
    response_model=SearchPage,
    responses=errors(400, 401, 403, 422, 503),
)
async def search(
    who: Caller, service: Shared, params: Annotated[SearchParams, Query()]
) -> Response:
    """Full text and filters, within the caller's scopes: hits, total, facet counts.

    Runs on the worker's event loop: a search is a few milliseconds of CPU, and handing
    it to a thread costs more than it saves. Serve one worker per core. The page is made
    of known types here, so it is written once with orjson rather than validated again
    against `SearchPage`, which describes it in the OpenAPI document.
    """
    q, limit, offset, cursor = params.q, min(params.limit, MAX_LIMIT), params.offset, params.cursor
    sort = default_sort(params.sort, q)
    if cursor is not None and (sort == "relevance" or offset):
        raise HTTPException(422, "a cursor pages a date order (sort=date_desc|date_asc) alone")
    filters = _filters(params, who)
    after = decode_cursor(cursor, sort) if cursor is not None else None
    hits = service.archive.search(q, filters, limit, offset=offset, sort=sort, after=after)
    facets = service.archive.facets(q, filters)
    service.log(who, "search", q=q, hits=len(hits))
    page = {
        "query": q,
        "sort": sort,
        "total": sum(facets["status"].values()),
        "offset": offset,
        "limit": limit,
        "next_cursor": next_cursor(hits, limit, sort),
        "facets": facets,
        "hits": [_hit(h) for h in hits],
    }
    return Response(orjson.dumps(page), media_type="application/json")


def _filters(params: SearchParams, who: Principal) -> SearchFilters:
    return SearchFilters(
        doc_type=params.type,
        unit=params.unit,
        aktenzeichen=params.aktenzeichen,
        status=params.status,
        date_from=params.date_from,
        date_to=params.date_to,
        visible=visibility(who),
    )


def _hit(h: Hit) -> dict[str, Any]:
    return {
        "document_id": h.document_id,
        "score": round(h.score, 4),
        "doc_type": h.doc_type,
        "doc_label": h.doc_label,
        "title": h.title,
        "aktenzeichen": list(h.aktenzeichen),
        "document_date": h.document_date,
        "snippet": h.snippet,
    }


@router.get(
    "/api/v1/documents/{document_id}", tags=["documents"], responses=errors(401, 403, 404, 503)
)
def document(who: Caller, service: Shared, document_id: str) -> dict[str, Any]:
    doc = service.viewed_document(who, document_id)
    shown = {k: v for k, v in doc.to_json().items() if k not in _HIDDEN}
    return _file_names_only(shown | {"transfer_note": doc.facts.get("transfer_note")})


def _file_names_only(shown: dict[str, Any]) -> dict[str, Any]:
    """The document's JSON with its scan named by file name, not by the server's path.

    The transfer note shown so differs from the one the audit trail's `transfer_note_sha256`
    covers by that name alone; `eakte show` and the xdomea hand-over carry it unchanged.
    """
    shown["source_name"] = _file_name(shown["source_name"])
    for version in shown.get("versions", ()):
        version["source_name"] = _file_name(version["source_name"])
    for event in shown.get("audit", ()):
        detail = event.get("detail") or {}
        for key in _PATH_DETAILS:
            if isinstance(detail.get(key), str):
                detail[key] = _file_name(detail[key])
    note = shown.get("transfer_note")
    if isinstance(note, dict) and isinstance(note.get("source_name"), str):
        shown["transfer_note"] = {**note, "source_name": _file_name(note["source_name"])}
    return shown


def _file_name(path: str) -> str:
    return PurePosixPath(path).name


@router.get(
    "/api/v1/documents/{document_id}/pdf", tags=["documents"], responses=errors(401, 403, 404, 503)
)
def pdf(who: Caller, service: Shared, document_id: str) -> FileResponse:
    return service.pdf_file(who, document_id)


@router.get(
    "/api/v1/documents/{document_id}/original",
    tags=["documents"],
    responses=errors(401, 403, 404, 503),
)
def original(who: Caller, service: Shared, document_id: str) -> FileResponse:
    """The scan as delivered, always as a download, typed by its content (found at intake),
    never by its name: an HTML page that is also a PDF is sent as the PDF it was taken for."""
    doc = service.visible_document(who, document_id)
    service.log(who, "download", document_id, file="original")
    return FileResponse(
        doc.original_path,
        media_type=_original_type(doc),
        filename=_file_name(doc.source_name),
        content_disposition_type="attachment",
    )


def _original_type(doc: DocumentView) -> str:
    """The type stored at intake; for a row without one this version knows, the bytes'."""
    kind = doc.source_kind
    if kind not in _ORIGINAL_TYPES:
        from scanners.errors import RejectedInput
        from scanners.intake import sniff_kind

        try:
            kind = sniff_kind(doc.original_path)
        except RejectedInput:
            return "application/octet-stream"
    return _ORIGINAL_TYPES[kind]


@router.get(
    "/api/v1/documents/{document_id}/pages/{number}.png",
    tags=["documents"],
    responses=errors(401, 403, 404, 422, 503),
)
def page(who: Caller, service: Shared, document_id: str, number: int) -> Response:
    return service.page_png(who, document_id, number)


@router.get(
    "/api/v1/files/{aktenzeichen:path}", tags=["files"], responses=errors(401, 403, 404, 503)
)
def akte(who: Caller, service: Shared, aktenzeichen: str) -> dict[str, Any]:
    """The file's documents the caller may see, and the file's records facts."""
    documents = service.akte_documents(who, aktenzeichen)  # 404 unless the Akte is visible
    return {"aktenzeichen": aktenzeichen, **service.akte_facts(who, aktenzeichen),
            "documents": documents}  # fmt: skip


@router.get("/api/v1/access-log", tags=["audit"], responses=errors(401, 403, 422, 503))
def access_log(
    who: Caller,
    service: Shared,
    document_id: str | None = None,
    limit: Annotated[int, Query(ge=1)] = 100,
) -> dict[str, Any]:
    """Who searched, viewed or downloaded what, newest first; an entry naming what the
    caller may not see is `withheld` (when, who and the kind of access only)."""
    if not who.can_read_access_log:
        raise HTTPException(403, "only records managers and administrators read the access log")
    return {"entries": service.access_log_entries(who, min(limit, 1000), document_id)}

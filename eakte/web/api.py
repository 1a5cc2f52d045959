"""The query API for case systems (Fachverfahren): search, documents, files, with access control.

Every request carries a bearer token (`eakte token create`). The token's scopes become the
search index's visibility filter, so hits and facet counts never reveal a document outside
them; a document outside them answers 404, exactly as one that does not exist. Every search,
view and download is written to the access log.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import time
from collections.abc import Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import orjson
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy import text

from archive.access import (
    UNIT_PATTERN,
    Access,
    Principal,
    authenticate,
    hash_secret,
    read_access_log,
    revocation_stamp,
    revocations_file,
)
from archive.search import SORTS, Hit, SearchFilters, SearchQueryError, Visibility, order_key
from archive.store import Archive
from classifiers.fileplan import FilePlan, load_file_plan
from eakte.web.access_log import AccessLogWriter
from eakte.web.connections import RecycleConnections

MAX_LIMIT = 100
MAX_OFFSET = 10_000
_DOCUMENT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_AKTENZEICHEN = re.compile(r"^[\w./ -]{1,80}$")
_PREVIEW_SCALE = 1.5  # 108 dpi: legible, about 150 kB a page
_HIDDEN = ("original_path", "pdfa_path", "metadata_path", "text", "facts")
_bearer = HTTPBearer(auto_error=False, description="A token from `eakte token create`.")


def visibility(principal: Principal) -> Visibility:
    return Visibility(units=None if principal.all_units else principal.units, tax=principal.tax)


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


_REMEMBER_TOKEN = 1.0  # seconds a serving process trusts a token it has read
_KNOWN_TOKENS = 1000


@dataclass(frozen=True)
class Service:
    """What the API and the clerk's pages share: the archive and its access-log writer."""

    archive: Archive
    access_log: AccessLogWriter
    org_units: Mapping[str, tuple[str, ...]]  # the file plan's organisation scopes
    revocations: Path  # `revocations_file` of the archive
    # token hash -> (holder, trusted until, revocation stamp when read)
    _known: dict[str, tuple[Principal, float, int]] = field(default_factory=dict, repr=False)

    def principal_for_secret(self, secret: str) -> Principal | None:
        """The token's holder with "org:" scopes resolved; None: unknown or revoked.

        A valid token is remembered for `_REMEMBER_TOKEN` seconds: reading it from the
        catalog took a tenth of a search request. `eakte token revoke` makes every server
        forget at once (`revocations_file`); a token revoked another way ends within that time.
        """
        key, now = hash_secret(secret), time.monotonic()
        stamp = revocation_stamp(self.revocations)
        known = self._known.get(key)
        if known is not None and known[1] > now and known[2] == stamp:
            return known[0]
        with self.archive.reading() as connection:
            found = authenticate(connection, secret)
        if found is None:
            self._known.pop(key, None)
            return None
        if len(self._known) >= _KNOWN_TOKENS:
            self._known.clear()
        holder = found.with_organisations(self.org_units)
        self._known[key] = (holder, now + _REMEMBER_TOKEN, stamp)
        return holder

    def log(
        self, who: Principal, action: str, document_id: str | None = None, **detail: Any
    ) -> None:
        self.access_log.record(Access(who, action, document_id, detail))

    def visible_document(self, who: Principal, document_id: str) -> dict[str, Any]:
        """The document's facts, or 404 alike for a bad id, a missing, a disposed and an
        out-of-scope one."""
        if not _DOCUMENT_ID.fullmatch(document_id):
            raise HTTPException(404, "no such document")
        doc = self.archive.get(document_id)
        if doc is None or doc["status"] == "disposed":  # destroyed: only its tombstone is left
            raise HTTPException(404, "no such document")
        if not who.may_see(doc["aktenplan_unit"], doc["tax_secret"]):
            raise HTTPException(404, "no such document")
        return doc

    def akte_documents(self, who: Principal, aktenzeichen: str) -> list[dict[str, Any]]:
        """The documents filed under an Aktenzeichen that the caller may see, oldest first."""
        if not _AKTENZEICHEN.fullmatch(aktenzeichen) or ".." in aktenzeichen:
            raise HTTPException(404, "no such file")
        filters = SearchFilters(aktenzeichen=aktenzeichen, visible=visibility(who))
        hits = self.archive.index.search("", filters, 500, sort="date_asc")
        if not hits:
            raise HTTPException(404, "no such file")
        self.log(who, "file", None, aktenzeichen=aktenzeichen)
        return [
            {
                "document_id": h.document_id,
                "doc_type": h.doc_type,
                "doc_label": h.doc_label,
                "title": h.title,
                "document_date": h.document_date.isoformat() if h.document_date else None,
            }
            for h in hits
        ]

    def akte_facts(self, aktenzeichen: str) -> dict[str, Any]:
        """Title, unit, office, opened, zdA, retention end and state of a filed Akte.

        Not its number of documents: that would count those outside the caller's scope.
        """
        from archive.records.akten import akte_by_number, describe_akte, held_akte_ids

        with self.archive.transaction() as session:
            akte = akte_by_number(session, aktenzeichen)
            if akte is None:
                return {}
            facts = describe_akte(akte, date.today(), held_akte_ids(session))
        facts["retention_state"] = facts.pop("state")
        return facts

    def page_png(self, who: Principal, document_id: str, number: int) -> Response:
        doc = self.visible_document(who, document_id)
        if not 1 <= number <= len(doc["pages"]):
            raise HTTPException(404, f"the document has {len(doc['pages'])} pages")
        self.log(who, "preview", document_id, page=number)
        return Response(
            _render_page(Path(doc["pdfa_path"]), number),
            media_type="image/png",
            headers={"Cache-Control": "private, max-age=3600"},
        )

    def pdf_file(self, who: Principal, document_id: str) -> FileResponse:
        doc = self.visible_document(who, document_id)
        self.log(who, "download", document_id, file="pdfa")
        return FileResponse(
            doc["pdfa_path"], media_type="application/pdf", filename=f"{document_id}.pdf"
        )


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


def default_sort(requested: str | None, q: str) -> str:
    """The order asked for, else relevance for words and newest first without them."""
    return requested if requested in SORTS else ("relevance" if q.strip() else "date_desc")


def encode_cursor(sort: str, last: Hit) -> str:
    """An opaque cursor: the order and the last hit's place in it."""
    key = order_key(last.document_id, last.document_date)
    return base64.urlsafe_b64encode(f"{sort}:{key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> int:
    try:
        name, key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split(":")
        if name == sort:
            return int(key)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise HTTPException(422, f"the cursor is not one this API gave out for sort={sort}")


def create_app(archive: Archive, plan: FilePlan | None = None) -> FastAPI:
    """The API and the clerk's pages over one archive; the caller opens and closes it."""
    from eakte.web.ui import mount_ui

    plan = plan or load_file_plan()
    service = Service(
        archive,
        AccessLogWriter(archive),
        plan.organisation_scopes,
        revocations_file(archive.data_dir),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        yield
        service.access_log.close()  # every access is in the log before the process ends

    app = FastAPI(
        title="eakte",
        version="1",
        description="Search and fetch archived documents. Scoped bearer tokens; tax secrecy.",
        lifespan=lifespan,
    )
    app.state.service = service
    mount_ui(app, service, plan)
    app.add_middleware(RecycleConnections)

    @app.exception_handler(SearchQueryError)
    def bad_query(_request: Request, exc: SearchQueryError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    def readyz() -> JSONResponse:
        try:
            documents, segments = archive.index.count(), archive.index.segments()
            with archive.transaction() as s:
                s.execute(text("SELECT 1"))
        except Exception as exc:
            return JSONResponse({"status": "unavailable", "reason": str(exc)}, status_code=503)
        # many segments slow every search: `eakte index compact` (an ingest does it, too)
        return JSONResponse(
            {"status": "ready", "indexed_documents": documents, "index_segments": segments}
        )

    @app.get("/api/v1/search", tags=["search"], response_model=SearchPage)
    async def search(who: Caller, params: Annotated[SearchParams, Query()]) -> Response:
        """Full text and filters, within the caller's scopes: hits, total, facet counts.

        Runs on the worker's event loop: a search is a few milliseconds of CPU, and handing
        it to a thread costs more than it saves. Serve one worker per core. The page is made
        of known types here, so it is written once with orjson rather than validated again
        against `SearchPage`, which describes it in the OpenAPI document.
        """
        q, limit, offset, cursor = (
            params.q,
            min(params.limit, MAX_LIMIT),
            params.offset,
            params.cursor,
        )
        sort = default_sort(params.sort, q)
        if cursor is not None and (sort == "relevance" or offset):
            raise HTTPException(422, "a cursor pages a date order (sort=date_desc|date_asc) alone")
        filters = SearchFilters(
            doc_type=params.type,
            unit=params.unit,
            aktenzeichen=params.aktenzeichen,
            status=params.status,
            date_from=params.date_from,
            date_to=params.date_to,
            visible=visibility(who),
        )
        after = decode_cursor(cursor, sort) if cursor is not None else None
        hits = archive.index.search(q, filters, limit, offset=offset, sort=sort, after=after)
        facets = archive.index.facets(q, filters)
        service.log(who, "search", q=q, hits=len(hits))
        last = hits[-1] if len(hits) == limit and sort != "relevance" else None
        page = {
            "query": q,
            "sort": sort,
            "total": sum(facets["status"].values()),
            "offset": offset,
            "limit": limit,
            "next_cursor": encode_cursor(sort, last) if last else None,
            "facets": facets,
            "hits": [
                {
                    "document_id": h.document_id,
                    "score": round(h.score, 4),
                    "doc_type": h.doc_type,
                    "doc_label": h.doc_label,
                    "title": h.title,
                    "aktenzeichen": list(h.aktenzeichen),
                    "document_date": h.document_date,
                    "snippet": h.snippet,
                }
                for h in hits
            ],
        }
        return Response(orjson.dumps(page), media_type="application/json")

    @app.get("/api/v1/documents/{document_id}", tags=["documents"])
    def document(who: Caller, document_id: str) -> dict[str, Any]:
        doc = service.visible_document(who, document_id)
        service.log(who, "view", document_id)
        shown = {k: v for k, v in doc.items() if k not in _HIDDEN}
        return shown | {"transfer_note": doc["facts"].get("transfer_note")}

    @app.get("/api/v1/documents/{document_id}/pdf", tags=["documents"])
    def pdf(who: Caller, document_id: str) -> FileResponse:
        return service.pdf_file(who, document_id)

    @app.get("/api/v1/documents/{document_id}/original", tags=["documents"])
    def original(who: Caller, document_id: str) -> FileResponse:
        doc = service.visible_document(who, document_id)
        service.log(who, "download", document_id, file="original")
        name = Path(doc["source_name"]).name
        return FileResponse(doc["original_path"], filename=name)

    @app.get("/api/v1/documents/{document_id}/pages/{number}.png", tags=["documents"])
    def page(who: Caller, document_id: str, number: int) -> Response:
        return service.page_png(who, document_id, number)

    @app.get("/api/v1/files/{aktenzeichen:path}", tags=["files"])
    def akte(who: Caller, aktenzeichen: str) -> dict[str, Any]:
        """The file's documents the caller may see, and the file's records facts."""
        documents = service.akte_documents(who, aktenzeichen)  # 404 unless one is visible
        return {"aktenzeichen": aktenzeichen, **service.akte_facts(aktenzeichen),
                "documents": documents}  # fmt: skip

    @app.get("/api/v1/access-log", tags=["audit"])
    def access_log(
        who: Caller,
        document_id: str | None = None,
        limit: Annotated[int, Query(ge=1)] = 100,
    ) -> dict[str, Any]:
        if not who.can_read_access_log:
            raise HTTPException(403, "only records managers and administrators read the access log")
        service.access_log.flush()
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

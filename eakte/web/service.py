"""What the API and the clerk's pages share: who a token is, what it may see, and the rules
by which documents and Akten are found for it.

A document or Akte outside the caller's scopes answers 404 exactly as one that does not
exist; visibility becomes the search index's filter, so hits and facet counts never reveal
one either. Every search, view and download is written to the access log.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import FileResponse, Response

from archive.access import (
    Access,
    Principal,
    authenticate,
    hash_secret,
    revocation_stamp,
    revocations_file,
)
from archive.documents import DocumentView
from archive.search import SORTS, Hit, SearchFilters, Visibility, order_key
from archive.store import Archive
from classifiers.fileplan import FilePlan
from eakte.web.access_log import AccessLogWriter

MAX_OFFSET = 10_000
_DOCUMENT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_AKTENZEICHEN = re.compile(r"^[\w./ -]{1,80}$")
_PREVIEW_SCALE = 1.5  # 108 dpi: legible, about 150 kB a page
_REMEMBER_TOKEN = 1.0  # seconds a serving process trusts a token it has read
_KNOWN_TOKENS = 1000


def visibility(principal: Principal) -> Visibility:
    return Visibility(units=None if principal.all_units else principal.units, tax=principal.tax)


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


def next_cursor(hits: list[Hit], limit: int, sort: str) -> str | None:
    """The cursor of the page after a full page in a date order; None after the last one."""
    if len(hits) == limit and sort != "relevance":
        return encode_cursor(sort, hits[-1])
    return None


@dataclass(frozen=True)
class Service:
    """What the API and the clerk's pages share: the archive and its access-log writer."""

    archive: Archive
    access_log: AccessLogWriter
    org_units: Mapping[str, tuple[str, ...]]  # the file plan's organisation scopes
    revocations: Path  # `revocations_file` of the archive
    # token hash -> (holder, trusted until, revocation stamp when read)
    _known: dict[str, tuple[Principal, float, int]] = field(default_factory=dict, repr=False)

    @classmethod
    def over(cls, archive: Archive, plan: FilePlan) -> Service:
        return cls(
            archive,
            AccessLogWriter(archive),
            plan.organisation_scopes,
            revocations_file(archive.data_dir),
        )

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

    def visible_document(self, who: Principal, document_id: str) -> DocumentView:
        """The document's facts, or 404 alike for a bad id, a missing, a disposed and an
        out-of-scope one."""
        if not _DOCUMENT_ID.fullmatch(document_id):
            raise HTTPException(404, "no such document")
        doc = self.archive.get(document_id)
        if doc is None or doc.disposed:  # destroyed: only its tombstone is left
            raise HTTPException(404, "no such document")
        if not who.may_see(doc.aktenplan_unit, doc.tax_secret):
            raise HTTPException(404, "no such document")
        return doc

    def viewed_document(self, who: Principal, document_id: str) -> DocumentView:
        """A visible document's facts, its viewing written to the access log."""
        doc = self.visible_document(who, document_id)
        self.log(who, "view", document_id)
        return doc

    def akte_documents(self, who: Principal, aktenzeichen: str) -> list[dict[str, Any]]:
        """The documents filed under an Aktenzeichen that the caller may see, oldest first."""
        if not _AKTENZEICHEN.fullmatch(aktenzeichen) or ".." in aktenzeichen:
            raise HTTPException(404, "no such file")
        filters = SearchFilters(aktenzeichen=aktenzeichen, visible=visibility(who))
        hits = self.archive.search("", filters, 500, sort="date_asc")
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
        from archive.records.akten import akte_facts

        with self.archive.transaction() as session:
            akte = akte_facts(session, aktenzeichen, date.today())
        if akte is None:
            return {}
        facts = akte.to_json()
        facts["retention_state"] = facts.pop("state")
        return facts

    def page_png(self, who: Principal, document_id: str, number: int) -> Response:
        doc = self.visible_document(who, document_id)
        if not 1 <= number <= len(doc.pages):
            raise HTTPException(404, f"the document has {len(doc.pages)} pages")
        self.log(who, "preview", document_id, page=number)
        # not cached: `SecurityHeaders` sends no-store, as for every answer with records
        return Response(_render_page(doc.pdfa_path, number), media_type="image/png")

    def pdf_file(self, who: Principal, document_id: str) -> FileResponse:
        doc = self.visible_document(who, document_id)
        self.log(who, "download", document_id, file="pdfa")
        return FileResponse(
            doc.pdfa_path, media_type="application/pdf", filename=f"{document_id}.pdf"
        )


async def _service(request: Request) -> Service:
    # async: resolved on the event loop, so an async route is not handed to a thread for it
    return request.app.state.service


Shared = Annotated[Service, Depends(_service)]


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

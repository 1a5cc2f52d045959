"""What the API and the clerk's pages share: who a token is, what it may see, and the rules
by which documents and Akten are found for it.

One rule decides what a caller sees (`Principal.may_see`: a scope covering the unit, and the
scope "tax" for what tax secrecy covers), and every page, report and log applies it: search
asks it of the index (`visibility`), a document is seen by its unit and tax secrecy, an Akte
by its own unit and whether it holds tax-secret papers or is of a tax unit (never by the
Aktenzeichen that documents mention), the retention view counts and names only such Akten,
the access log withholds what its entries name beyond it, and only a caller who sees
everything gets counts of everything. A document or Akte outside the caller's scopes answers
404 exactly as one that does not exist, after the same work. Every search, view and download
is written to the access log.
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
    AccessLogView,
    Action,
    Principal,
    authenticate,
    hash_secret,
    principals_of,
    read_access_log,
    revocation_stamp,
    revocations_file,
)
from archive.documents import DocumentStatus, DocumentView
from archive.records.rules import Rule
from archive.search import SORTS, Hit, Visibility, order_key, unit_path
from archive.store import Archive
from archive.visibility import (
    AkteFiling,
    Filing,
    akte_filings,
    document_filing,
    document_filings,
    tax_secret_akten,
)
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


_CURSOR_MAX = 200  # characters; the cursors given out have about 40
_ORDER_KEYS = range(2**63)  # every `order_key` (a day number and 40 bits) is in it


def decode_cursor(cursor: str, sort: str) -> int:
    try:
        if len(cursor) <= _CURSOR_MAX:
            padded = cursor + "=" * (-len(cursor) % 4)
            name, key = base64.urlsafe_b64decode(padded).decode().split(":")
            if name == sort and int(key) in _ORDER_KEYS:
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
    tax_units: frozenset[str] = frozenset()  # units of the file plan's tax-secret types
    # token hash -> (holder, trusted until, revocation stamp when read)
    _known: dict[str, tuple[Principal, float, int]] = field(default_factory=dict, repr=False)

    @classmethod
    def over(cls, archive: Archive, plan: FilePlan) -> Service:
        return cls(
            archive,
            AccessLogWriter(archive),
            plan.organisation_scopes,
            revocations_file(archive.data_dir),
            frozenset(t.unit for t in plan.types if t.tax),
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

    # --- the one rule, applied to documents and Akten ------------------------------------

    def sees_document(self, who: Principal, filing: Filing | None) -> bool:
        """Whether the caller may see a document filed so (None: no such document)."""
        return filing is not None and who.may_see(filing.unit, filing.tax_secret)

    def akte_is_tax_secret(self, unit: str, holds_tax_secret: bool) -> bool:
        """An Akte is tax-secret when it holds a tax-secret document or belongs to a unit
        of (or above, or below) one of the file plan's tax-secret types: that a person has a
        tax file is itself covered by § 30 AO."""
        return holds_tax_secret or any(
            unit in unit_path(t) or t in unit_path(unit) for t in self.tax_units
        )

    def sees_akte(self, who: Principal, filing: AkteFiling | None) -> bool:
        """Whether the caller may see an Akte filed so (None: no such Akte)."""
        return filing is not None and who.may_see(
            filing.unit, self.akte_is_tax_secret(filing.unit, filing.holds_tax_secret)
        )

    # --- documents -----------------------------------------------------------------------

    def visible_document(self, who: Principal, document_id: str) -> DocumentView:
        """The document's facts, or 404 alike for a bad id, a missing, a disposed and an
        out-of-scope one. A missing and an out-of-scope one cost the same: one indexed read
        of the document's filing (ids follow from a scan's SHA-256, so the time of the 404
        must not tell whether the archive holds a scan)."""
        if not _DOCUMENT_ID.fullmatch(document_id):
            raise HTTPException(404, "no such document")
        with self.archive.reading() as connection:
            filing = document_filing(connection, document_id)
        if filing is None or filing.disposed or not self.sees_document(who, filing):
            raise HTTPException(404, "no such document")
        doc = self.archive.get(document_id)
        if doc is None or doc.disposed:  # destroyed meanwhile: only its tombstone is left
            raise HTTPException(404, "no such document")
        return doc

    def viewed_document(self, who: Principal, document_id: str) -> DocumentView:
        """A visible document's facts, its viewing written to the access log."""
        doc = self.visible_document(who, document_id)
        self.log(who, "view", document_id)
        return doc

    # --- Akten ---------------------------------------------------------------------------

    def visible_akte(self, who: Principal, aktenzeichen: str) -> AkteFiling:
        """The Akte filed under this Aktenzeichen, or 404 alike for a missing and an
        out-of-scope one: found by its own filing, not by documents that mention it."""
        if not _AKTENZEICHEN.fullmatch(aktenzeichen) or ".." in aktenzeichen:
            raise HTTPException(404, "no such file")
        with self.archive.reading() as connection:
            filing = akte_filings(connection, [aktenzeichen]).get(aktenzeichen)
        if filing is None or not self.sees_akte(who, filing):
            raise HTTPException(404, "no such file")
        return filing

    def akte_documents(self, who: Principal, aktenzeichen: str) -> list[dict[str, Any]]:
        """The documents filed in a visible Akte that the caller may see, oldest first."""
        from archive.catalog.models import Akte
        from archive.records.akten import documents_of

        filing = self.visible_akte(who, aktenzeichen)
        with self.archive.transaction() as session:
            akte = session.get(Akte, filing.id)
            rows = documents_of(session, akte) if akte is not None else []
            shown = [
                {
                    "document_id": d.id,
                    "doc_type": d.doc_type,
                    "doc_label": d.doc_label,
                    "title": d.title,
                    "document_date": d.document_date.isoformat() if d.document_date else None,
                }
                for d in rows
                if d.status != DocumentStatus.DISPOSED
                and self.sees_document(who, Filing(d.aktenplan_unit, d.tax_secret, False))
            ]
        self.log(who, "file", None, aktenzeichen=aktenzeichen)
        return shown

    def akte_facts(self, who: Principal, aktenzeichen: str) -> dict[str, Any]:
        """Title, unit, office, opened, zdA, retention end and state of a visible Akte.

        Not its number of documents: that would count those outside the caller's scope.
        """
        from archive.records.akten import akte_facts

        self.visible_akte(who, aktenzeichen)
        with self.archive.transaction() as session:
            akte = akte_facts(session, aktenzeichen, date.today())
        if akte is None:
            return {}
        facts = akte.to_json()
        facts["retention_state"] = facts.pop("state")
        return facts

    def retention_view(self, who: Principal, rules: Mapping[str, Rule]) -> dict[str, Any]:
        """The retention report as far as the caller may see: Akten counted and named, and
        unfiled documents counted, only where `sees_akte` and `sees_document` allow."""
        from archive.records.akten import retention_report

        today = date.today()
        with self.archive.transaction() as session:
            taxed = tax_secret_akten(session)
            report = retention_report(
                session, rules, today, today,
                akte_visible=lambda a: self.sees_akte(
                    who, AkteFiling(a.id, a.aktenzeichen, a.aktenplan_unit, a.id in taxed)
                ),
                document_visible=who.may_see,
            )  # fmt: skip
        return report.to_json()

    # --- the access log ------------------------------------------------------------------

    def access_log_entries(
        self, who: Principal, limit: int, document_id: str | None = None
    ) -> list[dict[str, Any]]:
        """The newest entries, each shown as far as the caller may see what it names.

        An entry naming a document or Akte the caller may not see, or a search made with a
        token that may see more than the caller, is withheld: when, who and what kind of
        access stay (the log does not hide that an access happened), the document, Akte,
        search words and hit count are left out. For a document the caller may not see the
        answer is no entries, as for one that does not exist.
        """
        self.access_log.flush()
        with self.archive.transaction() as session:
            if document_id is not None and not self.sees_document(
                who, document_filing(session, document_id)
            ):
                return []
            entries = read_access_log(session, limit, document_id)
            documents = document_filings(session, (e.document_id for e in entries if e.document_id))
            akten = akte_filings(session, (_named_akte(e) for e in entries if _named_akte(e)))
            searchers = principals_of(
                session, (e.token_id for e in entries if e.action == Action.SEARCH)
            )
        shown = []
        for entry in entries:
            if entry.document_id is not None:
                visible = self.sees_document(who, documents.get(entry.document_id))
            elif entry.action == Action.FILE:
                visible = self.sees_akte(who, akten.get(_named_akte(entry)))
            elif entry.action == Action.SEARCH and entry.token_id in searchers:
                searcher = searchers[entry.token_id].with_organisations(self.org_units)
                visible = who.sees_all_that(searcher)
            else:
                visible = False
            shown.append(_shown_entry(entry, visible))
        return shown

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


def _named_akte(entry: AccessLogView) -> str:
    """The Aktenzeichen an entry of an opened Akte names ("" for other entries)."""
    return str(entry.detail.get("aktenzeichen") or "") if entry.action == Action.FILE else ""


def _shown_entry(entry: AccessLogView, visible: bool) -> dict[str, Any]:
    if visible:
        return {**entry.to_json(), "withheld": False}
    return {**entry.to_json(), "document_id": None, "detail": {}, "withheld": True}


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

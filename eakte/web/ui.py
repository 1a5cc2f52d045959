"""The clerk's web pages, in German, served by the API process: sign in, search, document, Akte.

Server-rendered HTML with plain forms and links (works with keyboard and screen readers, no
script needed), one bundled stylesheet, nothing from a CDN. Signing in with a token opens a
server-side session whose random id is all the browser keeps (`eakte.web.sessions`); every
POST form carries a token bound to that cookie. The same scope rules and access log apply as
in the API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException

from archive.access import Principal
from archive.catalog import CatalogUnreachableError
from archive.records.akten import Rule
from archive.search import SORTS, Hit, SearchFilters, SearchQueryError, SearchUnavailableError
from classifiers.fileplan import FilePlan
from eakte.labels import IDENTIFIER_LABELS, STATE_LABELS, STATUS_LABELS
from eakte.web import sessions
from eakte.web.errors import UNAVAILABLE, invalid_request
from eakte.web.service import (
    MAX_OFFSET,
    Service,
    Shared,
    decode_cursor,
    default_sort,
    next_cursor,
    visibility,
)

_YEAR = re.compile(r"[0-9]{4}")
PAGE_SIZE = 20
_HERE = Path(__file__).parent
STATIC = _HERE / "static"  # served at /static
_templates = Jinja2Templates(directory=_HERE / "templates")
_templates.env.globals.update(STATUS=STATUS_LABELS, KIND=IDENTIFIER_LABELS)


@pass_context
def _csrf_field(context: Any) -> Markup:
    """The hidden field every POST form carries (`sessions.form_is_ours` checks it)."""
    token = escape(context.get("csrf") or "")
    return Markup(f'<input type="hidden" name="csrf" value="{token}">')


_templates.env.globals["csrf_field"] = _csrf_field
_templates.env.filters["filtern"] = lambda base, change: {
    k: v for k, v in {**base, **change}.items() if v not in (None, "")
}
_ERRORS = {
    403: ("Kein Zugriff", "Diese Seite ist der Registratur und der Administration vorbehalten."),
    404: ("Nicht gefunden", "Dieses Dokument oder diese Akte gibt es nicht, oder Sie dürfen sie nicht sehen."),
    422: ("Ungültige Angabe", "Die Adresse enthält eine ungültige Angabe. Bitte die Suche neu beginnen."),
}  # fmt: skip
# 503: a server away, by what is away (eakte.web.errors.UNAVAILABLE)
_UNAVAILABLE = {
    SearchUnavailableError: ("Suche nicht erreichbar", "Die Suche ist gerade nicht erreichbar. Bitte versuchen Sie es später noch einmal (in etwa einer Minute)."),
    CatalogUnreachableError: ("Archiv nicht erreichbar", "Das Archiv ist gerade nicht erreichbar. Bitte versuchen Sie es später noch einmal (in etwa einer Minute)."),
}  # fmt: skip
_FOREIGN_FORM = ("Formular abgelehnt", "Das Formular kam nicht von dieser Seite oder ist veraltet. Bitte die Seite neu laden und noch einmal senden.")  # fmt: skip
_templates.env.filters["datum"] = lambda iso: (
    ".".join(reversed(str(iso)[:10].split("-"))) if iso else "\u2013"
)

router = APIRouter(include_in_schema=False)


class SignIn(Exception):
    """No valid token in the cookie: send the browser to the sign-in page."""


@dataclass(frozen=True)
class PlanView:
    """What the pages show and apply of the file plan."""

    labels: dict[str, str]  # document type -> its name
    unit_titles: dict[str, str]  # Aktenplan unit -> its title
    rules: dict[str, Rule]  # Aktenplan unit -> its retention rule

    @classmethod
    def of(cls, plan: FilePlan) -> PlanView:
        return cls(
            {t.key: t.label for t in plan.types},
            {u.id: u.title for u in plan.units},
            {u.id: Rule.of(u.retention.model_dump()) for u in plan.units},
        )


async def _plan_view(request: Request) -> PlanView:
    return request.app.state.plan_view


Plan = Annotated[PlanView, Depends(_plan_view)]


def _clerk(request: Request, service: Service) -> Principal:
    """The signed-in clerk; called in the route, after its parameters are found valid."""
    found = sessions.signed_in(request, service)
    if found is None or not found.may_read_documents:
        raise SignIn
    return found


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("csrf", sessions.page_form_token(request))
    return _templates.TemplateResponse(request, name, context, status_code=status)


def _foreign_form(request: Request) -> HTMLResponse:
    """A form another site sent, or one without this browser's token: refused, nothing done."""
    titel, text = _FOREIGN_FORM
    return _page(request, "fehler.html", 403, who=None, titel=titel, text=text, csrf=None)


def _sign_in_page(request: Request, status: int = 200, fehler: str | None = None) -> Response:
    return sessions.with_sign_in_token(
        request,
        lambda csrf: _page(request, "anmelden.html", status, who=None, fehler=fehler, csrf=csrf),
    )


@router.get("/")
def root() -> Response:
    return RedirectResponse("/ui/", status_code=303)


@router.get("/ui/anmelden")
def sign_in_form(request: Request) -> Response:
    return _sign_in_page(request)


@router.post("/ui/anmelden")
def sign_in(
    request: Request, service: Shared, token: str = Form(""), csrf: str = Form("")
) -> Response:
    """Check the form, then the token; a valid one opens a session (the cookie: its id)."""
    if not sessions.form_is_ours(request, csrf, before_sign_in=True):
        return _foreign_form(request)
    found = service.principal_for_secret(token.strip()) if token.strip() else None
    if found is None or not found.may_read_documents:
        fehler = (
            "Dieser Zugangsschlüssel ist unbekannt oder gesperrt."
            if found is None
            else "Mit diesem Zugangsschlüssel (Scannen) können keine Dokumente gelesen werden."
        )
        return _sign_in_page(request, 401 if found is None else 403, fehler)
    response = RedirectResponse("/ui/", status_code=303)
    sessions.start(request, response, service, found)
    return response


@router.post("/ui/abmelden")
def sign_out(request: Request, service: Shared, csrf: str = Form("")) -> Response:
    """End the session in the catalog, so its cookie is worthless wherever a copy is."""
    if not sessions.form_is_ours(request, csrf):
        return _foreign_form(request)
    response = RedirectResponse("/ui/anmelden", status_code=303)
    sessions.end(request, response, service)
    return response


@router.get("/ui/")
def search(
    request: Request,
    service: Shared,
    plan: Plan,
    q: str = "",
    typ: str | None = None,
    einheit: str | None = None,
    jahr: str | None = None,
    sortierung: str = "",
    seite: int = 0,
    weiter: str | None = None,
) -> HTMLResponse:
    caller = _clerk(request, service)
    sort = default_sort(sortierung, q)
    context: dict[str, Any] = {
        "who": caller, "q": q, "typ": typ, "einheit": einheit, "jahr": jahr,
        "sortierung": sortierung if sortierung in SORTS else "", "labels": plan.labels,
        "einheiten": plan.unit_titles, "ergebnis": None, "fehler": None,
    }  # fmt: skip
    if not (q or typ or einheit or jahr):
        return _page(request, "suche.html", **context)
    offset = min(max(seite, 0), MAX_OFFSET // PAGE_SIZE) * PAGE_SIZE
    filters = _filters(caller, plan, typ, einheit, jahr)
    try:
        after = decode_cursor(weiter, sort) if weiter and sort != "relevance" else None
        hits = service.archive.search(
            q[:500], filters, PAGE_SIZE, offset=0 if after else offset, sort=sort, after=after
        )
        found = service.archive.facets(q[:500], filters)
        any_type = service.archive.facets(q[:500], replace(filters, doc_type=None))
    except SearchQueryError:
        context["fehler"] = (
            "Die Suchanfrage ist nicht lesbar. Bitte Klammern und Anführungszeichen prüfen."
        )
        return _page(request, "suche.html", 400, **context)
    service.log(caller, "search", q=q, hits=len(hits))
    context.update(
        ergebnis=hits,
        gesamt=sum(found["status"].values()),
        facetten={"typ": any_type["doc_type"], "einheit": found["unit"], "jahr": found["year"]},
        weitere=_more(hits, sort, offset),
    )
    return _page(request, "suche.html", **context)


def _filters(
    caller: Principal, plan: PlanView, typ: str | None, einheit: str | None, jahr: str | None
) -> SearchFilters:
    year = _year(jahr)
    return SearchFilters(
        doc_type=typ or None,
        unit=einheit if einheit in plan.unit_titles else None,
        date_from=date(year, 1, 1) if year else None,
        date_to=date(year, 12, 31) if year else None,
        visible=visibility(caller),
    )


def _year(jahr: str | None) -> int | None:
    """The year asked for: four digits 0-9 (str.isdigit() also passes "²³⁴⁵", which int()
    refuses), from 0001; 422 for anything else."""
    if not jahr:
        return None
    if not _YEAR.fullmatch(jahr) or jahr == "0000":
        raise HTTPException(422, "jahr: a year of four digits")
    return int(jahr)


def _more(hits: list[Hit], sort: str, offset: int) -> dict[str, Any] | None:
    """The link's change to the next page: a cursor in a date order, else the page number."""
    cursor = next_cursor(hits, PAGE_SIZE, sort)
    if cursor is not None:
        return {"weiter": cursor}
    if len(hits) == PAGE_SIZE and sort == "relevance" and offset + PAGE_SIZE < MAX_OFFSET:
        return {"seite": offset // PAGE_SIZE + 1}
    return None


@router.get("/ui/dokumente/{document_id}")
def document(request: Request, service: Shared, plan: Plan, document_id: str) -> HTMLResponse:
    caller = _clerk(request, service)
    doc = service.viewed_document(caller, document_id)
    shown = {**doc.to_json(), "doc_label": plan.labels.get(doc.doc_type, doc.doc_label)}
    return _page(request, "dokument.html", who=caller, doc=shown)


@router.get("/ui/dokumente/{document_id}/pdf")
def pdf(request: Request, service: Shared, document_id: str) -> FileResponse:
    return service.pdf_file(_clerk(request, service), document_id)


@router.get("/ui/dokumente/{document_id}/seiten/{number}.png")
def preview(request: Request, service: Shared, document_id: str, number: int) -> Response:
    return service.page_png(_clerk(request, service), document_id, number)


@router.get("/ui/aufbewahrung")
def retention(request: Request, service: Shared, plan: Plan) -> HTMLResponse:
    """The records manager's view: files by retention state, and the files due, as far as
    the records manager's scopes go."""
    caller = _clerk(request, service)
    if not caller.can_read_access_log:
        raise HTTPException(403, "records managers and administrators only")
    report = service.retention_view(caller, plan.rules)
    return _page(request, "aufbewahrung.html", who=caller, r=report, labels=STATE_LABELS)


@router.get("/ui/akten/{aktenzeichen:path}")
def akte(request: Request, service: Shared, aktenzeichen: str) -> HTMLResponse:
    caller = _clerk(request, service)
    documents = service.akte_documents(caller, aktenzeichen)
    return _page(request, "akte.html", who=caller, az=aktenzeichen, dokumente=documents)


async def errors_in_german(request: Request, exc: StarletteHTTPException) -> Response:
    """The clerk's pages answer errors with a page in German; the API stays JSON."""
    if not request.url.path.startswith("/ui/"):
        return await http_exception_handler(request, exc)
    titel, text = _ERRORS.get(
        exc.status_code, ("Fehler", "Die Anfrage konnte nicht bearbeitet werden.")
    )
    return _page(request, "fehler.html", exc.status_code, who=None, titel=titel, text=text)


async def invalid_in_german(request: Request, exc: RequestValidationError) -> Response:
    if not request.url.path.startswith("/ui/"):
        return invalid_request(request, exc)  # the API's: {"detail": "<reasons>"}
    titel, text = _ERRORS[422]
    return _page(request, "fehler.html", 422, who=None, titel=titel, text=text)


async def unavailable_in_german(request: Request, exc: Exception) -> Response:
    """A server away (503): the clerk's pages say so in German, with the API's Retry-After
    and nothing of the server's address; the API answers as `eakte.web.errors` does."""
    answer = next(UNAVAILABLE[c] for c in type(exc).__mro__ if c in UNAVAILABLE)(request, exc)
    if not request.url.path.startswith("/ui/"):
        return answer
    titel, text = next(_UNAVAILABLE[c] for c in type(exc).__mro__ if c in _UNAVAILABLE)
    page = _page(request, "fehler.html", 503, who=None, titel=titel, text=text)
    page.headers["Retry-After"] = answer.headers["Retry-After"]
    return page


def to_sign_in(_request: Request, _exc: SignIn) -> Response:
    return RedirectResponse("/ui/anmelden", status_code=303)

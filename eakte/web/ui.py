"""The clerk's web pages, in German, served by the API process: sign in, search, document, Akte.

Server-rendered HTML with plain forms and links (works with keyboard and screen readers, no
script needed), one bundled stylesheet, nothing from a CDN. The token a clerk signs in with is
kept in an HttpOnly, SameSite=Strict cookie and checked like a bearer token on every request;
the same scope rules and access log apply as in the API.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Form, HTTPException, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from archive.access import Principal
from archive.records.akten import Rule
from archive.search import SORTS, SearchFilters, SearchQueryError
from classifiers.fileplan import FilePlan
from eakte.labels import IDENTIFIER_LABELS, STATE_LABELS, STATUS_LABELS
from eakte.web.api import (
    MAX_OFFSET,
    Service,
    decode_cursor,
    default_sort,
    encode_cursor,
    visibility,
)

COOKIE = "eakte_token"
PAGE_SIZE = 20
_HERE = Path(__file__).parent
_templates = Jinja2Templates(directory=_HERE / "templates")
_templates.env.globals.update(STATUS=STATUS_LABELS, KIND=IDENTIFIER_LABELS)
_templates.env.filters["filtern"] = lambda base, change: {
    k: v for k, v in {**base, **change}.items() if v not in (None, "")
}
_ERRORS = {
    403: ("Kein Zugriff", "Diese Seite ist der Registratur und der Administration vorbehalten."),
    404: ("Nicht gefunden", "Dieses Dokument oder diese Akte gibt es nicht, oder Sie dürfen sie nicht sehen."),
    422: ("Ungültige Angabe", "Die Adresse enthält eine ungültige Angabe. Bitte die Suche neu beginnen."),
}  # fmt: skip
_templates.env.filters["datum"] = lambda iso: (
    ".".join(reversed(str(iso)[:10].split("-"))) if iso else "\u2013"
)


class _SignIn(Exception):
    """No valid token in the cookie: send the browser to the sign-in page."""


def mount_ui(app: FastAPI, service: Service, plan: FilePlan) -> None:
    archive = service.archive
    router = APIRouter(prefix="/ui", include_in_schema=False)
    labels = {t.key: t.label for t in plan.types}
    unit_titles = {u.id: u.title for u in plan.units}
    rules = {u.id: Rule.of(u.retention.model_dump()) for u in plan.units}

    def who(request: Request) -> Principal:
        secret = request.cookies.get(COOKIE)
        found = service.principal_for_secret(secret) if secret else None
        if found is None or not found.may_read_documents:
            raise _SignIn
        return found

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return _templates.TemplateResponse(request, name, context, status_code=status)

    @router.get("/anmelden")
    def sign_in_form(request: Request) -> HTMLResponse:
        return page(request, "anmelden.html", who=None, fehler=None)

    @router.post("/anmelden")
    def sign_in(request: Request, token: str = Form(...)) -> Response:
        found = service.principal_for_secret(token.strip())
        if found is None or not found.may_read_documents:
            fehler = (
                "Dieser Zugangsschlüssel ist unbekannt oder gesperrt."
                if found is None
                else "Mit diesem Zugangsschlüssel (Scannen) können keine Dokumente gelesen werden."
            )
            return page(
                request, "anmelden.html", 401 if found is None else 403, who=None, fehler=fehler
            )
        response = RedirectResponse("/ui/", status_code=303)
        response.set_cookie(
            COOKIE,
            token.strip(),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    @router.post("/abmelden")
    def sign_out() -> Response:
        response = RedirectResponse("/ui/anmelden", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    @router.get("/")
    def search(
        request: Request,
        q: str = "",
        typ: str | None = None,
        einheit: str | None = None,
        jahr: str | None = None,
        sortierung: str = "",
        seite: int = 0,
        weiter: str | None = None,
    ) -> HTMLResponse:
        caller = who(request)
        sort = default_sort(sortierung, q)
        context: dict[str, Any] = {
            "who": caller, "q": q, "typ": typ, "einheit": einheit, "jahr": jahr,
            "sortierung": sortierung if sortierung in SORTS else "", "labels": labels, "einheiten": unit_titles,
            "ergebnis": None, "fehler": None,
        }  # fmt: skip
        if not (q or typ or einheit or jahr):
            return page(request, "suche.html", **context)
        year = int(jahr) if jahr and jahr.isdigit() and len(jahr) == 4 else None
        offset = min(max(seite, 0), MAX_OFFSET // PAGE_SIZE) * PAGE_SIZE
        visible = visibility(caller)
        filters = SearchFilters(
            doc_type=typ or None,
            unit=einheit if einheit in unit_titles else None,
            date_from=date(year, 1, 1) if year else None,
            date_to=date(year, 12, 31) if year else None,
            visible=visible,
        )
        try:
            after = decode_cursor(weiter, sort) if weiter and sort != "relevance" else None
            hits = archive.index.search(
                q[:500], filters, PAGE_SIZE, offset=0 if after else offset, sort=sort, after=after
            )
            found = archive.index.facets(q[:500], filters)
            any_type = archive.index.facets(q[:500], replace(filters, doc_type=None))
        except SearchQueryError:
            context["fehler"] = (
                "Die Suchanfrage ist nicht lesbar. Bitte Klammern und Anführungszeichen prüfen."
            )
            return page(request, "suche.html", 400, **context)
        service.log(caller, "search", q=q, hits=len(hits))
        last = hits[-1] if len(hits) == PAGE_SIZE else None
        more = None
        if last and sort != "relevance":
            more = {"weiter": encode_cursor(sort, last)}
        elif last and offset + PAGE_SIZE < MAX_OFFSET:
            more = {"seite": offset // PAGE_SIZE + 1}
        context.update(
            ergebnis=hits,
            gesamt=sum(found["status"].values()),
            facetten={"typ": any_type["doc_type"], "einheit": found["unit"], "jahr": found["year"]},
            weitere=more,
        )
        return page(request, "suche.html", **context)

    @router.get("/dokumente/{document_id}")
    def document(request: Request, document_id: str) -> HTMLResponse:
        caller = who(request)
        doc = service.visible_document(caller, document_id)
        service.log(caller, "view", document_id)
        doc = {**doc, "doc_label": labels.get(doc["doc_type"], doc["doc_label"])}
        return page(request, "dokument.html", who=caller, doc=doc)

    @router.get("/dokumente/{document_id}/pdf")
    def pdf(request: Request, document_id: str) -> FileResponse:
        return service.pdf_file(who(request), document_id)

    @router.get("/dokumente/{document_id}/seiten/{number}.png")
    def preview(request: Request, document_id: str, number: int) -> Response:
        return service.page_png(who(request), document_id, number)

    @router.get("/aufbewahrung")
    def retention(request: Request) -> HTMLResponse:
        """The records manager's view: files by retention state, and the files due."""
        from archive.records.akten import retention_report

        caller = who(request)
        if not caller.can_read_access_log:
            raise HTTPException(403, "records managers and administrators only")
        today = date.today()
        with archive.transaction() as session:
            report = retention_report(session, rules, today, today)
        return page(request, "aufbewahrung.html", who=caller, r=report, labels=STATE_LABELS)

    @router.get("/akten/{aktenzeichen:path}")
    def akte(request: Request, aktenzeichen: str) -> HTMLResponse:
        caller = who(request)
        documents = service.akte_documents(caller, aktenzeichen)
        return page(request, "akte.html", who=caller, az=aktenzeichen, dokumente=documents)

    @app.exception_handler(StarletteHTTPException)
    async def errors_in_german(request: Request, exc: StarletteHTTPException) -> Response:
        """The clerk's pages answer errors with a page in German; the API stays JSON."""
        if not request.url.path.startswith("/ui/"):
            return await http_exception_handler(request, exc)
        titel, text = _ERRORS.get(
            exc.status_code, ("Fehler", "Die Anfrage konnte nicht bearbeitet werden.")
        )
        return page(request, "fehler.html", exc.status_code, who=None, titel=titel, text=text)

    @app.exception_handler(RequestValidationError)
    async def invalid_in_german(request: Request, exc: RequestValidationError) -> Response:
        if not request.url.path.startswith("/ui/"):
            return await request_validation_exception_handler(request, exc)
        titel, text = _ERRORS[422]
        return page(request, "fehler.html", 422, who=None, titel=titel, text=text)

    @app.exception_handler(_SignIn)
    def to_sign_in(_request: Request, _exc: _SignIn) -> Response:
        return RedirectResponse("/ui/anmelden", status_code=303)

    @app.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse("/ui/", status_code=303)

    app.include_router(router)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")

"""The clerk's web pages, in German, served by the API process: sign in, search, document, Akte.

Server-rendered HTML with plain forms and links (works with keyboard and screen readers, no
script needed), one bundled stylesheet, nothing from a CDN. The token a clerk signs in with is
kept in an HttpOnly, SameSite=Strict cookie and checked like a bearer token on every request;
the same scope rules and access log apply as in the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from archive.access import Principal
from archive.search import SearchFilters, SearchQueryError
from classifiers.fileplan import FilePlan
from pipelines.api import Service, visibility

COOKIE = "eakte_token"
PAGE_SIZE = 20
_HERE = Path(__file__).parent
_templates = Jinja2Templates(directory=_HERE / "templates")
_templates.env.globals.update(
    STATUS={"archived": "archiviert", "needs_review": "zur Prüfung"},
    KIND={
        "aktenzeichen": "Aktenzeichen",
        "steuernummer": "Steuernummer",
        "steuer_idnr": "Steuer-IdNr.",
        "iban": "IBAN",
        "flurstueck": "Flurstück",
    },
)
_templates.env.filters["datum"] = lambda iso: (
    ".".join(reversed(str(iso)[:10].split("-"))) if iso else "\u2013"
)


class _SignIn(Exception):
    """No valid token in the cookie: send the browser to the sign-in page."""


def mount_ui(app: FastAPI, service: Service, plan: FilePlan) -> None:
    archive = service.archive
    router = APIRouter(prefix="/ui", include_in_schema=False)
    labels = {t.key: t.label for t in plan.types}

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
    def search(request: Request, q: str = "", typ: str | None = None) -> HTMLResponse:
        caller = who(request)
        context: dict[str, Any] = {
            "who": caller, "q": q, "typ": typ, "labels": labels, "ergebnis": None, "fehler": None
        }  # fmt: skip
        if q or typ:
            filters = SearchFilters(doc_type=typ or None, visible=visibility(caller))
            try:
                hits = archive.index.search(q[:500], filters, PAGE_SIZE)
                all_types = archive.index.facets(q[:500], SearchFilters(visible=visibility(caller)))
            except SearchQueryError:
                context["fehler"] = (
                    "Die Suchanfrage ist nicht lesbar. Bitte Klammern und Anführungszeichen prüfen."
                )
                return page(request, "suche.html", 400, **context)
            service.log(caller, "search", q=q, hits=len(hits))
            context.update(
                ergebnis=hits,
                facetten=all_types["doc_type"],
                gesamt=sum(all_types["doc_type"].values())
                if not typ
                else all_types["doc_type"].get(typ, 0),
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

    @router.get("/akten/{aktenzeichen:path}")
    def akte(request: Request, aktenzeichen: str) -> HTMLResponse:
        caller = who(request)
        documents = service.akte_documents(caller, aktenzeichen)
        return page(request, "akte.html", who=caller, az=aktenzeichen, dokumente=documents)

    @app.exception_handler(_SignIn)
    def to_sign_in(_request: Request, _exc: _SignIn) -> Response:
        return RedirectResponse("/ui/anmelden", status_code=303)

    @app.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse("/ui/", status_code=303)

    app.include_router(router)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")

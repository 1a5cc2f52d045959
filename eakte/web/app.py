"""The web application: the query API and the clerk's pages over one archive.

`create_app` composes them; `app` is what each `eakte serve` worker process runs, configured
like every command. uvicorn starts workers as fresh processes that import this factory;
`eakte serve` has already opened the archive once (migrations, index upgrades) and passes its
data directory in EAKTE_DATA, so the workers only read.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from archive.store import Archive
from classifiers.fileplan import FilePlan, load_file_plan
from eakte.config import load_settings
from eakte.web import api, ui
from eakte.web.connections import RecycleConnections
from eakte.web.errors import UNAVAILABLE, describe_errors_as_answered, handle_user_errors
from eakte.web.headers import SecurityHeaders, policy_for
from eakte.web.service import Service
from eakte.web.sessions import SessionPolicy
from pipelines.settings import open_archive


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.service.access_log.close()  # every access is in the log before the process ends


def create_app(
    archive: Archive, plan: FilePlan | None = None, sessions: SessionPolicy | None = None
) -> FastAPI:
    """The API and the clerk's pages over one archive; the caller opens and closes it.

    `sessions`: the sign-in cookie's and sessions' settings (default: Secure, 30 min idle,
    10 h at most).
    """
    plan = plan or load_file_plan()
    app = FastAPI(
        title="eakte",
        version="1",
        description="Search and fetch archived documents. Scoped bearer tokens; tax secrecy.",
        lifespan=_lifespan,
        docs_url=None,  # served below, with a policy that lets its script run
        redoc_url=None,  # it loads fonts from Google; /docs describes the same
    )
    app.state.service = Service.over(archive, plan)
    app.state.sessions = sessions or SessionPolicy()
    app.state.plan_view = ui.PlanView.of(plan)
    app.add_exception_handler(StarletteHTTPException, ui.errors_in_german)
    app.add_exception_handler(RequestValidationError, ui.invalid_in_german)
    app.add_exception_handler(ui.SignIn, ui.to_sign_in)
    handle_user_errors(app)  # e.g. a SearchQueryError: 400 with its message
    for unavailable in UNAVAILABLE:  # 503: a page in German on the clerk's pages
        app.add_exception_handler(unavailable, ui.unavailable_in_german)
    app.include_router(ui.router)
    app.mount("/static", StaticFiles(directory=ui.STATIC), name="static")
    app.include_router(api.router)
    _api_description_page(app)
    describe_errors_as_answered(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RecycleConnections)
    return app


def _api_description_page(app: FastAPI) -> None:
    """/docs: Swagger UI, from its CDN, with the one inline script that starts it (and no
    favicon from FastAPI's site)."""
    page = get_swagger_ui_html(
        openapi_url="/openapi.json", title="eakte API", swagger_favicon_url="data:,"
    )
    html = bytes(page.body).decode()
    policy = policy_for(html, ["https://cdn.jsdelivr.net"])

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(html, headers={"Content-Security-Policy": policy})


def app() -> FastAPI:
    settings = load_settings()
    archive = open_archive(settings)
    application = create_app(
        archive, load_file_plan(settings.file_plan), SessionPolicy.of(settings)
    )
    # What start-up made lives as long as the worker: keep it out of the collector's full
    # passes, which otherwise walk it again and again while requests wait.
    gc.collect()
    gc.freeze()
    return application

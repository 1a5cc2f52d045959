"""The `eakte` command line: the root command and its groups, each in a module of its own."""

from __future__ import annotations

import typer

from eakte.cli.akten import akte_app
from eakte.cli.audit import audit_app
from eakte.cli.aussonderung import aussonderung_app
from eakte.cli.boundary import Commands
from eakte.cli.classifier import app as classifier_app
from eakte.cli.disposal import dispose_app
from eakte.cli.documents import fileplan, search, show, verify
from eakte.cli.evidence import evidence_app
from eakte.cli.holds import hold_app
from eakte.cli.index import app as index_app
from eakte.cli.ingest import demo, ingest
from eakte.cli.migrate import archive_app
from eakte.cli.qa import qa_app
from eakte.cli.retention import retention_app
from eakte.cli.review import app as review_app
from eakte.cli.serve import serve, server_app
from eakte.cli.tokens import app as token_app

app = typer.Typer(
    cls=Commands,  # user errors exit 2 with their message, bugs exit 1 as internal errors
    help="eakte: scanned municipal records in, searchable tamper-evident PDF/A archive out.",
    no_args_is_help=True,
    add_completion=False,
)
for command in (ingest, search, show, verify, fileplan, serve, demo):
    app.command()(command)
for group, name in (
    (server_app, "server"),
    (classifier_app, "classifier"),
    (review_app, "review"),
    (token_app, "token"),
    (akte_app, "akte"),
    (hold_app, "hold"),
    (retention_app, "retention"),
    (aussonderung_app, "aussonderung"),
    (dispose_app, "dispose"),
    (audit_app, "audit"),
    (evidence_app, "evidence"),
    (index_app, "index"),
    (qa_app, "qa"),
    (archive_app, "archive"),
):
    app.add_typer(group, name=name)

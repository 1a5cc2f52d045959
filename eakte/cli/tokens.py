"""`eakte token create|revoke|list`: the credentials of the query API.

A token has a role and scopes (Aktenplan units, "all", and "tax" for tax-secret documents,
§ 30 AO). Its secret is shown once, when it is made; the catalog keeps only its SHA-256.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from eakte.cli.common import (
    DataOption,
    JsonOption,
    console,
    file_plan_for,
    out,
    require_archive,
    settings_for,
)

if TYPE_CHECKING:
    from archive.access import Tokens

app = typer.Typer(help="Create, revoke and list the tokens of the query API.", no_args_is_help=True)


@app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="Unique name, e.g. the holder or system.")],
    role: Annotated[
        str,
        typer.Option("--role", help="clerk, case_system, records_manager, scanner or admin."),
    ],
    scope: Annotated[
        list[str],
        typer.Option(
            "--scope",
            help="Aktenplan unit (e.g. 9.2, covering the units below it), organisation "
            "unit of the file plan (e.g. org:63), 'all' or 'tax'; repeat for several.",
        ),
    ],
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a token; its secret is printed once and cannot be shown again."""
    from archive.access import ORG_PREFIX, AccessError

    known = file_plan_for(settings_for(data)).organisation_scopes
    for unknown in (s for s in scope if s.startswith(ORG_PREFIX)):
        if unknown[len(ORG_PREFIX) :] not in known:
            raise AccessError(
                f"the file plan has no organisation unit {unknown[len(ORG_PREFIX) :]!r}; "
                f"it has: {', '.join(ORG_PREFIX + k for k in known) or 'none'}"
            )
    with _tokens(data) as tokens:
        token, secret = tokens.create(name, role, scope)
        shown = token.to_json()
    note = "Keep this secret now: it is stored only as a hash and cannot be shown again."
    if as_json:
        out.print_json(json.dumps({**shown, "secret": secret, "note": note}))
        return
    _line(
        f"Token {shown['name']!r} created (id {shown['id']}, role {shown['role']}, "
        f"scopes {', '.join(shown['scopes']) or '-'})."
    )
    _line(secret)
    console.print(note, style="yellow", markup=False, highlight=False)


@app.command("revoke")
def revoke(
    name_or_id: Annotated[str, typer.Argument(metavar="NAME_OR_ID", help="Token name or id.")],
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke a token; it authenticates no more. Revoking twice keeps the first time."""
    from archive.access import revocations_file

    with _tokens(data) as tokens:
        token = tokens.revoke(name_or_id)
        shown = token.to_json()
    revocations_file(settings_for(data).data_dir).touch()  # running servers forget it now
    if as_json:
        out.print_json(json.dumps(shown))
    else:
        _line(f"Token {shown['name']!r} (id {shown['id']}) revoked at {shown['revoked_at']}.")


@app.command("list")
def list_command(data: DataOption = None, as_json: JsonOption = False) -> None:
    """All tokens, revoked ones included; never their secrets or hashes."""
    with _tokens(data) as registry:
        tokens = [t.to_json() for t in registry.list()]
    if as_json:
        out.print_json(json.dumps(tokens))
        return
    table = Table(title=f"API tokens ({len(tokens)})")
    for column in ("name", "role", "scopes", "created (UTC)", "last used", "revoked", "id"):
        table.add_column(column)
    for t in tokens:
        table.add_row(
            t["name"],
            t["role"],
            ", ".join(t["scopes"]),
            _short(t["created_at"]),
            _short(t["last_used_at"]) or "never",
            _short(t["revoked_at"]) or "-",
            t["id"],
            style="dim" if t["revoked_at"] else None,
        )
    out.print(table, markup=False, highlight=False)


@contextmanager
def _tokens(data: Any) -> Iterator[Tokens]:
    """The tokens of the configured archive (its catalog opened and migrated as usual)."""
    from archive.access import Tokens

    settings = settings_for(data)
    require_archive(settings)
    tokens = Tokens(settings.data_dir, settings.database_url)
    try:
        yield tokens
    finally:
        tokens.close()


def _short(value: str | None) -> str:
    return value[:19].replace("T", " ") if value else ""


def _line(text: str) -> None:
    out.print(text, markup=False, highlight=False, soft_wrap=True)

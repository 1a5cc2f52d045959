"""`eakte token`: driven through the command line against a real (empty) archive."""

from __future__ import annotations

import json
from pathlib import Path

from archive.access import authenticate, hash_secret, open_sessions
from tests.support.commands import invoke_eakte as _eakte


def _create(data: Path, name: str, role: str, *scopes: str, as_json: bool = False):  # type: ignore[no-untyped-def]
    scope_args = [arg for s in scopes for arg in ("--scope", s)]
    extra = ["--json"] if as_json else []
    return _eakte(
        "token", "create", "--name", name, "--role", role, *scope_args, "--data", str(data), *extra
    )


def _authenticates(data: Path, secret: str) -> bool:
    sessions = open_sessions(data)
    try:
        with sessions.begin() as session:
            return authenticate(session, secret) is not None
    finally:
        sessions.kw["bind"].dispose()


def test_create_prints_the_secret_once_and_list_never_shows_it(data: Path) -> None:
    created = _create(data, "Steuerstelle", "clerk", "9.2", "tax")
    assert created.exit_code == 0, created.output
    lines = created.stdout.strip().splitlines()
    secrets_shown = [line for line in lines if line.startswith("eakte_")]
    assert len(secrets_shown) == 1
    secret = secrets_shown[0]
    assert created.stdout.count(secret) == 1
    assert "'Steuerstelle' created" in lines[0] and "9.2, tax" in lines[0]
    assert "cannot be shown again" in created.stderr
    assert _authenticates(data, secret)

    as_json = _create(data, "Fachverfahren", "case_system", "all", as_json=True)
    assert as_json.exit_code == 0, as_json.output
    shown = json.loads(as_json.stdout)
    assert shown["secret"].startswith("eakte_") and "cannot be shown again" in shown["note"]
    assert (shown["name"], shown["role"], shown["scopes"]) == (
        "Fachverfahren",
        "case_system",
        ["all"],
    )

    for listing in (
        _eakte("token", "list", "--data", str(data)),
        _eakte("token", "list", "--data", str(data), "--json"),
    ):
        assert listing.exit_code == 0, listing.output
        for hidden in (secret, shown["secret"], hash_secret(secret), hash_secret(shown["secret"])):
            assert hidden not in listing.stdout
            assert hidden[:16] not in listing.stdout
    table = _eakte("token", "list", "--data", str(data)).stdout
    assert "Steuerstelle" in table and "Fachverfahren" in table and "9.2, tax" in table
    assert "never" in table  # not used yet
    listed = json.loads(_eakte("token", "list", "--data", str(data), "--json").stdout)
    assert [t["name"] for t in listed] == ["Steuerstelle", "Fachverfahren"]
    assert all("secret" not in t and "token_hash" not in t for t in listed)


def test_revoke_via_the_command_line(data: Path) -> None:
    created = _create(data, "scanner-1", "scanner", "0", as_json=True)
    secret = json.loads(created.stdout)["secret"]
    revoked = _eakte("token", "revoke", "scanner-1", "--data", str(data))
    assert revoked.exit_code == 0, revoked.output
    assert "'scanner-1'" in revoked.stdout and "revoked at" in revoked.stdout
    assert not _authenticates(data, secret)
    listed = json.loads(_eakte("token", "list", "--data", str(data), "--json").stdout)
    assert listed[0]["revoked_at"] is not None

    unknown = _eakte("token", "revoke", "nobody", "--data", str(data))
    assert unknown.exit_code == 2
    assert "no token named 'nobody'" in unknown.stderr


def test_bad_role_scope_or_duplicate_name_exit_2_naming_the_value(data: Path) -> None:
    bad_role = _create(data, "x", "chef", "9.2")
    assert bad_role.exit_code == 2
    assert "unknown role 'chef'" in bad_role.stderr and "records_manager" in bad_role.stderr
    bad_scope = _create(data, "x", "clerk", "9.2", "steuer")
    assert bad_scope.exit_code == 2
    assert "invalid scope 'steuer'" in bad_scope.stderr
    assert _create(data, "x", "clerk", "9.2").exit_code == 0
    duplicate = _create(data, "x", "admin", "all")
    assert duplicate.exit_code == 2
    assert "'x' already exists" in duplicate.stderr
    assert "eakte_" not in bad_role.stdout + bad_scope.stdout + duplicate.stdout
    listed = json.loads(_eakte("token", "list", "--data", str(data), "--json").stdout)
    assert [(t["name"], t["role"]) for t in listed] == [("x", "clerk")]


def test_organisation_scopes_must_be_in_the_file_plan(data: Path) -> None:
    unknown = _create(data, "y", "clerk", "org:99")
    assert unknown.exit_code == 2
    assert "no organisation unit '99'" in unknown.stderr and "org:63" in unknown.stderr
    made = json.loads(_create(data, "Bauordnungsamt", "clerk", "org:63", as_json=True).stdout)
    assert made["scopes"] == ["org:63"]


def test_no_archive_here(tmp_path: Path, data: Path) -> None:
    result = _eakte("token", "list", "--data", str(tmp_path / "elsewhere"))
    assert result.exit_code == 2
    assert "no archive here" in result.stderr
    assert not (tmp_path / "elsewhere" / "catalog.sqlite").exists()

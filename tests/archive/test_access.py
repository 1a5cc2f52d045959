"""Access control of the query API: roles, scopes, tax secrecy, tokens and the access log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.orm import sessionmaker

from archive.access import (
    ROLES,
    Access,
    AccessError,
    Principal,
    authenticate,
    create_token,
    hash_secret,
    list_tokens,
    log_accesses,
    open_sessions,
    read_access_log,
    revoke_token,
)
from archive.catalog.models import ApiToken, Base
from archive.store import Archive
from tests.support import catalogs


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker]:
    """A real archive's catalog, created (and migrated) by opening the archive."""
    Archive(tmp_path / "data").close()
    factory = open_sessions(tmp_path / "data")
    yield factory
    factory.kw["bind"].dispose()


def _principal(*scopes: str, role: str = "clerk") -> Principal:
    units = tuple(s for s in scopes if s not in ("all", "tax"))
    return Principal("t1", "test", role, units, "all" in scopes, "tax" in scopes)


def test_a_scope_covers_its_unit_and_the_units_below_it() -> None:
    p = _principal("9", "6.1.3")
    assert p.covers_unit("9") and p.covers_unit("9.2") and p.covers_unit("9.2.1")
    assert p.covers_unit("6.1.3") and p.covers_unit("6.1.3.4")
    assert not p.covers_unit("6.1") and not p.covers_unit("6.1.30") and not p.covers_unit("90")
    narrow = _principal("9.2")
    assert narrow.covers_unit("9.2.1")
    assert not narrow.covers_unit("9.20") and not narrow.covers_unit("9.20.1")
    assert not narrow.covers_unit("9") and not narrow.covers_unit("9.3")
    everything = _principal("all")
    assert everything.covers_unit("0.2.1") and everything.covers_unit("9.20")


def test_tax_secret_documents_need_the_tax_scope_in_addition() -> None:
    assert _principal("9.2").may_see("9.2.1", tax_secret=False)
    assert not _principal("9.2").may_see("9.2.1", tax_secret=True)
    assert _principal("9.2", "tax").may_see("9.2.1", tax_secret=True)
    assert not _principal("tax").may_see("9.2.1", tax_secret=True)  # tax alone: no unit
    assert not _principal("9.2", "tax").may_see("6.1.3", tax_secret=True)
    assert not _principal("all").may_see("9.2.1", tax_secret=True)
    assert _principal("all", "tax").may_see("9.2.1", tax_secret=True)


def test_only_records_managers_and_admins_read_the_access_log() -> None:
    readers = {role for role in ROLES if _principal("all", role=role).can_read_access_log}
    assert readers == {"records_manager", "admin"}


def test_create_authenticate_revoke(sessions: sessionmaker) -> None:
    with sessions.begin() as session:
        token, secret = create_token(session, "Sachbearbeitung Steuer", "clerk", ["9.2", "tax"])
        token_id = token.id
    assert secret.startswith("eakte_") and len(secret) > 40
    assert token.scopes == ["9.2", "tax"] and token.last_used_at is None

    with sessions.begin() as session:
        principal = authenticate(session, secret)
    assert principal == Principal(
        token_id, "Sachbearbeitung Steuer", "clerk", ("9.2",), all_units=False, tax=True
    )
    with sessions.begin() as session:
        # authenticating writes nothing: requests never wait on the catalog
        assert session.get(ApiToken, token_id).last_used_at is None
        assert authenticate(session, secret + "x") is None
        assert authenticate(session, "") is None

    with sessions.begin() as session:
        revoked = revoke_token(session, "Sachbearbeitung Steuer")
        first = revoked.revoked_at
    assert first is not None
    with sessions.begin() as session:
        assert authenticate(session, secret) is None
        again = revoke_token(session, token_id).revoked_at  # by id; the first time is kept
        assert again is not None  # SQLite hands back naive UTC
        assert again.replace(tzinfo=None) == first.replace(tzinfo=None)
        with pytest.raises(AccessError, match="no token named 'nobody'"):
            revoke_token(session, "nobody")


def test_only_the_hash_of_the_secret_is_stored(sessions: sessionmaker, tmp_path: Path) -> None:
    with sessions.begin() as session:
        _, secret = create_token(session, "Fachverfahren", "case_system", ["all"])
    with sessions.begin() as session:
        (token,) = list_tokens(session)
        stored = session.get(ApiToken, token.id).token_hash
        assert stored == hash_secret(secret) and len(stored) == 64
    sessions.kw["bind"].dispose()  # everything checkpointed out of the write-ahead log
    stored = catalogs.dump(tmp_path / "data")
    assert hash_secret(secret).encode() in stored
    assert secret.encode() not in stored
    assert secret.removeprefix("eakte_").encode() not in stored


def test_duplicate_names_and_bad_roles_or_scopes_are_refused(sessions: sessionmaker) -> None:
    with sessions.begin() as session:
        create_token(session, "scanner-1", "scanner", ["0"])
    with sessions.begin() as session:
        with pytest.raises(AccessError, match="'scanner-1' already exists"):
            create_token(session, "scanner-1", "clerk", ["all"])
        with pytest.raises(AccessError, match=r"unknown role 'boss'.*clerk, case_system"):
            create_token(session, "x", "boss", ["all"])
        for bad in ("9.", "9..2", "a.b", "ALL", "", "9.2 tax"):
            with pytest.raises(AccessError, match=re.escape(f"invalid scope {bad!r}")):
                create_token(session, "x", "clerk", ["9", bad])
        with pytest.raises(AccessError, match="list of scopes"):
            create_token(session, "x", "clerk", "9.2")
        with pytest.raises(AccessError, match="needs a name"):
            create_token(session, "  ", "clerk", ["9"])
    with sessions.begin() as session:
        assert [t.name for t in list_tokens(session)] == ["scanner-1"]


def test_access_log_is_written_and_read_newest_first(sessions: sessionmaker) -> None:
    with sessions.begin() as session:
        token, secret = create_token(session, "Registratur", "records_manager", ["all", "tax"])
    with sessions.begin() as session:
        principal = authenticate(session, secret)
        assert principal is not None
        written = log_accesses(
            session,
            [
                Access(principal, "search", detail={"q": "Bauantrag", "hits": 2}),
                Access(principal, "view", document_id="doc-1"),
                Access(principal, "download", document_id="doc-2"),
            ],
        )
        assert written == 3
        with pytest.raises(AccessError, match="unknown action 'delete'"):
            Access(principal, "delete", document_id="doc-1")
    with sessions.begin() as session:
        entries = read_access_log(session)
        assert [(e.action, e.document_id) for e in entries] == [
            ("download", "doc-2"),
            ("view", "doc-1"),
            ("search", None),
        ]
        assert entries[2].detail == {"q": "Bauantrag", "hits": 2}
        assert {(e.token_id, e.token_name, e.role) for e in entries} == {
            (token.id, "Registratur", "records_manager")
        }
        assert [e.action for e in read_access_log(session, document_id="doc-1")] == ["view"]
        assert len(read_access_log(session, limit=2)) == 2
    with sessions.begin() as session:
        # the last use is the newest access, and an older batch does not move it back
        last_used = session.get(ApiToken, token.id).last_used_at
        assert last_used is not None
        log_accesses(
            session, [Access(principal, "view", "doc-3", at=datetime(2020, 1, 1, tzinfo=UTC))]
        )
        assert session.get(ApiToken, token.id).last_used_at == last_used


def test_migration_creates_the_tables_as_the_models_declare(sessions: sessionmaker) -> None:
    engine = sessions.kw["bind"]
    assert {"api_tokens", "access_log"} <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_organisation_scopes_resolve_through_the_plan_and_fail_closed() -> None:
    from archive.access import validate_scopes

    assert validate_scopes(["org:63", "tax"]) == ["org:63", "tax"]
    with pytest.raises(AccessError, match="invalid scope 'org:'"):
        validate_scopes(["org:"])
    token = ApiToken(id="t", name="Bauamt", role="clerk", scopes=["org:63", "9.2.3"])
    from archive.access import principal_for

    principal = principal_for(token)
    assert principal.organisations == ("63",) and principal.units == ("9.2.3",)
    assert not principal.covers_unit("6.1.3")
    resolved = principal.with_organisations({"63": ("6.1", "0.3.1"), "22": ("9.2",)})
    assert resolved.covers_unit("6.1.3") and resolved.covers_unit("0.3.1")
    assert resolved.covers_unit("9.2.3") and not resolved.covers_unit("9.2.1")
    # an organisation unit the plan no longer has grants nothing
    assert principal.with_organisations({}).units == ("9.2.3",)

"""Who may see what: API tokens, their roles and scopes, and the access log.

Tax files fall under tax secrecy (§ 30 AO): a token sees a document only when one of its
scopes covers the document's Aktenplan unit and, for a tax-secret document, it also holds the
scope "tax". Every access made with a token is written to the access log.

Scopes: an Aktenplan unit id or prefix ("9", "9.2", "6.1.3") covers that unit and every unit
below it ("9" covers "9.2.1"; "9.2" does not cover "9.20"); "org:63" covers the units the file
plan gives organisation unit 63 (resolved by the caller with `Principal.with_organisations`);
"all" covers every unit; "tax" is needed in addition to see tax-secret documents.

Only the SHA-256 of a token's secret is stored; the secret is shown once, when it is made.
The functions here take a SQLAlchemy session and leave the transaction to the caller:

    sessions = open_sessions(data_dir)
    with sessions.begin() as session:
        principal = authenticate(session, secret)
"""

from __future__ import annotations

import enum
import hashlib
import os
import re
import secrets
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from archive.catalog import catalog_url as catalog_url_of
from archive.catalog import open_catalog
from archive.catalog.models import AccessLogEntry, ApiToken
from archive.documents import JsonView
from archive.errors import ArchiveError
from archive.identity import IdentityError, identity_key
from archive.search import unit_path


class Role(enum.StrEnum):
    CLERK = "clerk"
    CASE_SYSTEM = "case_system"
    RECORDS_MANAGER = "records_manager"
    SCANNER = "scanner"  # delivers scans; neither searches nor reads what is archived
    ADMIN = "admin"


class Action(enum.StrEnum):
    """What an access did; the access log keeps it."""

    SEARCH = "search"
    VIEW = "view"
    DOWNLOAD = "download"
    PREVIEW = "preview"
    FILE = "file"  # opened an Akte


ROLES = tuple(r.value for r in Role)
ACTIONS = tuple(a.value for a in Action)
ALL_UNITS = "all"
TAX = "tax"
SECRET_PREFIX = "eakte_"
UNIT_PATTERN = r"^\d+(\.\d+)*$"  # an Aktenplan unit id: "9", "9.2", "6.1.3"
ORG_PREFIX = "org:"
_UNIT = re.compile(UNIT_PATTERN)
_ORG = re.compile(r"^org:[\w-]{1,40}$")
_LOG_READERS = frozenset({Role.RECORDS_MANAGER, Role.ADMIN})
_NAME_MAX = 120


class AccessError(ArchiveError):
    """A bad role, scope, name or action, or an unknown or duplicate token."""


@dataclass(frozen=True)
class Principal:
    """The holder of an authenticated token, as the API sees it."""

    token_id: str
    name: str
    role: str
    units: tuple[str, ...]
    all_units: bool
    tax: bool
    organisations: tuple[str, ...] = ()  # "org:" scopes, by organisation unit id

    def with_organisations(self, org_units: Mapping[str, Iterable[str]]) -> Principal:
        """The principal with its organisation scopes resolved to Aktenplan units.

        An organisation unit the file plan no longer has grants nothing (fail closed).
        """
        extra = [u for org in self.organisations for u in org_units.get(org, ())]
        return replace(self, units=tuple(dict.fromkeys((*self.units, *extra))))

    def covers_unit(self, unit: str) -> bool:
        """Whether a scope covers `unit` (the unit itself or one below a scope's unit)."""
        return self.all_units or not set(self.units).isdisjoint(unit_path(unit))

    def may_see(self, unit: str, tax_secret: bool) -> bool:
        """Whether a document or Akte of `unit` may be shown; tax-secret ones also need the
        scope "tax". The one rule: search asks the index the same (`Visibility`)."""
        return self.covers_unit(unit) and (self.tax or not tax_secret)

    def sees_all_that(self, other: Principal) -> bool:
        """Whether everything `other` may see, this principal may see too (both with their
        organisation scopes resolved): e.g. what another token's search may have found."""
        if other.tax and not self.tax:
            return False
        if self.all_units:
            return True
        return not other.all_units and all(self.covers_unit(u) for u in other.units)

    @property
    def sees_everything(self) -> bool:
        """Every unit and tax-secret documents: counts of the whole archive are for this."""
        return self.all_units and self.tax

    @property
    def may_read_documents(self) -> bool:
        """Scanner tokens deliver scans; they neither search nor read what is archived."""
        return self.role != Role.SCANNER

    @property
    def can_read_access_log(self) -> bool:
        return self.role in _LOG_READERS

    @property
    def scopes(self) -> tuple[str, ...]:
        return (
            *((ALL_UNITS,) if self.all_units else self.units),
            *(ORG_PREFIX + org for org in self.organisations),
            *((TAX,) if self.tax else ()),
        )


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise AccessError(f"unknown role {role!r}; valid roles: {', '.join(ROLES)}")
    return role


def validate_scopes(scopes: Iterable[str]) -> list[str]:
    """The scopes, stripped and without repeats, in the order given; a bad one raises."""
    if isinstance(scopes, str):
        raise AccessError(f"scopes must be a list of scopes, not the string {scopes!r}")
    valid: list[str] = []
    for raw in scopes:
        scope = raw.strip() if isinstance(raw, str) else raw
        if not isinstance(scope, str) or not (
            scope in (ALL_UNITS, TAX) or _UNIT.fullmatch(scope) or _ORG.fullmatch(scope)
        ):
            raise AccessError(
                f"invalid scope {raw!r}; a scope is an Aktenplan unit such as '9.2' or "
                f"'6.1.3', an organisation unit such as 'org:63', '{ALL_UNITS}' (every unit) "
                f"or '{TAX}' (tax-secret documents)"
            )
        if scope not in valid:
            valid.append(scope)
    return valid


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class TokenColumns(Protocol):
    """What a principal is made from: a token row, or the columns of one read without ORM."""

    id: str
    name: str
    role: str
    scopes: list[str] | None


@dataclass(frozen=True)
class TokenView(JsonView):
    """What may be shown of a token: never its secret or hash."""

    id: str
    name: str
    role: Role
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenView:
        return cls(
            token.id, token.name, Role(token.role), list(token.scopes or ()), token.created_at,
            token.last_used_at, token.revoked_at,
        )  # fmt: skip


@dataclass(frozen=True)
class AccessLogView:
    """One line of the access log."""

    at: datetime
    token_id: str
    token_name: str
    role: str
    action: Action
    document_id: str | None
    detail: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """As the API shows it: the token by its name."""
        return {
            "at": self.at.isoformat(),
            "token": self.token_name,
            "role": self.role,
            "action": self.action.value,
            "document_id": self.document_id,
            "detail": self.detail,
        }


def principal_for(token: TokenColumns) -> Principal:
    scopes = list(token.scopes or ())
    return Principal(
        token_id=token.id,
        name=token.name,
        role=token.role,
        units=tuple(s for s in scopes if _UNIT.fullmatch(s)),
        all_units=ALL_UNITS in scopes,
        tax=TAX in scopes,
        organisations=tuple(s[len(ORG_PREFIX) :] for s in scopes if s.startswith(ORG_PREFIX)),
    )


def principals_of(db: Session | Connection, token_ids: Iterable[str]) -> dict[str, Principal]:
    """Token id -> its holder (organisation scopes not resolved), revoked ones too: whom an
    access-log entry was made by."""
    rows = db.execute(
        select(ApiToken.id, ApiToken.name, ApiToken.role, ApiToken.scopes).where(
            ApiToken.id.in_(sorted(set(token_ids)))
        )
    )
    return {row.id: principal_for(row) for row in rows}


def open_sessions(data_dir: Path, catalog_url: str | None = None) -> sessionmaker:
    """The catalog's session factory, opened (and migrated) exactly as `Archive` opens it."""
    return open_catalog(catalog_url_of(data_dir, catalog_url))


def create_token(
    session: Session, name: str, role: str, scopes: Iterable[str]
) -> tuple[TokenView, str]:
    """A new token and its secret; the secret is not stored and cannot be shown again."""
    name = _valid_name(name)
    role = validate_role(role)
    scope_list = validate_scopes(scopes)
    if session.scalar(select(ApiToken).where(ApiToken.name == name)) is not None:
        raise AccessError(f"a token named {name!r} already exists")
    _refuse_look_alike(session, name)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        id=str(uuid.uuid4()),
        name=name,
        role=role,
        scopes=scope_list,
        token_hash=hash_secret(secret),
        created_at=_now(),
    )
    session.add(token)
    try:
        session.flush()
    except IntegrityError as exc:  # made concurrently under the same name
        raise AccessError(f"a token named {name!r} already exists") from exc
    return TokenView.of(token), secret


_TOKEN_BY_HASH = select(
    ApiToken.id, ApiToken.name, ApiToken.role, ApiToken.scopes, ApiToken.revoked_at
).where(ApiToken.token_hash == bindparam("token_hash"))


def authenticate(db: Session | Connection, secret: str) -> Principal | None:
    """The principal of a valid secret, else None (unknown or revoked).

    One prepared read of five columns, on every API request: no ORM objects, no write, so
    requests never queue on a catalog write; `log_accesses` notes the use.
    """
    if not secret:
        return None
    token = db.execute(_TOKEN_BY_HASH, {"token_hash": hash_secret(secret)}).first()
    if token is None or token.revoked_at is not None:
        return None
    return principal_for(token)


def revocations_file(data_dir: Path) -> Path:
    """Touched by `eakte token revoke`: serving processes then forget the tokens they
    remember (its modification time, `revocation_stamp`) instead of trusting them for up
    to a second more."""
    return data_dir / "tokens.revoked"


def revocation_stamp(revocations: Path) -> int:
    """Changes whenever the revocations file is touched; one stat() call."""
    try:
        return os.stat(revocations).st_mtime_ns
    except FileNotFoundError:
        return 0


def revoke_token(session: Session, name_or_id: str) -> TokenView:
    """Revoke a token by name or id; revoking again keeps the first revocation time."""
    token = find_token(session, name_or_id)
    if token is None:
        raise AccessError(f"no token named {name_or_id!r}")
    if token.revoked_at is None:
        token.revoked_at = _now()
        session.flush()
    return TokenView.of(token)


def find_token(session: Session, name_or_id: str) -> ApiToken | None:
    return session.scalar(
        select(ApiToken).where(or_(ApiToken.id == name_or_id, ApiToken.name == name_or_id))
    )


def list_tokens(session: Session) -> list[TokenView]:
    rows = session.scalars(select(ApiToken).order_by(ApiToken.created_at, ApiToken.name))
    return [TokenView.of(t) for t in rows]


class Tokens:
    """The tokens of one archive's catalog, for those who manage them without opening the
    archive (`eakte token`): each call is one transaction."""

    def __init__(self, data_dir: Path, catalog_url: str | None = None) -> None:
        self._sessions = open_sessions(data_dir, catalog_url)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def create(self, name: str, role: str, scopes: Iterable[str]) -> tuple[TokenView, str]:
        with self._session() as session:
            return create_token(session, name, role, scopes)

    def revoke(self, name_or_id: str) -> TokenView:
        with self._session() as session:
            return revoke_token(session, name_or_id)

    def list(self) -> list[TokenView]:
        with self._session() as session:
            return list_tokens(session)

    def close(self) -> None:
        self._sessions.kw["bind"].dispose()


@dataclass(frozen=True)
class Access:
    """One access made with a token: a search, or a document viewed, downloaded, previewed,
    or a file (Akte) opened. Checked when made, so a bad one fails the request, not the log."""

    principal: Principal
    action: str
    document_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: _now())

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise AccessError(
                f"unknown action {self.action!r}; valid actions: {', '.join(ACTIONS)}"
            )


def log_accesses(session: Session, accesses: Iterable[Access]) -> int:
    """Write accesses to the log in one statement and note when each token was last used."""
    accesses = list(accesses)
    rows = [
        {
            "at": access.at,
            "token_id": access.principal.token_id,
            "token_name": access.principal.name,
            "role": access.principal.role,
            "action": access.action,
            "document_id": access.document_id,
            "detail": dict(access.detail),
        }
        for access in accesses
    ]
    if not rows:
        return 0
    session.execute(insert(AccessLogEntry), rows)
    last_use: dict[str, datetime] = {}
    for access in accesses:
        token_id = access.principal.token_id
        last_use[token_id] = max(access.at, last_use.get(token_id, access.at))
    for token_id, at in last_use.items():
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id)
            .where(or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < at))
            .values(last_used_at=at)
        )
    return len(rows)


def read_access_log(
    session: Session, limit: int = 100, document_id: str | None = None
) -> list[AccessLogView]:
    """The newest entries first, optionally only those of one document.

    The caller checks `Principal.can_read_access_log` before showing them.
    """
    query = select(AccessLogEntry).order_by(AccessLogEntry.id.desc()).limit(max(0, limit))
    if document_id is not None:
        query = query.where(AccessLogEntry.document_id == document_id)
    return [
        AccessLogView(
            e.at, e.token_id, e.token_name, e.role, Action(e.action), e.document_id, e.detail
        )
        for e in session.scalars(query)
    ]


def _valid_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise AccessError("a token needs a name")
    if len(name) > _NAME_MAX:
        raise AccessError(f"token name longer than {_NAME_MAX} characters")
    try:
        identity_key(name)
    except IdentityError as exc:
        raise AccessError(f"a token needs a visible name: {exc}") from exc
    return name


def _refuse_look_alike(session: Session, name: str) -> None:
    """A name that looks like another token's (e.g. a non-breaking hyphen, Cyrillic letters)
    would pass for that person in the records; it is refused."""
    key = identity_key(name)
    for other in session.scalars(select(ApiToken.name)):
        if identity_key(other) == key:
            raise AccessError(
                f"the token name {name!r} looks like the existing token {other!r}; "
                "one person, one name: choose a name that cannot be taken for another"
            )


def _now() -> datetime:
    return datetime.now(UTC)

"""Sign-in sessions of the clerk's pages, kept in the catalog.

A browser signed in with a token holds a random session id in its cookie, never the token:
a cookie that leaks (a shared machine, a backup of a browser profile) then grants no more
than that session, which ends on signing out, after a time, or with its token. The catalog
keeps only the SHA-256 of the id, so not even a copy of the catalog lets anyone take over a
session; and since it is the catalog, every `eakte serve` worker knows every session.

Whether a session is still alive is decided on every read, with the caller's lengths (`idle`:
since its last use, `lifetime`: since sign-in), so a shorter setting applies to sessions
already open. Its token is read in the same query: a revoked token ends its sessions at once.
The functions take a SQLAlchemy session (or a connection, for the read on every page) and
leave the transaction to the caller, like `archive.access`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from archive.access import Principal, principal_for
from archive.catalog.models import ApiToken, WebSession

# How stale the noted last use may get before a read writes it again: a page view writes to
# the catalog at most once a minute per session, and idleness is measured to the minute.
TOUCH_AFTER = timedelta(minutes=1)

_SESSION = (
    select(
        ApiToken.id,
        ApiToken.name,
        ApiToken.role,
        ApiToken.scopes,
        ApiToken.revoked_at,
        WebSession.created_at,
        WebSession.last_seen_at,
    )
    .join(ApiToken, ApiToken.id == WebSession.token_id)
    .where(WebSession.id_hash == bindparam("id_hash"))
)


@dataclass(frozen=True)
class LiveSession:
    """An open session: whose it is, and when it was last used (as noted)."""

    principal: Principal
    last_seen_at: datetime

    def needs_touch(self, now: datetime) -> bool:
        return now - self.last_seen_at >= TOUCH_AFTER


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def open_web_session(session: Session, token_id: str, now: datetime | None = None) -> str:
    """A new session of the token; returns its id, which is not stored and goes to the cookie."""
    now = now or _now()
    session_id = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id_hash=session_hash(session_id), token_id=token_id, created_at=now, last_seen_at=now
        )
    )
    return session_id


def live_session(
    db: Session | Connection,
    session_id: str,
    *,
    idle: timedelta,
    lifetime: timedelta,
    now: datetime | None = None,
) -> LiveSession | None:
    """The session's holder if the session exists, is neither idle nor too old, and its token
    is not revoked; else None. Reads only: `touch_web_session` notes the use."""
    if not session_id:
        return None
    now = now or _now()
    row = db.execute(_SESSION, {"id_hash": session_hash(session_id)}).first()
    if row is None or row.revoked_at is not None:
        return None
    created, seen = _utc(row.created_at), _utc(row.last_seen_at)
    if now - seen > idle or now - created > lifetime:
        return None
    return LiveSession(principal_for(row), seen)


def touch_web_session(session: Session, session_id: str, now: datetime | None = None) -> None:
    """Note that the session was used now (it stays alive for `idle` from here)."""
    session.execute(
        update(WebSession)
        .where(WebSession.id_hash == session_hash(session_id))
        .values(last_seen_at=now or _now())
    )


def end_web_session(session: Session, session_id: str) -> bool:
    """Sign out: the session is deleted, so its cookie is refused wherever it turns up."""
    result = session.execute(
        delete(WebSession).where(WebSession.id_hash == session_hash(session_id))
    )
    return bool(getattr(result, "rowcount", 0))


def end_stale_web_sessions(
    session: Session, *, idle: timedelta, lifetime: timedelta, now: datetime | None = None
) -> int:
    """Delete the sessions that can no longer be used (idle, too old, or of a revoked token):
    dead rows need not pile up, nor stay readable in the catalog."""
    now = now or _now()
    revoked = select(ApiToken.id).where(ApiToken.revoked_at.is_not(None))
    result = session.execute(
        delete(WebSession).where(
            or_(
                WebSession.last_seen_at < now - idle,
                WebSession.created_at < now - lifetime,
                WebSession.token_id.in_(revoked),
            )
        )
    )
    return int(getattr(result, "rowcount", 0))


def _utc(moment: datetime) -> datetime:
    """SQLite hands back the stored UTC times without their zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)

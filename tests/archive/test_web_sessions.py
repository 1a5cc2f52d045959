"""Sign-in sessions in the catalog: alive while used, within their lifetime and while their
token is valid; dead ones are removed when the next session opens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from archive.access import create_token, revoke_token
from archive.catalog.models import WebSession
from archive.store import Archive
from archive.web_sessions import (
    end_stale_web_sessions,
    end_web_session,
    live_session,
    open_web_session,
    session_hash,
)

IDLE, LIFETIME = timedelta(minutes=30), timedelta(hours=10)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_a_session_lives_while_used_within_its_lifetime_and_its_tokens_validity(
    tmp_path: Path,
) -> None:
    archive = Archive(tmp_path / "data")
    with archive.transaction() as s:
        token = create_token(s, "Sachbearbeiterin", "clerk", ["6"])[0]
        other = create_token(s, "Kollege", "clerk", ["9.2"])[0]
        ids = {
            "fresh": open_web_session(s, token.id, T0),
            "idle": open_web_session(s, token.id, T0 - IDLE - timedelta(seconds=1)),
            "old": open_web_session(s, token.id, T0 - LIFETIME - timedelta(seconds=1)),
            "revoked": open_web_session(s, other.id, T0),
            "signed out": open_web_session(s, token.id, T0),
        }
        s.query(WebSession).filter(WebSession.id_hash == session_hash(ids["old"])).update(
            {"last_seen_at": T0}
        )  # used a minute ago, but opened more than a working day ago
        revoke_token(s, "Kollege")
        assert end_web_session(s, ids["signed out"])
    with archive.reading() as db:
        alive = {
            name
            for name, session_id in ids.items()
            if live_session(db, session_id, idle=IDLE, lifetime=LIFETIME, now=T0)
        }
        assert alive == {"fresh"}
        found = live_session(db, ids["fresh"], idle=IDLE, lifetime=LIFETIME, now=T0)
        assert found is not None and found.principal.name == "Sachbearbeiterin"
        assert live_session(db, "", idle=IDLE, lifetime=LIFETIME, now=T0) is None
        assert live_session(db, "geraten", idle=IDLE, lifetime=LIFETIME, now=T0) is None
    with archive.transaction() as s:
        assert end_stale_web_sessions(s, idle=IDLE, lifetime=LIFETIME, now=T0) == 3
        assert s.scalar(select(func.count()).select_from(WebSession)) == 1
        stored = s.scalars(select(WebSession.id_hash)).all()
    assert stored == [session_hash(ids["fresh"])] and ids["fresh"] not in stored
    archive.close()

"""RFC 3161 timestamps of the audit chain's head, kept as DATA/timestamps/audit/<event id>.tsr.

A token over event N's id and hash vouches, through the chain, for every event up to N as it
was at the TSA's time. Verifying recomputes what each token must cover from the chain as it is
now: a rewritten event at or before N changes N's hash, so the token no longer matches; an
event after the newest token is covered by none, so a forged append shows without any anchor
kept by hand.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from archive.atomic import atomic_write_bytes
from archive.audit import hash_of_event, head
from archive.audit.chain import GENESIS
from archive.catalog import catalog_engine, is_embedded
from archive.catalog.models import AuditEvent
from archive.errors import ArchiveError
from archive.evidence.timestamps import (
    Stamp,
    TimestampError,
    digest,
    read_token,
    request_token,
    verify_token,
)

__all__ = [
    "HeadStamp",
    "StampCheck",
    "check_stamps",
    "head_message",
    "newest_stamp",
    "read_chain_head",
    "stamp_files",
    "stamp_head",
]

STAMPS_DIR = Path("timestamps") / "audit"


def head_message(event_id: int, event_hash: str) -> bytes:
    """The bytes whose SHA-256 is timestamped for the chain head at `event_id`."""
    return f"eakte audit chain head: event {event_id}, hash {event_hash}".encode("ascii")


@dataclass(frozen=True)
class HeadStamp:
    event_id: int
    stamp: Stamp
    path: Path


def _folder(data_dir: Path) -> Path:
    return data_dir / STAMPS_DIR


def stamp_files(data_dir: Path) -> list[tuple[int, Path]]:
    """(event id, token file) of every stored head timestamp, oldest first."""
    folder = _folder(data_dir)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*.tsr"):
        if path.stem.isdigit():
            found.append((int(path.stem), path))
    return sorted(found)


def read_chain_head(url: str) -> tuple[int, str, datetime | None]:
    """The newest event's id, hash and time (UTC) in the catalog at `url`, read-only and
    without opening (and so migrating) the catalog: cheap enough to run after every command.
    (0, GENESIS, None) when there is no trail to read (no catalog yet, one of an older
    version, or a server that cannot be reached: the command itself says so)."""
    if is_embedded(url):
        return _read_embedded_head(Path(str(make_url(url).database)))
    try:
        engine = catalog_engine(url, pooled=False)
        try:
            with engine.connect() as db:
                row = db.execute(text("SELECT last_id, last_hash FROM audit_head WHERE id = 1"))
                head_row = row.first()
                if head_row is None or not head_row[0]:
                    return 0, GENESIS, None
                at = db.scalar(select(AuditEvent.at).where(AuditEvent.id == head_row[0]))
        finally:
            engine.dispose()
    except (ArchiveError, SQLAlchemyError):
        return 0, GENESIS, None
    return int(head_row[0]), str(head_row[1]), _as_utc(at)


def _read_embedded_head(catalog: Path) -> tuple[int, str, datetime | None]:
    if not catalog.is_file():
        return 0, GENESIS, None
    uri = f"file:{quote(str(catalog.resolve()))}?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=30)) as db:
            row = db.execute("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetchone()
            if row is None or not row[0]:
                return 0, GENESIS, None
            at = db.execute("SELECT at FROM audit_events WHERE id = ?", (row[0],)).fetchone()
    except sqlite3.Error:
        return 0, GENESIS, None  # no trail yet (a catalog of an older version)
    return (
        int(row[0]),
        str(row[1]),
        _as_utc(datetime.fromisoformat(at[0]) if at and at[0] else None),
    )


def _as_utc(when: datetime | None) -> datetime | None:
    if when is not None and when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC) if when is not None else None


def newest_stamp(data_dir: Path) -> HeadStamp | None:
    """The timestamp of the newest head, as stored (not verified)."""
    files = stamp_files(data_dir)
    if not files:
        return None
    event_id, path = files[-1]
    return HeadStamp(event_id, read_token(path.read_bytes()), path)


def stamp_head(data_dir: Path, tsa_url: str, chain_head: tuple[int, str]) -> HeadStamp | None:
    """Timestamp the chain's newest event, `chain_head` = (id, hash) as read from the catalog
    (`archive.audit.head`); None when there is no event or it already has a timestamp.

    Takes no session: the TSA is asked over the network, with no catalog transaction open.
    """
    event_id, event_hash = chain_head
    if event_id == 0:
        return None
    path = _folder(data_dir) / f"{event_id:012d}.tsr"
    if path.exists():
        return None
    token = request_token(tsa_url, digest("sha256", head_message(event_id, event_hash)))
    atomic_write_bytes(path, token)
    return HeadStamp(event_id, read_token(token), path)


@dataclass
class StampCheck:
    """What checking the head timestamps against the chain found."""

    checked: int = 0
    newest: HeadStamp | None = None
    problems: list[str] = field(default_factory=list)


def check_stamps(
    session: Session, data_dir: Path, trust_anchor: Path | None, *, required: bool
) -> StampCheck:
    """Check each stored token (signature against `trust_anchor`, imprint against the chain at
    its event) and that no event comes after the newest token.

    `required` (a TSA is configured): events with no token at all are a problem too. Without a
    trust anchor the tokens cannot be checked, which is a problem when any exist.
    """
    result = StampCheck()
    files = stamp_files(data_dir)
    if files and trust_anchor is None:
        result.problems.append(
            f"{len(files)} timestamp(s) of the audit trail cannot be checked: no TSA "
            "certificate is configured (tsa_certificate in eakte.toml or EAKTE_TSA_CERTIFICATE)"
        )
        return result
    for event_id, path in files:
        token = path.read_bytes()
        try:
            stamp = verify_token(token, trust_anchor) if trust_anchor else read_token(token)
        except TimestampError as exc:
            result.problems.append(f"timestamp {path.name} of event {event_id}: {exc}")
            continue
        result.checked += 1
        result.newest = HeadStamp(event_id, stamp, path)
        event_hash = hash_of_event(session, event_id)
        if event_hash is None:
            result.problems.append(
                f"the timestamp of {stamp.describe()} covers event {event_id}, which the chain "
                "no longer has (events removed)"
            )
        elif digest(stamp.hash_name, head_message(event_id, event_hash)) != stamp.imprint:
            result.problems.append(
                f"event {event_id} no longer has the hash timestamped {stamp.describe()} "
                f"(the chain was rewritten at or before event {event_id})"
            )
    last_id, _ = head(session)
    newest_event = session.scalar(select(func.max(AuditEvent.id))) or 0
    last_id = max(last_id, newest_event)
    covered = files[-1][0] if files else 0
    if (files or required) and last_id > covered:
        newest = result.newest
        when = f", {newest.stamp.describe()}" if newest and newest.event_id == covered else ""
        after = (
            f"come after the newest timestamp (event {covered}{when})"
            if files
            else ("have no timestamp at all although a TSA is configured")
        )
        result.problems.append(
            f"event(s) {covered + 1} to {last_id} {after} and no timestamp covers them "
            "(appended without a timestamp: "
            "forged, or written while the TSA could not be reached; `eakte audit stamp` "
            "covers them once you are sure they are genuine)"
        )
    return result

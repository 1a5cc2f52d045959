"""A tamper-evident, hash-chained audit trail.

Every audit event carries the hash of the event before it and a hash over its own content
(including its position `id` and that `prev_hash`). Altering an event breaks its own hash;
removing, inserting, moving or re-hashing an event breaks the link of the event after it; and
removing events from the end shows only against a head (last id, last hash) that is recorded
separately, which is why `verify_chain` takes one.

Plain library: stdlib only, so the catalog, the CLI and an external checker can share it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["GENESIS", "Break", "Link", "event_hash", "make_link", "verify_chain"]

GENESIS = "0" * 64
"""The `prev_hash` of the first event: nothing came before it."""


@dataclass(frozen=True)
class Link:
    """One audit event as stored in the catalog, with its place in the chain."""

    id: int  # position (autoincrement id in the catalog), strictly increasing
    at: datetime  # UTC; a naive value (as SQLite returns it) is read as UTC
    event: str
    document_id: str | None
    batch_id: str | None
    detail: dict[str, Any]  # JSON-able
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Break:
    """The first event at which the chain does not hold, with a reason a records manager reads."""

    id: int | None  # None: the chain is shorter than its recorded head
    reason: str


def _utc_iso(at: datetime) -> str:
    # SQLite hands back naive datetimes that mean UTC; the hash must not depend on that.
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.isoformat(timespec="microseconds")


def event_hash(
    prev_hash: str,
    id: int,
    at: datetime,
    event: str,
    document_id: str | None,
    batch_id: str | None,
    detail: dict[str, Any],
) -> str:
    """SHA-256 (hex) over a canonical JSON encoding of every field of the event.

    The encoding is fixed (sorted keys, no whitespace, UTF-8, `at` as ISO 8601 UTC with
    microseconds) so that any other implementation can recompute it. The id is included so
    that moving or inserting an event changes what its hash must be; NaN/Infinity are refused
    because they are not JSON and would not survive a round trip through the catalog.
    """
    payload = {
        "at": _utc_iso(at),
        "batch_id": batch_id,
        "detail": detail,
        "document_id": document_id,
        "event": event,
        "id": id,
        "prev_hash": prev_hash,
    }
    text = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_link(
    prev_hash: str,
    id: int,
    at: datetime,
    event: str,
    document_id: str | None,
    batch_id: str | None,
    detail: dict[str, Any],
) -> Link:
    """The next link of a chain whose last hash is `prev_hash` (GENESIS for the first)."""
    digest = event_hash(prev_hash, id, at, event, document_id, batch_id, detail)
    return Link(id, at, event, document_id, batch_id, detail, prev_hash, digest)


def _hash_of(link: Link) -> str:
    return event_hash(
        link.prev_hash, link.id, link.at, link.event, link.document_id, link.batch_id, link.detail
    )


def _peeking(links: Iterable[Link]) -> Iterator[tuple[Link, Link | None]]:
    """Each link with the one after it: a broken link is told apart (moved, inserted, removed
    before it) by whether its neighbour still follows the chain, without loading the trail."""
    it = iter(links)
    cur = next(it, None)
    while cur is not None:
        nxt = next(it, None)
        yield cur, nxt
        cur = nxt


def verify_chain(links: Iterable[Link], head: tuple[int, str] | None = None) -> Break | None:
    """Walk `links` in the order given (the catalog's id order); return the first break or None.

    Each link is checked, in this order: its hash against its content (altered), its
    `prev_hash` against the previous link's hash (GENESIS for the first), its id against the
    previous id (strictly increasing), and against `head` = (last id, last hash) recorded apart
    from the trail (a head whose hash is GENESIS, e.g. (0, GENESIS), stands for a trail with no
    events yet). Without a head, events removed from the end (or forged ones appended with
    correct hashes) cannot be detected; pass one whenever it exists.

    When a link does not follow its predecessor, its neighbours decide which event is reported:
    two swapped events name the first of them, an event whose successor still follows its
    predecessor is the inserted one, and an event that its successor skips over is inserted
    too. The trail is streamed; only three links are held at a time.
    """
    head_id, head_hash = head if head is not None else (None, None)
    prev: Link | None = None
    before_prev: tuple[int | None, str] = (None, GENESIS)  # id, hash of the link before `prev`
    head_seen = False
    for cur, nxt in _peeking(links):
        if _hash_of(cur) != cur.hash:
            return Break(cur.id, f"event {cur.id}: hash does not match its content (altered)")
        expected = prev.hash if prev is not None else GENESIS
        if cur.prev_hash != expected:
            return _broken_link(cur, prev, nxt, before_prev, head)
        if prev is not None and cur.id <= prev.id:
            return Break(
                cur.id,
                f"event {cur.id} comes after event {prev.id} (reordered, or an event with a "
                "reused id was inserted)",
            )
        if head_id is not None:
            if head_hash == GENESIS:  # the head of a trail with no events yet
                return Break(
                    cur.id,
                    f"event {cur.id}: the recorded head says the chain has no events (written "
                    "without updating the head, or forged)",
                )
            if cur.id == head_id:
                head_seen = True
                if cur.hash != head_hash:
                    return Break(
                        cur.id,
                        f"event {cur.id}: hash does not match the recorded head (the chain was "
                        f"recomputed at or before event {cur.id})",
                    )
            elif cur.id > head_id:
                if head_seen:
                    reason = (
                        f"event {cur.id} comes after the recorded head at event {head_id} "
                        "(appended without updating the head, or forged)"
                    )
                else:
                    reason = (
                        f"event {cur.id}: its id is beyond the recorded head, event {head_id}, "
                        "which does not come before it (forged, or the head event was removed)"
                    )
                return Break(cur.id, reason)
        before_prev = (prev.id if prev is not None else None, expected)
        prev = cur
    if head_id is not None and head_hash != GENESIS and not head_seen:
        if prev is None:
            reason = f"the chain is empty but its head says event {head_id} (all events removed)"
        else:
            reason = (
                f"the chain ends at event {prev.id} but its head says event {head_id} "
                "(events removed from the end)"
            )
        return Break(None, reason)
    return None


def _broken_link(
    cur: Link,
    prev: Link | None,
    nxt: Link | None,
    before_prev: tuple[int | None, str],
    head: tuple[int, str] | None,
) -> Break:
    """Name the first event to look at when `cur` does not follow `prev`."""
    expected = prev.hash if prev is not None else GENESIS
    after = f"event {prev.id}" if prev is not None else "the start of the chain"
    if nxt is not None and nxt.hash == cur.prev_hash and nxt.prev_hash == expected:
        return Break(
            cur.id,
            f"event {cur.id} comes before event {nxt.id}, which it follows (the two were swapped)",
        )
    if nxt is not None and nxt.prev_hash == expected:
        return Break(
            cur.id,
            f"event {cur.id} does not belong in the chain: event {nxt.id} follows {after} "
            f"directly (event {cur.id} was inserted)",
        )
    if prev is not None and head == (prev.id, prev.hash):
        # the head vouches for `prev`, so the fault is with what comes after it
        return Break(
            cur.id,
            f"event {cur.id} comes after the recorded head at event {prev.id} and does not follow "
            "it (forged)",
        )
    before_prev_id, before_prev_hash = before_prev
    if prev is not None and cur.prev_hash == before_prev_hash:
        skipped = (
            f"follows event {before_prev_id} directly"
            if before_prev_id is not None
            else "starts the chain itself"
        )
        return Break(
            prev.id,
            f"event {prev.id} does not belong in the chain: event {cur.id} {skipped} "
            f"(event {prev.id} was inserted)",
        )
    if prev is None:
        return Break(
            cur.id,
            f"event {cur.id}: the first event does not start the chain (events before it were "
            "removed)",
        )
    return Break(
        cur.id,
        f"event {cur.id}: does not follow event {prev.id} (an event between them was removed, "
        f"or event {prev.id} was altered and its hash recomputed)",
    )

"""The hash chain shows every single-event tampering, and names the first event to look at."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from archive.audit.chain import GENESIS, Break, Link, event_hash, make_link, verify_chain

T0 = datetime(2024, 3, 4, 8, 15, 30, 123456, tzinfo=UTC)

# (event, document_id, batch_id, detail): what the store writes during a few scanned batches.
EVENTS: list[tuple[str, str | None, str | None, dict[str, Any]]] = [
    ("batch_started", None, "2024-03-04-bauamt", {"name": "Bauakten Müllerstraße"}),
    (
        "ingested",
        "7d6f1c2e-0b1a-4f7e-9a53-3c1f0d2a9e01",
        "2024-03-04-bauamt",
        {"datei": "Bauantrag_Müllerstraße_12.tif", "seiten": 14, "sha256": "ab" * 32},
    ),
    (
        "ocr_done",
        "7d6f1c2e-0b1a-4f7e-9a53-3c1f0d2a9e01",
        "2024-03-04-bauamt",
        {"ocr": {"sprache": "deu", "konfidenz": 0.93, "seiten_ohne_text": [3, 7]}},
    ),
    (
        "classified",
        "7d6f1c2e-0b1a-4f7e-9a53-3c1f0d2a9e01",
        None,
        {"typ": "bauantrag", "einheit": "6.1.3", "gründe": ["Stichwort „Bauantrag“", "Formular"]},
    ),
    ("quarantined", None, "2024-03-04-bauamt", {"datei": "Scan_0042.tif", "grund": "unleserlich"}),
    ("batch_finished", None, "2024-03-04-bauamt", {"ingested": 12, "quarantined": 1}),
    (
        "reviewed",
        "7d6f1c2e-0b1a-4f7e-9a53-3c1f0d2a9e01",
        None,
        {"prüfer": "Jürgen Weiß", "entscheidung": "bestätigt", "vorher": None},
    ),
    (
        "metadata_changed",
        "0f3b8e4a-5c6d-4e7f-8a9b-0c1d2e3f4a5b",
        None,
        {"feld": "aktenzeichen", "alt": "63-12/2019", "neu": "63-12/2019-Ä"},
    ),
    ("access_granted", "0f3b8e4a-5c6d-4e7f-8a9b-0c1d2e3f4a5b", None, {"rolle": "Sachbearbeitung"}),
    ("exported", None, None, {"ziel": "Stadtarchiv", "format": "xdomea", "akten": ["63-12/2019"]}),
    ("batch_started", None, "2024-03-05-steuer", {"name": "Gewerbesteuer 2015"}),
    (
        "ingested",
        "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
        "2024-03-05-steuer",
        {"datei": "Bescheid 2015 (Kopie).pdf", "seiten": 2, "leer": {}},
    ),
    ("closed", "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d", None, {"zdA": "2015-03-10"}),
    ("hold_placed", None, None, {"grund": "Widerspruchsverfahren", "akten": ["20-4/2015"]}),
    ("hold_released", None, None, {"grund": "Verfahren abgeschlossen", "akten": ["20-4/2015"]}),
    ("offered", None, None, {"an": "Stadtarchiv", "akten": ["20-4/2015", "20-5/2015"]}),
    ("appraised", None, None, {"bewertung": {"20-4/2015": "A", "20-5/2015": "V"}}),
    ("disposed", "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d", None, {"protokoll": "Löschung Nr. 17"}),
    ("batch_finished", None, "2024-03-05-steuer", {"ingested": 1, "quarantined": 0}),
    ("note", None, None, {"text": "Prüfung der Kette: ok ✓", "zahlen": [1, 2.5, -3, True, None]}),
]


def build_chain() -> list[Link]:
    """~20 events with gaps in the ids (autoincrement after rolled-back writes)."""
    links: list[Link] = []
    prev_hash = GENESIS
    id_ = 0
    for n, (event, document_id, batch_id, detail) in enumerate(EVENTS):
        id_ += 1 if n % 4 else 3
        at = T0 + timedelta(minutes=7 * n, microseconds=n)
        link = make_link(prev_hash, id_, at, event, document_id, batch_id, detail)
        links.append(link)
        prev_hash = link.hash
    return links


CHAIN = build_chain()
N = len(CHAIN)
HEAD = (CHAIN[-1].id, CHAIN[-1].hash)


def rehash(link: Link) -> Link:
    """`link` with its own hash recomputed: what a forger who knows the algorithm does."""
    return make_link(
        link.prev_hash, link.id, link.at, link.event, link.document_id, link.batch_id, link.detail
    )


def flip_hex(value: str, position: int) -> str:
    chars = list(value)
    chars[position] = "0" if chars[position] != "0" else "1"
    return "".join(chars)


def test_an_untouched_chain_holds() -> None:
    assert N == 20
    assert CHAIN[0].prev_hash == GENESIS
    assert verify_chain(CHAIN) is None
    assert verify_chain(CHAIN, head=HEAD) is None
    assert verify_chain(iter(CHAIN), head=HEAD) is None  # streamed, as from a query
    assert verify_chain([]) is None
    assert verify_chain([], head=(0, GENESIS)) is None  # the head of a trail with no events yet


def test_events_against_an_empty_head_are_named() -> None:
    assert verify_chain(CHAIN, head=(0, GENESIS)) == Break(
        CHAIN[0].id,
        f"event {CHAIN[0].id}: the recorded head says the chain has no events (written without "
        "updating the head, or forged)",
    )


def test_the_hash_is_sha256_over_canonical_json() -> None:
    link = CHAIN[3]
    assert len(link.hash) == 64
    assert int(link.hash, 16) >= 0
    # fixed, documented input: another implementation must be able to recompute it
    expected = event_hash(
        link.prev_hash, link.id, link.at, link.event, link.document_id, link.batch_id, link.detail
    )
    assert link.hash == expected
    reordered_keys = dict(reversed(list(link.detail.items())))
    assert event_hash(link.prev_hash, link.id, link.at, link.event, None, None, link.detail) == (
        event_hash(link.prev_hash, link.id, link.at, link.event, None, None, reordered_keys)
    )


def test_naive_datetime_hashes_as_utc() -> None:
    aware = datetime(2024, 3, 4, 8, 15, 30, 5, tzinfo=UTC)
    naive = aware.replace(tzinfo=None)
    berlin = aware.astimezone(timezone(timedelta(hours=1)))
    args = ("x" * 64, 5, "ingested", "doc", None, {"ä": 1})
    h = event_hash(args[0], args[1], aware, *args[2:])
    assert event_hash(args[0], args[1], naive, *args[2:]) == h
    assert event_hash(args[0], args[1], berlin, *args[2:]) == h
    assert event_hash(args[0], args[1], aware + timedelta(microseconds=1), *args[2:]) != h
    # a chain read back from SQLite with naive datetimes still verifies
    naive_chain = [dataclasses.replace(link, at=link.at.replace(tzinfo=None)) for link in CHAIN]
    assert verify_chain(naive_chain, head=HEAD) is None


# --- single-event tampering -------------------------------------------------------------

FIELDS = ("id", "at", "event", "document_id", "batch_id", "detail", "prev_hash", "hash")
texts = st.text(min_size=0, max_size=20)


@st.composite
def altered_value(draw: st.DrawFn, link: Link, field: str) -> Any:
    old = getattr(link, field)
    if field == "id":
        new = draw(st.integers(min_value=-10, max_value=200))
    elif field == "at":
        new = old + timedelta(microseconds=draw(st.sampled_from([-1, 1])))
    elif field == "event":
        new = draw(texts)
    elif field in ("document_id", "batch_id"):
        new = draw(st.none() | texts)
    elif field == "detail":
        canonical = json.dumps(old, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        position = draw(st.integers(min_value=0, max_value=len(canonical) - 1))
        char = draw(st.sampled_from('aeßüÄ€✓ 0179.-+eE"\\{}[],:nulltrefas'))
        text = canonical[:position] + char + canonical[position + 1 :]
        try:
            new = json.loads(text)
        except ValueError:
            assume(False)
        assume(isinstance(new, dict))
        assume(
            json.dumps(new, sort_keys=True, ensure_ascii=False)
            != json.dumps(old, sort_keys=True, ensure_ascii=False)
        )
    else:  # prev_hash, hash: one hex digit flipped
        new = flip_hex(old, draw(st.integers(min_value=0, max_value=63)))
    assume(new != old)
    return new


@st.composite
def single_alteration(draw: st.DrawFn) -> tuple[int, Link]:
    k = draw(st.integers(min_value=0, max_value=N - 1))
    field = draw(st.sampled_from(FIELDS))
    value = draw(altered_value(CHAIN[k], field))
    return k, dataclasses.replace(CHAIN[k], **{field: value})


@given(single_alteration(), st.booleans())
def test_altering_any_field_of_any_event_is_detected_at_that_event(
    alteration: tuple[int, Link], with_head: bool
) -> None:
    k, altered = alteration
    links = [*CHAIN[:k], altered, *CHAIN[k + 1 :]]
    found = verify_chain(links, head=HEAD if with_head else None)
    assert found == Break(
        altered.id, f"event {altered.id}: hash does not match its content (altered)"
    )


@given(st.integers(min_value=0, max_value=N - 1))
def test_removing_any_event_is_detected_at_the_event_after_it(k: int) -> None:
    links = [*CHAIN[:k], *CHAIN[k + 1 :]]
    found = verify_chain(links, head=HEAD)
    assert found is not None
    if k == N - 1:
        assert found.id is None
        assert found.reason == (
            f"the chain ends at event {CHAIN[-2].id} but its head says event {CHAIN[-1].id} "
            "(events removed from the end)"
        )
    else:
        assert found.id == CHAIN[k + 1].id
        assert "removed" in found.reason
        assert verify_chain(links) == found  # the head is not needed for this


@st.composite
def forged_event(draw: st.DrawFn) -> tuple[int, Link]:
    """A forged event with a correct own hash, at any position, with any id, and a prev_hash
    that either continues its predecessor (a careful forger) or is made up."""
    k = draw(st.integers(min_value=0, max_value=N))
    predecessor = CHAIN[k - 1].hash if k else GENESIS
    prev_hash = draw(st.just(predecessor) | st.text("0123456789abcdef", min_size=64, max_size=64))
    link = make_link(
        prev_hash,
        draw(st.integers(min_value=-5, max_value=CHAIN[-1].id + 5)),
        draw(st.datetimes(timezones=st.just(UTC))),
        draw(st.sampled_from(["reviewed", "disposed", "metadata_changed"]) | texts),
        draw(st.none() | st.uuids().map(str)),
        draw(st.none() | texts),
        draw(st.dictionaries(texts, st.none() | st.integers() | texts, max_size=3)),
    )
    return k, link


@given(forged_event())
def test_inserting_a_forged_event_anywhere_is_detected_at_that_event(
    forgery: tuple[int, Link],
) -> None:
    k, forged = forgery
    links = [*CHAIN[:k], forged, *CHAIN[k:]]
    found = verify_chain(links, head=HEAD)
    assert found is not None
    assert found.id == forged.id, found.reason


@given(st.integers(min_value=0, max_value=N - 2), st.booleans())
def test_swapping_two_adjacent_events_is_detected_at_the_first_of_them(
    k: int, with_head: bool
) -> None:
    links = [*CHAIN[:k], CHAIN[k + 1], CHAIN[k], *CHAIN[k + 2 :]]
    found = verify_chain(links, head=HEAD if with_head else None)
    assert found == Break(
        CHAIN[k + 1].id,
        f"event {CHAIN[k + 1].id} comes before event {CHAIN[k].id}, which it follows "
        "(the two were swapped)",
    )


@given(st.integers(min_value=1, max_value=N))
def test_truncating_the_tail_is_detected_against_the_head(removed: int) -> None:
    links = CHAIN[: N - removed]
    assert verify_chain(links) is None  # the limit of a chain alone: hence the head
    found = verify_chain(links, head=HEAD)
    assert found is not None
    assert found.id is None
    if removed == N:
        assert found.reason == (
            f"the chain is empty but its head says event {HEAD[0]} (all events removed)"
        )
    else:
        assert f"the chain ends at event {links[-1].id} but its head says event {HEAD[0]}" in (
            found.reason
        )


# --- plain examples of what a records manager reads -------------------------------------


def test_an_event_altered_and_rehashed_shows_at_the_next_event() -> None:
    forged = rehash(dataclasses.replace(CHAIN[5], detail={"ingested": 13, "quarantined": 0}))
    links = [*CHAIN[:5], forged, *CHAIN[6:]]
    found = verify_chain(links)
    assert found == Break(
        CHAIN[6].id,
        f"event {CHAIN[6].id}: does not follow event {CHAIN[5].id} (an event between them was "
        f"removed, or event {CHAIN[5].id} was altered and its hash recomputed)",
    )


def test_a_recomputed_tail_shows_only_against_the_head() -> None:
    links = CHAIN[:10]
    for link in CHAIN[10:]:
        changed = link.detail if link is not CHAIN[10] else {"name": "Gewerbesteuer 2016"}
        links.append(
            make_link(
                links[-1].hash,
                link.id,
                link.at,
                link.event,
                link.document_id,
                link.batch_id,
                changed,
            )
        )
    assert verify_chain(links) is None
    last = CHAIN[-1].id
    assert verify_chain(links, head=HEAD) == Break(
        last,
        f"event {last}: hash does not match the recorded head (the chain was recomputed at or "
        f"before event {last})",
    )


def test_a_careful_forgery_in_the_middle_is_named() -> None:
    forged = make_link(CHAIN[7].hash, CHAIN[7].id + 1, T0, "disposed", None, None, {})
    assert CHAIN[7].id + 1 < CHAIN[8].id  # fits the ids
    found = verify_chain([*CHAIN[:8], forged, *CHAIN[8:]])
    assert found == Break(
        forged.id,
        f"event {forged.id} does not belong in the chain: event {CHAIN[8].id} follows event "
        f"{CHAIN[7].id} directly (event {forged.id} was inserted)",
    )


def test_an_appended_forgery_shows_against_the_head() -> None:
    forged = make_link(CHAIN[-1].hash, CHAIN[-1].id + 1, T0, "note", None, None, {})
    assert verify_chain([*CHAIN, forged]) is None
    assert verify_chain([*CHAIN, forged], head=HEAD) == Break(
        forged.id,
        f"event {forged.id} comes after the recorded head at event {HEAD[0]} (appended without "
        "updating the head, or forged)",
    )


def test_a_moved_event_is_reported_where_the_chain_first_breaks() -> None:
    # event at position 9 moved behind position 12: the chain breaks where it went missing
    links = [*CHAIN[:9], *CHAIN[10:13], CHAIN[9], *CHAIN[13:]]
    found = verify_chain(links, head=HEAD)
    assert found is not None
    assert found.id == CHAIN[10].id
    assert found.reason.startswith(f"event {CHAIN[10].id}: does not follow event {CHAIN[8].id}")


def test_removing_the_first_event_is_named() -> None:
    assert verify_chain(CHAIN[1:]) == Break(
        CHAIN[1].id,
        f"event {CHAIN[1].id}: the first event does not start the chain (events before it were "
        "removed)",
    )


def test_ids_must_increase() -> None:
    # a careful forger re-chains a duplicate id: caught by the id order
    forged = make_link(CHAIN[3].hash, CHAIN[3].id, T0, "note", None, None, {})
    found = verify_chain([*CHAIN[:4], forged])
    assert found is not None
    assert found.id == CHAIN[3].id
    assert found.reason.startswith(f"event {CHAIN[3].id} comes after event {CHAIN[3].id}")

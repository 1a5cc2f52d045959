"""Records state from the audit trail: replayed from events, compared with the catalog.

Every event that changes records state carries, in `detail["state"]`, the new state of each
thing it changed: `{kind: {key: facts or None}}` (None: the thing is gone). Replaying the
events in order therefore rebuilds the current records state without the catalog, and
`differences` names each place where the catalog's tables say something else, so a table
edited alone shows, even when the chain itself is intact.

Archives written before the events carried state hold records events without it. Their state
is taken once, as one `records_baseline` event, at the first verification after the upgrade;
a baseline only adds things the trail has not recorded, never overrides recorded state.

A thing's facts may hold a `seal`: SHA-256 digests of the facts the trail should cover without
copying them (a document's title, text, identifiers: personal data stays out of the trail).
Facts (or seal parts) an earlier eakte did not record are added to the things the trail knows
by one `records_sealed` event, at the first verification after the upgrade; like a baseline
it only adds what was not recorded and never overrides it.

Plain library: stdlib only, like `archive.audit.chain`, so an outside checker can share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BASELINE",
    "KINDS",
    "SEAL",
    "SEALED",
    "STATE_CHANGING_EVENTS",
    "Changes",
    "Replayed",
    "State",
    "differences",
    "replay",
    "unrecorded",
]

Facts = dict[str, Any]
State = dict[str, dict[str, Facts]]  # kind -> key -> facts
Changes = dict[str, dict[str, Facts | None]]  # what one event carries; None: the thing is gone

KINDS = ("akten", "holds", "disposals", "documents", "retention_rules")
"""What records state is made of, in the order differences are reported."""

BASELINE = "records_baseline"
"""The event holding the state an archive had when the trail began to record it."""

SEALED = "records_sealed"
"""The event adding facts the trail had not recorded yet to things it knows (an upgrade)."""

SEAL = "seal"
"""The fact holding digests of facts (parts) the trail covers without copying them."""

STATE_CHANGING_EVENTS = frozenset(
    {
        "archived", "version_added", "reviewed", "document_filed", "akte_opened",
        "akte_closed", "akte_event", "retention_rule_changed", "hold_added", "hold_released",
        "disposal_proposed", "document_disposed", "akte_disposed",
    }
)  # fmt: skip
"""Events that always change records state: one of them without state in its detail was
written before the trail recorded state (an archive made by an older eakte)."""


@dataclass
class Replayed:
    """The records state the trail describes, and how the trail came to describe it."""

    state: State = field(default_factory=dict)
    legacy: bool = False  # it holds records events written before they carried state
    baselines: list[int] = field(default_factory=list)  # ids of `records_baseline` events

    def misplaced_baselines(self) -> list[str]:
        """Why baselines in this trail are not what an upgrade writes, if they are not: one,
        after events of an older eakte. A baseline where none belongs may hide a table edit."""
        if self.baselines and not self.legacy:
            return [
                f"event {self.baselines[0]} is a records baseline in a trail that recorded "
                "records state from its start (forged?)"
            ]
        if len(self.baselines) > 1:
            return [
                f"events {', '.join(map(str, self.baselines))} are each a records baseline; "
                "only one belongs in a trail (forged?)"
            ]
        return []


def replay(
    events: Iterable[tuple[int, str, Mapping[str, Any] | None]], start: Replayed | None = None
) -> Replayed:
    """The records state after `events`, given as (id, event name, detail) in trail order;
    from `start` (the replay of the events before them) if given, else from nothing."""
    result = start if start is not None else Replayed()
    for event_id, name, detail in events:
        changes = (detail or {}).get("state")
        if changes is None:
            result.legacy = result.legacy or name in STATE_CHANGING_EVENTS
            continue
        baseline = name == BASELINE
        if baseline:
            result.baselines.append(event_id)
        for kind, things in changes.items():
            known = result.state.setdefault(kind, {})
            for key, facts in things.items():
                if name == SEALED:
                    if key in known and facts is not None:
                        known[key] = _completed(known[key], facts)
                    continue  # sealing adds facts to known things; it cannot add or override
                if baseline and key in known:
                    continue  # a baseline adds what was not recorded; it cannot override
                if facts is None:
                    known.pop(key, None)
                else:
                    known[key] = facts
    return result


def _completed(recorded: Facts, found: Facts) -> Facts:
    """`recorded` with the facts and seal parts of `found` it lacks; nothing overridden."""
    seal = {**found.get(SEAL, {}), **recorded.get(SEAL, {})}
    facts = {**found, **recorded}
    if seal:
        facts[SEAL] = seal
    return facts


def unrecorded(trail: State, catalog: State) -> State:
    """The catalog's facts of each thing the trail knows but records only in part (a fact or
    seal part added by a later eakte): what a `records_sealed` event adds."""
    missing: State = {}
    for kind in KINDS:
        recorded, found = trail.get(kind, {}), catalog.get(kind, {})
        for key in sorted(recorded.keys() & found.keys()):
            if _completed(recorded[key], found[key]) != recorded[key]:
                missing.setdefault(kind, {})[key] = found[key]
    return missing


def differences(trail: State, catalog: State) -> list[str]:
    """One line per thing or fact on which the catalog and the trail disagree.

    Only the facts the trail recorded are compared: a column added to a table later is
    checked from the first event that records it.
    """
    lines = []
    for kind in KINDS:
        recorded, found = trail.get(kind, {}), catalog.get(kind, {})
        for key in sorted(recorded.keys() | found.keys()):
            expected, actual = recorded.get(key), found.get(key)
            name = _name(kind, key, actual or expected or {})
            if expected is None:
                lines.append(f"{name}: in the catalog but not in the audit trail")
            elif actual is None:
                lines.append(f"{name}: in the audit trail but not in the catalog")
            else:
                lines += [
                    f"{name}: {fact} is {_shown(actual.get(fact))} in the catalog but "
                    f"{_shown(value)} in the audit trail"
                    for fact, value in expected.items()
                    if fact != SEAL and actual.get(fact) != value
                ]
                sealed = actual.get(SEAL) or {}
                lines += [
                    f"{name}: {part} differs from what the audit trail sealed"
                    for part, digest in (expected.get(SEAL) or {}).items()
                    if sealed.get(part) != digest
                ]
    return lines


def _name(kind: str, key: str, facts: Facts) -> str:
    if kind == "akten":
        return f"Akte {facts.get('aktenzeichen', key)}"
    if kind == "holds":
        return f"legal hold {key}"
    if kind == "disposals":
        return f"deletion record {key} (Akte {facts.get('aktenzeichen', '?')})"
    if kind == "documents":
        return f"document {key}"
    if kind == "retention_rules":
        return f"retention rule of unit {key}"
    return f"{kind} {key}"


def _shown(value: object) -> str:
    return "empty" if value is None else repr(value)

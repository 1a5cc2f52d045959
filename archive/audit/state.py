"""Records state from the audit trail: replayed from events, compared with the catalog.

Every event that changes records state carries, in `detail["state"]`, the new state of each
thing it changed: `{kind: {key: facts or None}}` (None: the thing is gone). Replaying the
events in order therefore rebuilds the current records state without the catalog, and
`differences` names each place where the catalog's tables say something else, so a table
edited alone shows, even when the chain itself is intact.

Archives written before the events carried state hold records events without it. Their state
is taken once, as one `records_baseline` event, at the first verification after the upgrade;
a baseline only adds things the trail has not recorded, never overrides recorded state.

Plain library: stdlib only, like `archive.audit.chain`, so an outside checker can share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BASELINE",
    "KINDS",
    "STATE_CHANGING_EVENTS",
    "Changes",
    "Replayed",
    "State",
    "differences",
    "replay",
]

Facts = dict[str, Any]
State = dict[str, dict[str, Facts]]  # kind -> key -> facts
Changes = dict[str, dict[str, Facts | None]]  # what one event carries; None: the thing is gone

KINDS = ("akten", "holds", "disposals", "documents", "retention_rules")
"""What records state is made of, in the order differences are reported."""

BASELINE = "records_baseline"
"""The event holding the state an archive had when the trail began to record it."""

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
                if baseline and key in known:
                    continue  # a baseline adds what was not recorded; it cannot override
                if facts is None:
                    known.pop(key, None)
                else:
                    known[key] = facts
    return result


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
                    if actual.get(fact) != value
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

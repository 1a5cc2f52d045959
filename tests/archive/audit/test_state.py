"""Replaying records state from audit events, and naming where the catalog differs."""

from __future__ import annotations

from archive.audit.state import BASELINE, SEAL, SEALED, differences, replay, unrecorded

HOLD = {"reason": "Klage", "released_at": None, "akten": ["63-BG-1978-0042"]}


def test_each_event_replaces_the_state_of_what_it_changed_and_none_removes_it() -> None:
    replayed = replay(
        [
            (1, "batch_started", {"name": "Karton 1"}),
            (2, "hold_added", {"state": {"holds": {"h1": HOLD}}}),
            (3, "hold_released", {"state": {"holds": {"h1": {**HOLD, "released_at": "x"}}}}),
            (4, "hold_added", {"state": {"holds": {"h2": HOLD}}}),
            (5, "hold_deleted", {"state": {"holds": {"h2": None}}}),
        ]
    )
    assert replayed.state == {"holds": {"h1": {**HOLD, "released_at": "x"}}}
    assert not replayed.legacy and replayed.baselines == []


def test_a_records_event_without_state_marks_a_trail_of_an_older_eakte() -> None:
    assert replay([(1, "hold_added", {"hold_id": "h1"})]).legacy
    assert not replay([(1, "ocr", {"pages": 2})]).legacy


def test_a_baseline_adds_what_was_not_recorded_and_overrides_nothing() -> None:
    replayed = replay(
        [
            (1, "hold_added", {"state": {"holds": {"h1": HOLD}}}),
            (2, BASELINE, {"state": {"holds": {"h1": {**HOLD, "released_at": "x"}, "h2": HOLD}}}),
        ]
    )
    assert replayed.state == {"holds": {"h1": HOLD, "h2": HOLD}}
    assert replayed.baselines == [2]
    assert "from its start" in replayed.misplaced_baselines()[0]  # no older events before it
    older = replay([(1, "akte_opened", {"akte_id": "a1"}), (2, BASELINE, {"state": {}})])
    assert older.misplaced_baselines() == []
    twice = replay([(3, BASELINE, {"state": {}})], start=older)
    assert "events 2, 3 are each a records baseline" in twice.misplaced_baselines()[0]


def test_differences_name_the_thing_the_fact_and_both_values() -> None:
    trail = {
        "akten": {"a1": {"aktenzeichen": "22-GS-2009-00017", "appraisal": "A", "closed": None}},
        "holds": {"h1": HOLD},
    }
    catalog = {
        "akten": {
            "a1": {"aktenzeichen": "22-GS-2009-00017", "appraisal": "V", "closed": None,
                   "added_later": 1},  # a column the trail never recorded is not compared
            "a2": {"aktenzeichen": "10-SV-2012-0003"},
        },
    }  # fmt: skip
    assert differences(trail, catalog) == [
        "Akte 22-GS-2009-00017: appraisal is 'V' in the catalog but 'A' in the audit trail",
        "Akte 10-SV-2012-0003: in the catalog but not in the audit trail",
        "legal hold h1: in the audit trail but not in the catalog",
    ]
    assert differences(trail, trail) == []


DOC = {"doc_type": "grundsteuerbescheid", "tax_secret": True}


def test_sealing_adds_facts_and_seal_parts_to_known_things_and_overrides_nothing() -> None:
    recorded = {**DOC, SEAL: {"title": "t1"}}
    replayed = replay(
        [
            (1, "archived", {"state": {"documents": {"d1": recorded}}}),
            (2, SEALED, {"state": {"documents": {
                "d1": {**DOC, "tax_secret": False, "page_count": 2,
                       SEAL: {"title": "forged", "pages": "p1"}},
                "d2": {**DOC, SEAL: {"title": "t2"}},  # unknown: sealing adds no thing
            }}}),
        ]
    )  # fmt: skip
    assert replayed.state == {
        "documents": {"d1": {**DOC, "page_count": 2, SEAL: {"title": "t1", "pages": "p1"}}}
    }
    assert replayed.misplaced_baselines() == []


def test_unrecorded_names_the_things_whose_facts_or_seal_parts_the_trail_lacks() -> None:
    trail = {"documents": {"d1": dict(DOC), "d2": {**DOC, SEAL: {"title": "t2"}}}}
    catalog = {
        "documents": {
            "d1": {**DOC, "tax_secret": False, SEAL: {"title": "t1"}},  # a seal is missing
            "d2": {**DOC, SEAL: {"title": "forged"}},  # differs, but nothing is missing
            "d3": dict(DOC),  # not in the trail: a baseline's business, not sealing's
        }
    }
    assert unrecorded(trail, catalog) == {"documents": {"d1": catalog["documents"]["d1"]}}
    assert unrecorded(catalog, catalog) == {}


def test_differences_name_each_part_that_no_longer_matches_its_seal() -> None:
    trail = {"documents": {"d1": {**DOC, SEAL: {"title": "t1", "pages": "p1", "source": "s"}}}}
    catalog = {"documents": {"d1": {**DOC, SEAL: {"title": "t1", "pages": "p2"}}}}
    assert differences(trail, catalog) == [
        "document d1: pages differs from what the audit trail sealed",
        "document d1: source differs from what the audit trail sealed",
    ]

"""Trusted time through the command line, with a real local TSA: records commands timestamp
the audit chain's head, `eakte audit verify` checks the tokens against the chain (a forged
append or a rewritten tail fails without any hand-kept anchor), and evidence records of the
archived files are exported and verified."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archive.audit.chain import event_hash
from archive.store import Archive
from eakte.cli.app import app
from tests.support import catalogs
from tests.support.records import BAU_AZ, records_manager_token
from tests.support.tsa import LocalTsa

runner = CliRunner()


def eakte(*args: str, data: Path):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [*args, "--data", str(data)])


@pytest.fixture
def data(records_archive: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The records tests' archive (conftest), a records manager's token, and no TSA."""
    monkeypatch.setenv("EAKTE_TOKEN", records_manager_token("registratur-a", records_archive))
    return records_archive


@pytest.fixture
def with_tsa(data: Path, tsa: LocalTsa, monkeypatch: pytest.MonkeyPatch) -> LocalTsa:
    """The TSA configured, and the archive's earlier events timestamped once by hand, as the
    README tells a records manager to do when a TSA is first configured."""
    monkeypatch.setenv("EAKTE_TSA_URL", tsa.url)
    monkeypatch.setenv("EAKTE_TSA_CERTIFICATE", str(tsa.ca))
    assert eakte("audit", "stamp", data=data).exit_code == 0
    return tsa


def _hold(data: Path) -> int:
    """A records command that writes an event; returns the newest event id after it."""
    result = eakte("hold", "add", "--akte", BAU_AZ, "--reason", "Klage VG 2 K 12/26", data=data)
    assert result.exit_code == 0, result.output
    return int(catalogs.query(data, "SELECT last_id FROM audit_head")[0][0])


def test_a_records_command_timestamps_the_chain_head_and_verify_checks_it(
    data: Path, with_tsa: LocalTsa
) -> None:
    result = eakte("hold", "add", "--akte", BAU_AZ, "--reason", "Klage", data=data)
    assert result.exit_code == 0, result.output
    head = int(catalogs.query(data, "SELECT last_id FROM audit_head")[0][0])
    assert f"audit trail timestamped up to event {head}" in result.output
    assert (data / "timestamps" / "audit" / f"{head:012d}.tsr").is_file()
    verified = eakte("audit", "verify", data=data)
    assert verified.exit_code == 0, verified.output
    assert f"2 timestamp(s) verified; the newest covers every event up to {head}" in (
        verified.output
    )
    # a command that writes nothing asks the TSA for nothing
    asked = len(with_tsa.requests)
    assert eakte("akte", "list", data=data).exit_code == 0
    assert len(with_tsa.requests) == asked


def _append_forged_event(data: Path) -> int:
    """What someone with the database file can do: a new event with a correct chain hash,
    and the head row moved onto it."""
    ((last_id, last_hash),) = catalogs.query(data, "SELECT last_id, last_hash FROM audit_head")
    at = datetime.now(UTC)
    detail = {"hold_id": 1, "by": "Frau Amt"}
    new_id = last_id + 1
    digest = event_hash(last_hash, new_id, at, "hold_released", None, None, detail)
    catalogs.execute(
        data,
        "INSERT INTO audit_events (id, at, event, document_id, batch_id, detail, prev_hash,"
        " hash) VALUES (?, ?, 'hold_released', NULL, NULL, ?, ?, ?)",
        new_id, at.replace(tzinfo=None).isoformat(sep=" "), '{"hold_id": 1, "by": "Frau Amt"}',
        last_hash, digest,
    )  # fmt: skip
    catalogs.execute(data, "UPDATE audit_head SET last_id = ?, last_hash = ?", new_id, digest)
    return int(new_id)


def test_a_forged_append_with_a_correct_chain_hash_fails_naming_the_timestamp(
    data: Path, with_tsa: LocalTsa
) -> None:
    head = _hold(data)
    forged = _append_forged_event(data)
    result = eakte("audit", "verify", data=data)
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    # from the forged event on (a verification may record a records-state baseline after it)
    assert f"event(s) {forged} to " in text
    assert f"come after the newest timestamp (event {head}, " in text
    assert "Test TSA" in result.output
    # the next command records its own event but does not vouch for the forged one
    later = eakte("hold", "add", "--akte", BAU_AZ, "--reason", "Auskunft", data=data)
    assert later.exit_code == 0
    assert f"event(s) {forged} to " in " ".join(later.output.split())
    assert "written before this command, have no timestamp" in " ".join(later.output.split())
    assert eakte("audit", "verify", data=data).exit_code == 1


def test_a_rewritten_chain_tail_fails_against_its_timestamp(data: Path, with_tsa: LocalTsa) -> None:
    head = _hold(data)
    import json

    rows = catalogs.query(
        data,
        "SELECT id, at, event, document_id, batch_id, detail, prev_hash FROM audit_events "
        "ORDER BY id",
    )
    prev = rows[0][6]
    for id_, at, event, document_id, batch_id, detail, _ in rows:
        detail = catalogs.from_json(detail)
        if id_ == head:  # the hold's reason rewritten
            detail["reason"] = "kein Verfahren"
        digest = event_hash(prev, id_, catalogs.from_time(at), event, document_id, batch_id, detail)
        catalogs.execute(
            data,
            "UPDATE audit_events SET detail = ?, prev_hash = ?, hash = ? WHERE id = ?",
            json.dumps(detail, ensure_ascii=False), prev, digest, id_,
        )  # fmt: skip
        prev = digest
    catalogs.execute(data, "UPDATE audit_head SET last_hash = ?", prev)
    result = eakte("audit", "verify", data=data)
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert f"event {head} no longer has the hash timestamped" in text
    assert "every event follows" not in text


def test_removed_timestamp_files_fail_when_a_tsa_is_configured(
    data: Path, with_tsa: LocalTsa
) -> None:
    _hold(data)
    for token in (data / "timestamps" / "audit").iterdir():
        token.unlink()
    result = eakte("audit", "verify", data=data)
    assert result.exit_code == 1
    assert "have no timestamp at all although a TSA is configured" in " ".join(
        result.output.split()
    )


def test_without_a_tsa_every_command_says_nothing_was_timestamped(data: Path) -> None:
    _hold_result = eakte("hold", "add", "--akte", BAU_AZ, "--reason", "Klage", data=data)
    assert _hold_result.exit_code == 0
    assert "not timestamped: no Time-Stamp Authority is configured" in " ".join(
        _hold_result.output.split()
    )
    assert not (data / "timestamps").exists()
    verified = eakte("audit", "verify", data=data)
    assert verified.exit_code == 0
    assert "trusted time: none" in verified.output
    checked = eakte("verify", data=data)
    assert "trusted time: none — archived files have no evidence records" in checked.output
    assert eakte("evidence", "seal", data=data).exit_code == 2


def test_evidence_records_export_verify_and_renew(
    data: Path, with_tsa: LocalTsa, tmp_path: Path
) -> None:
    sealed = eakte("evidence", "seal", data=data)
    assert sealed.exit_code == 0 and "8 archived file(s) sealed" in sealed.output  # scans + PDF/As
    archive = Archive(data)
    try:
        (document,) = [
            d for d in map(archive.get, _document_ids(data)) if d and d.aktenzeichen == BAU_AZ
        ]
    finally:
        archive.close()
    assert document is not None
    pdf = data / "blobs" / document.sha256_pdfa[:2] / document.sha256_pdfa[2:]
    exported = eakte("evidence", "export", document.document_id, "--out", str(tmp_path / "d.ers"),
                     data=data)  # fmt: skip
    assert exported.exit_code == 0, exported.output
    ok = eakte("evidence", "verify", str(tmp_path / "d.ers"), "--data-file", str(pdf), data=data)
    assert ok.exit_code == 0, ok.output
    assert "proves" in ok.output and "1 timestamp(s)" in ok.output

    scan = data / "blobs" / document.sha256_original[:2] / document.sha256_original[2:]
    not_the_scan = eakte("evidence", "verify", str(tmp_path / "d.ers"), "--data-file", str(scan),
                         data=data)  # fmt: skip
    assert not_the_scan.exit_code == 1  # the PDF/A's record, sealed beside the scan

    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(pdf.read_bytes() + b"%")
    bad = eakte("evidence", "verify", str(tmp_path / "d.ers"), "--data-file", str(tampered),
                data=data)  # fmt: skip
    assert bad.exit_code == 1
    assert "does not prove" in bad.output and "does not cover the data" in bad.output

    assert eakte("evidence", "renew", data=data).exit_code == 0
    renewed = eakte("evidence", "renew", "--hash-tree", "--digest", "sha512", data=data)
    assert renewed.exit_code == 0 and "hash-tree renewal (sha512) of 8" in renewed.output
    eakte("evidence", "export", document.document_id, "--out", str(tmp_path / "r.ers"), data=data)
    again = eakte("evidence", "verify", str(tmp_path / "r.ers"), "--data-file", str(pdf),
                  data=data)  # fmt: skip
    assert again.exit_code == 0 and "3 timestamp(s)" in again.output, again.output
    checked = eakte("verify", data=data)
    assert "trusted time: 8 archived file(s) proven by evidence records" in checked.output


def _document_ids(data: Path) -> list[str]:
    return [row[0] for row in catalogs.query(data, "SELECT id FROM documents")]


def test_an_unreachable_tsa_is_reported_and_audit_stamp_covers_the_events_later(
    data: Path, tsa: LocalTsa, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EAKTE_TSA_URL", tsa.url)
    monkeypatch.setenv("EAKTE_TSA_CERTIFICATE", str(tsa.ca))
    assert eakte("audit", "stamp", data=data).exit_code == 0
    monkeypatch.setenv("EAKTE_TSA_URL", "http://127.0.0.1:9/tsa")  # nothing listens there
    result = eakte("hold", "add", "--akte", BAU_AZ, "--reason", "Klage", data=data)
    assert result.exit_code == 0  # the hold is recorded; only its timestamp is missing
    assert "audit trail not timestamped: TSA http://127.0.0.1:9/tsa could not be reached" in (
        " ".join(result.output.split())
    )
    assert eakte("audit", "verify", data=data).exit_code == 1
    monkeypatch.setenv("EAKTE_TSA_URL", tsa.url)
    refused = eakte("hold", "add", "--akte", BAU_AZ, "--reason", "Auskunft", data=data)
    assert "have no timestamp" in refused.output  # the earlier event is not vouched for unseen
    stamped = eakte("audit", "stamp", data=data)
    assert stamped.exit_code == 0 and "audit trail timestamped up to event" in stamped.output
    assert eakte("audit", "verify", data=data).exit_code == 0

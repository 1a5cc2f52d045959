"""Records management through the command line, on a small archive: the full cycle from filing
to disposal, legal holds, two-person approval, rule changes and a tampered audit trail."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archive.records.xdomea import (
    Party,
    confirmation_message,
    parse_appraisal,
    validate,
)
from archive.search import SearchFilters
from archive.store import Archive
from classifiers.fileplan import load_file_plan
from eakte.cli.app import app
from pipelines.records_plan import filing_plan
from tests.support import catalogs
from tests.support.documents import store_document
from tests.support.records import (
    BAU_AZ,
    POST_AZ,
    STEUER_AZ,
    handwritten_0502,
    records_manager_token,
)

runner = CliRunner()
US = Party(name="Stadtverwaltung Musterstadt", code="musterstadt")
ARCHIVE = Party(name="Stadtarchiv Musterstadt", code="stadtarchiv-musterstadt")


def eakte(*args: str, data: Path) -> object:
    result = runner.invoke(app, [*args, "--data", str(data)])
    return result


@pytest.fixture
def data(records_archive: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The records archive; the records decisions are registratur-a's (EAKTE_TOKEN)."""
    monkeypatch.setenv("EAKTE_TOKEN", records_manager_token("registratur-a", records_archive))
    yield records_archive


@pytest.fixture
def second(data: Path) -> str:
    """The token of registratur-b, the second records manager a disposal needs."""
    return records_manager_token("registratur-b", data)


def _json(*args: str, data: Path) -> object:
    result = eakte(*args, "--json", data=data)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _states(data: Path) -> dict[str, str]:
    return {a["aktenzeichen"]: a["state"] for a in _json("akte", "list", data=data)}


def test_documents_are_filed_into_akten_with_vorgang_and_retention(data: Path) -> None:
    akten = {a["aktenzeichen"]: a for a in _json("akte", "list", data=data)}
    assert set(akten) == {STEUER_AZ, POST_AZ, BAU_AZ}
    assert akten[STEUER_AZ]["documents"] == 2 and akten[STEUER_AZ]["opened"] == "2009-02-01"
    assert all(a["state"] == "active" and a["retention_end"] is None for a in akten.values())
    shown = _json("akte", "show", BAU_AZ, data=data)
    assert "Abriss" in shown["retention_rule"] and len(shown["document_list"]) == 1


def test_full_cycle_close_due_offer_appraise_transfer_confirm_dispose(
    data: Path, tmp_path: Path, second: str
) -> None:
    assert eakte("akte", "close", STEUER_AZ, "--date", "2010-06-30", data=data).exit_code == 0
    assert eakte("akte", "close", POST_AZ, "--date", "2013-01-15", data=data).exit_code == 0
    assert eakte("akte", "event", BAU_AZ, "Abriss des Gebäudes (Beseitigung der baulichen Anlage)",
                 "--date", "2001-03-01", data=data).exit_code == 0  # fmt: skip
    akten = {a["aktenzeichen"]: a for a in _json("akte", "list", data=data)}
    assert akten[STEUER_AZ]["retention_end"] == "2020-12-31"
    assert akten[POST_AZ]["retention_end"] == "2019-12-31"
    assert akten[BAU_AZ]["retention_end"] == "2011-12-31"
    assert set(_states(data).values()) == {"due"}

    # a legal hold keeps the building file out of the hand-over
    hold = _json("hold", "add", "--akte", BAU_AZ, "--reason", "Nachbarschaftsklage VG 5 K 12/24",
                 data=data)  # fmt: skip
    assert hold["akten"] == [BAU_AZ]
    out_dir = tmp_path / "aussonderung"
    offered = eakte("aussonderung", "offer", "--out", str(out_dir), data=data)
    assert offered.exit_code == 0, offered.output
    (offer_file,) = out_dir.glob("*_Aussonderung.Anbieteverzeichnis.0501.xml")
    offer_xml = offer_file.read_bytes()
    assert validate(offer_xml) == []
    assert STEUER_AZ.encode() in offer_xml and POST_AZ.encode() in offer_xml
    assert BAU_AZ.encode() not in offer_xml
    process_id = offer_file.name.split("_")[0]
    ids = {a["aktenzeichen"]: a["id"] for a in _json("akte", "list", data=data)}
    assert _states(data) == {STEUER_AZ: "offered", POST_AZ: "offered", BAU_AZ: "on_hold"}

    # the archive's appraisal, written by hand as it arrives: the tax file A, the letters V
    appraisal = out_dir / f"{process_id}_Aussonderung.Bewertungsverzeichnis.0502.xml"
    appraisal.write_text(handwritten_0502(process_id, ids[STEUER_AZ], ids[POST_AZ]), "utf-8")
    assert validate(appraisal.read_bytes()) == []
    assert parse_appraisal(appraisal.read_bytes()).decisions == {
        ids[STEUER_AZ]: "A", ids[POST_AZ]: "V"
    }  # fmt: skip
    applied = eakte("aussonderung", "appraise", str(appraisal), data=data)
    assert applied.exit_code == 0, applied.output
    assert _states(data)[STEUER_AZ] == "appraised"

    transferred = eakte("aussonderung", "transfer", "--out", str(out_dir), data=data)
    assert transferred.exit_code == 0, transferred.output
    (package,) = out_dir.glob("*_Aussonderung.Aussonderung.0503.zip")
    with zipfile.ZipFile(package) as zf:
        names = zf.namelist()
        (xml_name,) = [n for n in names if n.endswith(".xml")]
        message = zf.read(xml_name)
        assert validate(message) == []
        assert ids[STEUER_AZ].encode() in message and ids[POST_AZ].encode() not in message
        assert len([n for n in names if n.endswith(".pdf")]) == 2  # both tax documents
    assert _states(data)[STEUER_AZ] == "transferred"

    name, receipt = confirmation_message(process_id, {ids[STEUER_AZ]: True}, ARCHIVE, US)
    (out_dir / name).write_bytes(receipt)
    assert eakte("aussonderung", "confirm", str(out_dir / name), data=data).exit_code == 0

    # disposal: the letters (V) and the handed-over tax file; not the held building file
    proposals = _json("dispose", "propose", data=data)
    assert {p["aktenzeichen"] for p in proposals} == {STEUER_AZ, POST_AZ}
    first = proposals[0]["id"]
    same = eakte("dispose", "approve", first, data=data)  # registratur-a proposed it
    assert same.exit_code == 2 and "another person" in " ".join(same.output.split())
    for proposal in proposals:
        approved = eakte("dispose", "approve", proposal["id"], "--token", second, data=data)
        assert approved.exit_code == 0, approved.output
    states = _states(data)
    assert states == {STEUER_AZ: "disposed", POST_AZ: "disposed", BAU_AZ: "on_hold"}

    archive = Archive(data)
    try:
        assert archive.search("Musterstadt", SearchFilters(), 10)[0].aktenzeichen == (BAU_AZ,)
        assert len(archive.search("Musterstadt", SearchFilters(), 10)) == 1
        assert len(list(archive.blobs)) == 2  # the building file's original and PDF/A
        assert archive.verify() == []  # tombstones need no blobs; the chain still holds
        assert archive.reindex_missing() == 0  # what the next ingest runs: no resurrection
        assert len(archive.search("Musterstadt", SearchFilters(), 10)) == 1
        assert archive.verify() == []
    finally:
        archive.close()
    records = _json("dispose", "list", data=data)
    assert all(r["approved_by"] == "registratur-b" and r["proposed_by"] == "registratur-a"
               for r in records)  # fmt: skip
    assert sum(len(r["documents"]) for r in records) == 3
    # the API answers a destroyed document as one that never was, not with a missing file
    from fastapi.testclient import TestClient

    from archive.access import create_token
    from eakte.web.app import create_app

    gone = records[0]["documents"][0]["document_id"]
    archive = Archive(data)
    try:
        with archive.transaction() as s:
            secret = create_token(s, "registratur", "records_manager", ["all", "tax"])[1]
        with TestClient(create_app(archive)) as client:
            for suffix in ("", "/pdf", "/original", "/pages/1.png"):
                answer = client.get(
                    f"/api/v1/documents/{gone}{suffix}",
                    headers={"Authorization": f"Bearer {secret}"},
                )
                assert answer.status_code == 404, suffix
    finally:
        archive.close()
    assert all(d["sha256_pdfa"] for r in records for d in r["documents"])
    assert eakte("audit", "verify", data=data).exit_code == 0
    report = json.loads(eakte("retention", "report", "--format", "json", data=data).stdout)
    assert report["counts"]["disposed"] == 2 and report["counts"]["on_hold"] == 1


def test_a_hold_blocks_disposal_until_released(data: Path, tmp_path: Path, second: str) -> None:
    assert eakte("akte", "close", POST_AZ, "--date", "2013-01-15", data=data).exit_code == 0
    out_dir = tmp_path / "a"
    assert eakte("aussonderung", "offer", "--out", str(out_dir), data=data).exit_code == 0
    (offer_file,) = out_dir.glob("*.0501.xml")
    process_id = offer_file.name.split("_")[0]
    post_id = {a["aktenzeichen"]: a["id"] for a in _json("akte", "list", data=data)}[POST_AZ]
    appraisal = out_dir / "bewertung.xml"
    appraisal.write_text(handwritten_0502(process_id, None, post_id), "utf-8")
    assert eakte("aussonderung", "appraise", str(appraisal), data=data).exit_code == 0
    proposal = _json("dispose", "propose", data=data)[0]["id"]
    hold = _json("hold", "add", "--query", "post-1", "--reason", "Auskunftsersuchen", data=data)
    assert hold["akten"] == [POST_AZ]
    blocked = eakte("dispose", "approve", proposal, "--token", second, data=data)
    assert blocked.exit_code == 2 and "legal hold" in " ".join(blocked.output.split())
    assert _json("dispose", "propose", data=data) == []
    assert eakte("hold", "release", hold["id"], data=data).exit_code == 0
    assert eakte("dispose", "approve", proposal, "--token", second, data=data).exit_code == 0


def test_a_changed_rule_waits_for_approval_and_is_audited(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert eakte("akte", "close", POST_AZ, "--date", "2013-01-15", data=data).exit_code == 0
    plan = (Path(__file__).parents[3] / "classifiers" / "default_fileplan.toml").read_text("utf-8")
    changed = plan.replace(
        'retention = { years = 6, trigger = "closing"',
        'retention = { years = 30, trigger = "closing"',
        1,
    )
    assert changed != plan
    (tmp_path / "plan.toml").write_text(changed, "utf-8")
    monkeypatch.setenv("EAKTE_FILE_PLAN", str(tmp_path / "plan.toml"))
    listed = eakte("akte", "list", "--json", data=data)
    assert "changes the retention rule of unit 0.2.1" in " ".join(listed.output.split())
    # the edited plan alone changes nothing: the old rule stays in force
    for _ in range(2):
        akten = {a["aktenzeichen"]: a for a in _json("akte", "list", data=data)}
        assert akten[POST_AZ]["retention_end"] == "2019-12-31"
    rules = _json("retention", "rules", data=data)
    assert [c["unit"] for c in rules["pending"]] == ["0.2.1"]
    assert rules["in_force"]["0.2.1"].startswith("6 Jahre")
    assert "30 Jahre" in rules["pending"][0]["proposed"]
    approved = _json("retention", "rules", "--approve", data=data)  # registratur-a's token
    assert approved["approved"] == ["0.2.1"]
    akten = {a["aktenzeichen"]: a for a in _json("akte", "list", data=data)}
    assert akten[POST_AZ]["retention_end"] == "2043-12-31"
    assert _json("retention", "rules", data=data)["pending"] == []
    (event,) = _audit_details(data, "retention_rule_changed")
    assert (event["old"]["years"], event["new"]["years"]) == (6, 30)
    assert event["by"] == "registratur-a" and event["akten_recomputed"] == [POST_AZ]
    nothing = eakte("retention", "rules", "--approve", "--unit", "9.2.1", data=data)
    assert nothing.exit_code == 2 and "no changed rule awaits" in " ".join(nothing.output.split())


def _audit_details(data: Path, name: str) -> list[dict[str, object]]:
    from sqlalchemy import select

    from archive.catalog.models import AuditEvent

    archive = Archive(data)
    try:
        with archive.transaction() as s:
            rows = s.scalars(select(AuditEvent).where(AuditEvent.event == name))
            return [dict(e.detail) for e in rows]
    finally:
        archive.close()


def test_only_the_events_of_the_files_rule_are_accepted(data: Path) -> None:
    for az, name, refusal in (
        (BAU_AZ, "Abriss", "knows no event 'Abriss'; valid: 'Abriss des Gebäudes (Beseitigung"),
        (STEUER_AZ, "Abriss des Gebäudes (Beseitigung der baulichen Anlage)", "from no event"),
    ):
        result = eakte("akte", "event", az, name, "--date", "2001-03-01", data=data)
        said = " ".join(result.output.split())
        assert result.exit_code == 2 and refusal in said, said
        assert _json("akte", "show", az, data=data)["events"] == []
    # a refused building application has no building to wait for: its period runs now
    refused = eakte("akte", "event", BAU_AZ, "Ablehnung des Bauantrags", "--date", "1979-01-10",
                    data=data)  # fmt: skip
    assert refused.exit_code == 0, refused.output
    shown = _json("akte", "show", BAU_AZ, data=data)
    assert shown["retention_end"] == "1989-12-31" and shown["state"] == "due"
    assert "Ablehnung des Bauantrags" in shown["retention_rule"]


def test_the_aktenzeichen_decides_the_unit_and_an_assignment_is_audited(
    data: Path, tmp_path: Path
) -> None:
    archive = Archive(data, filing=filing_plan(load_file_plan()))
    archive.start_batch("karton-2", "Karton 2")
    # the objection comes first; the file is still the building's
    store_document(
        archive, tmp_path / "in", "widerspruch", "widerspruch", "archived", "Widerspruch",
        unit="0.3.1", aktenzeichen="63-BG-1990-0200", document_date=date(1991, 2, 1),
    )  # fmt: skip
    store_document(
        archive, tmp_path / "in", "fremd", "schriftverkehr", "archived", "Schreiben",
        aktenzeichen="63-XY-2020-0001", document_date=date(2020, 2, 1),
    )  # fmt: skip
    archive.close()
    akten = {a["aktenzeichen"]: a for a in _json("akte", "list", data=data)}
    assert akten["63-BG-1990-0200"]["aktenplan_unit"] == "6.1.3"
    assert akten["63-XY-2020-0001"]["aktenplan_unit"] is None  # no unit's pattern matches
    for az, on in (("63-BG-1990-0200", "2004-12-01"), ("63-XY-2020-0001", "2021-06-01")):
        assert eakte("akte", "close", az, "--date", on, data=data).exit_code == 0
    akten = {a["aktenzeichen"]: a for a in _json("akte", "list", data=data)}
    assert akten["63-BG-1990-0200"]["retention_end"] is None  # the building stands
    assert akten["63-XY-2020-0001"]["retention_end"] is None  # no rule, never due
    report = json.loads(eakte("retention", "report", "--format", "json", data=data).stdout)
    assert report["unassigned"] == ["63-XY-2020-0001"]
    assert "63-XY-2020-0001" in " ".join(eakte("retention", "report", data=data).output.split())

    bad = eakte("akte", "assign", "63-XY-2020-0001", "6.9", data=data)
    assert bad.exit_code == 2 and "no Aktenplan unit" in " ".join(bad.output.split())
    assigned = eakte("akte", "assign", "63-XY-2020-0001", "0.2.1", data=data)
    assert assigned.exit_code == 0, assigned.output
    akten = {a["aktenzeichen"]: a for a in _json("akte", "list", data=data)}
    assert akten["63-XY-2020-0001"]["retention_end"] == "2027-12-31"
    (event,) = _audit_details(data, "akte_unit_assigned")
    assert (event["old_unit"], event["new_unit"], event["by"]) == (None, "0.2.1", "registratur-a")
    assert event["retention_end"] == "2027-12-31"
    report = json.loads(eakte("retention", "report", "--format", "json", data=data).stdout)
    assert report["unassigned"] == []


def test_a_tampered_audit_event_is_found_and_named(data: Path) -> None:
    assert eakte("audit", "verify", data=data).exit_code == 0
    ((event_id, detail),) = catalogs.query(
        data,
        "SELECT id, detail FROM audit_events WHERE CAST(detail AS TEXT) LIKE '%9.2.1%' "
        "ORDER BY id LIMIT 1",
    )
    forged = json.dumps(catalogs.from_json(detail)).replace("9.2.1", "9.2.2")
    assert catalogs.execute(data, "UPDATE audit_events SET detail = ? WHERE id = ?", forged,
                            event_id) == 1  # fmt: skip
    broken = eakte("audit", "verify", data=data)
    assert broken.exit_code == 1 and f"event {event_id}" in " ".join(broken.output.split())
    assert f"event {event_id}" in " ".join(eakte("verify", data=data).output.split())


def test_report_formats_and_bad_input(data: Path, tmp_path: Path) -> None:
    assert eakte("akte", "close", STEUER_AZ, "--date", "2010-06-30", data=data).exit_code == 0
    csv_text = eakte("retention", "report", "--format", "csv", data=data).stdout
    assert csv_text.splitlines()[0].startswith("aktenzeichen,") and STEUER_AZ in csv_text
    html = tmp_path / "bericht.html"
    assert (
        eakte("retention", "report", "--format", "html", "--out", str(html), data=data).exit_code
        == 0
    )
    assert "§§ 169-171" in html.read_text("utf-8") and 'lang="de"' in html.read_text("utf-8")
    future = json.loads(eakte("retention", "report", "--format", "json", "--due-before", "2100-01-01",
                              data=data).stdout)  # fmt: skip
    assert [d["aktenzeichen"] for d in future["due"]] == [STEUER_AZ]
    for args, message in (
        (("akte", "close", "00-XX-0000-0", "--date", "2020-01-01"), "no Akte"),
        (("akte", "close", STEUER_AZ, "--date", "2020-01-01"), "closed already"),
        (("akte", "close", POST_AZ, "--date", "gestern"), "not a date"),
        (("retention", "report", "--format", "pdf"), "unknown format"),
        (("hold", "add", "--reason", "x"), "exactly one"),
        (("hold", "release", "nope"), "no legal hold"),
        (("aussonderung", "appraise", str(tmp_path / "fehlt.xml")), "no such file"),
    ):
        result = eakte(*args, data=data)
        said = " ".join(result.output.split())  # the console wraps long lines
        assert result.exit_code == 2 and message in said, (args, said)


def test_a_hold_placed_after_the_appraisal_stops_the_hand_over(data: Path, tmp_path: Path) -> None:
    assert eakte("akte", "close", STEUER_AZ, "--date", "2010-06-30", data=data).exit_code == 0
    out_dir = tmp_path / "a"
    assert eakte("aussonderung", "offer", "--out", str(out_dir), data=data).exit_code == 0
    (offer_file,) = out_dir.glob("*.0501.xml")
    steuer_id = {a["aktenzeichen"]: a["id"] for a in _json("akte", "list", data=data)}[STEUER_AZ]
    appraisal = out_dir / "bewertung.xml"
    appraisal.write_text(handwritten_0502(offer_file.name.split("_")[0], steuer_id, None), "utf-8")
    assert eakte("aussonderung", "appraise", str(appraisal), data=data).exit_code == 0
    hold = _json("hold", "add", "--akte", STEUER_AZ, "--reason", "Betriebsprüfung", data=data)
    held = eakte("aussonderung", "transfer", "--out", str(out_dir), data=data)
    assert held.exit_code == 0 and "no file is ready" in held.output
    assert not list(out_dir.glob("*.0503.zip"))
    assert eakte("hold", "release", hold["id"], data=data).exit_code == 0
    assert eakte("aussonderung", "transfer", "--out", str(out_dir), data=data).exit_code == 0
    assert len(list(out_dir.glob("*.0503.zip"))) == 1


def test_filing_by_hand_moves_a_document_between_akten(data: Path, tmp_path: Path) -> None:
    archive = Archive(data)
    archive.start_batch("karton-2", "Karton 2")
    loose = store_document(
        archive, tmp_path / "in", "lose", "schriftverkehr", "archived", "Anfrage ohne Zeichen",
        document_date=date(2012, 5, 5),
    )  # fmt: skip
    post_doc = archive.search("post-1", SearchFilters(), 1)[0].document_id
    archive.close()
    report = json.loads(eakte("retention", "report", "--format", "json", data=data).stdout)
    assert report["unfiled_documents"] == 1
    filed = eakte("akte", "file", loose, POST_AZ, data=data)
    assert filed.exit_code == 0, filed.output
    report = json.loads(eakte("retention", "report", "--format", "json", data=data).stdout)
    assert report["unfiled_documents"] == 0
    akten = {a["aktenzeichen"]: a for a in _json("akte", "list", data=data)}
    assert akten[POST_AZ]["documents"] == 2
    # wrongly filed: move it to a new Akte, which is made on the way
    moved = eakte("akte", "file", post_doc, "10-SV-2012-0004", data=data)
    assert moved.exit_code == 0 and f"was in {POST_AZ}" in " ".join(moved.output.split())
    akten = {a["aktenzeichen"]: a for a in _json("akte", "list", data=data)}
    assert akten[POST_AZ]["documents"] == 1 and akten["10-SV-2012-0004"]["documents"] == 1
    archive = Archive(data)
    try:
        (hit,) = archive.search("", SearchFilters(aktenzeichen="10-SV-2012-0004"), 10)
        assert hit.document_id == post_doc
        assert archive.verify() == []
    finally:
        archive.close()
    # a held Akte keeps its documents; a bad Aktenzeichen is refused
    _json("hold", "add", "--akte", "10-SV-2012-0004", "--reason", "Klage", data=data)
    held = eakte("akte", "file", post_doc, POST_AZ, data=data)
    assert held.exit_code == 2 and "legal hold" in " ".join(held.output.split())
    bad = eakte("akte", "file", loose, "Akte 7", data=data)
    assert bad.exit_code == 2 and "not an Aktenzeichen" in " ".join(bad.output.split())


def test_an_anchor_kept_outside_shows_a_rewritten_trail(data: Path, tmp_path: Path) -> None:
    from archive.audit.chain import GENESIS, event_hash

    anchor = tmp_path / "anker.json"
    assert eakte("audit", "anchor", "--out", str(anchor), data=data).exit_code == 0
    assert json.loads(anchor.read_text())["event_id"] > 3
    # a thorough forger: alter event 2 and recompute every hash after it, and the head
    rows = catalogs.query(
        data, "SELECT id, at, event, document_id, batch_id, detail FROM audit_events ORDER BY id"
    )
    previous = GENESIS
    for event_id, at, event, document_id, batch_id, detail in rows:
        content = catalogs.from_json(detail)
        if event_id == 2:
            content["forged"] = True
        when = catalogs.from_time(at)
        digest = event_hash(previous, event_id, when, event, document_id, batch_id, content)
        catalogs.execute(
            data,
            "UPDATE audit_events SET detail = ?, prev_hash = ?, hash = ? WHERE id = ?",
            json.dumps(content), previous, digest, event_id,
        )  # fmt: skip
        previous = digest
    catalogs.execute(data, "UPDATE audit_head SET last_hash = ?", previous)
    assert eakte("audit", "verify", data=data).exit_code == 0  # the chain alone cannot tell
    caught = eakte("audit", "verify", "--anchor", str(anchor), data=data)
    assert caught.exit_code == 1 and "rewritten" in " ".join(caught.output.split())


def _process_of(out_dir: Path) -> str:
    (offer_file,) = out_dir.glob("*_Aussonderung.Anbieteverzeichnis.0501.xml")
    return offer_file.name.split("_")[0]


def _audited(data: Path, event: str) -> list[dict]:
    rows = catalogs.query(
        data, "SELECT detail FROM audit_events WHERE event = ? ORDER BY id", event
    )
    return [catalogs.from_json(detail) for (detail,) in rows]


def _appraised_a(data: Path, out_dir: Path, az: str) -> tuple[str, str]:
    """Close `az`, offer it and apply the archive's "A": (process id, the Akte's id)."""
    assert eakte("akte", "close", az, "--date", "2010-06-30", data=data).exit_code == 0
    assert eakte("aussonderung", "offer", "--out", str(out_dir), data=data).exit_code == 0
    process_id = _process_of(out_dir)
    akte_id = {a["aktenzeichen"]: a["id"] for a in _json("akte", "list", data=data)}[az]
    appraisal = out_dir / "bewertung.xml"
    appraisal.write_text(handwritten_0502(process_id, akte_id, None), "utf-8")
    assert eakte("aussonderung", "appraise", str(appraisal), data=data).exit_code == 0
    return process_id, akte_id


def test_only_closed_akten_are_offered(data: Path, tmp_path: Path) -> None:
    """A building file whose demolition started its period is due, but not closed (no zdA):
    it is not offered until it is closed."""
    assert eakte("akte", "event", BAU_AZ, "Abriss des Gebäudes (Beseitigung der baulichen Anlage)",
                 "--date", "2001-03-01", data=data).exit_code == 0  # fmt: skip
    assert eakte("akte", "close", POST_AZ, "--date", "2013-01-15", data=data).exit_code == 0
    out_dir = tmp_path / "a"
    assert eakte("aussonderung", "offer", "--out", str(out_dir), data=data).exit_code == 0
    (offer_file,) = out_dir.glob("*.0501.xml")
    assert POST_AZ.encode() in offer_file.read_bytes()
    assert BAU_AZ.encode() not in offer_file.read_bytes()
    assert _states(data)[BAU_AZ] == "due"
    assert eakte("akte", "close", BAU_AZ, "--date", "2001-06-30", data=data).exit_code == 0
    offer_file.unlink()
    assert eakte("aussonderung", "offer", "--out", str(out_dir), data=data).exit_code == 0
    (offer_file,) = out_dir.glob("*.0501.xml")
    assert BAU_AZ.encode() in offer_file.read_bytes()


def test_a_resent_0503_is_kept_beside_the_first_and_both_are_audited(
    data: Path, tmp_path: Path
) -> None:
    """The archive could not import the first package: the second gets a name of its own,
    the first stays, and the audit trail holds each package's name and SHA-256."""
    import hashlib

    out_dir = tmp_path / "a"
    process_id, steuer_id = _appraised_a(data, out_dir, STEUER_AZ)
    assert eakte("aussonderung", "transfer", "--out", str(out_dir), data=data).exit_code == 0
    (first,) = out_dir.glob("*.0503*.zip")
    first_bytes = first.read_bytes()
    name, receipt = confirmation_message(process_id, {steuer_id: "nicht lesbar"}, ARCHIVE, US)
    (out_dir / name).write_bytes(receipt)
    assert eakte("aussonderung", "confirm", str(out_dir / name), data=data).exit_code == 0
    resent = eakte("aussonderung", "transfer", "--out", str(out_dir), data=data)
    assert resent.exit_code == 0, resent.output
    packages = sorted(out_dir.glob("*.0503*.zip"))
    assert len(packages) == 2 and first.read_bytes() == first_bytes
    (second,) = [p for p in packages if p != first]
    assert second.name.startswith(f"{process_id}_Aussonderung.Aussonderung.0503")
    with zipfile.ZipFile(second) as zf:
        assert validate(zf.read(f"{process_id}_Aussonderung.Aussonderung.0503.xml")) == []
    events = _audited(data, "aussonderung_transferred")
    assert [(e["package"], e["sha256"]) for e in events] == [
        (p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in (first, second)
    ]


def test_the_archivkennung_is_asked_for_stored_and_shown(data: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "a"
    process_id, steuer_id = _appraised_a(data, out_dir, STEUER_AZ)
    assert eakte("aussonderung", "transfer", "--out", str(out_dir), data=data).exit_code == 0
    (package,) = out_dir.glob("*.0503.zip")
    with zipfile.ZipFile(package) as zf:
        message = zf.read(f"{process_id}_Aussonderung.Aussonderung.0503.xml")
    assert b"<xdomea:RueckmeldungArchivkennung>1</xdomea:RueckmeldungArchivkennung>" in message
    name, receipt = confirmation_message(
        process_id, {steuer_id: True}, ARCHIVE, US, archive_ids={steuer_id: "StA Best. 22 Nr. 7"}
    )
    (out_dir / name).write_bytes(receipt)
    confirmed = eakte("aussonderung", "confirm", str(out_dir / name), data=data)
    assert confirmed.exit_code == 0 and "StA Best. 22 Nr. 7" in confirmed.output
    assert _json("akte", "show", STEUER_AZ, data=data)["archive_id"] == "StA Best. 22 Nr. 7"
    shown = eakte("akte", "show", STEUER_AZ, data=data)
    assert "StA Best. 22 Nr. 7" in shown.output
    (event,) = _audited(data, "aussonderung_confirmed")
    assert event["archive_ids"] == {STEUER_AZ: "StA Best. 22 Nr. 7"}


def test_akten_the_archive_leaves_unappraised_are_flagged_after_the_configured_time(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An Akte the archive answered "B" (not decided) stays offered; after the configured
    number of days the retention report names it."""
    from datetime import timedelta

    from eakte.cli import retention as retention_cli

    (tmp_path / "eakte.toml").write_text("[eakte]\nappraisal_overdue_days = 30\n", "utf-8")
    assert eakte("akte", "close", POST_AZ, "--date", "2013-01-15", data=data).exit_code == 0
    out_dir = tmp_path / "a"
    assert eakte("aussonderung", "offer", "--out", str(out_dir), data=data).exit_code == 0
    post_id = {a["aktenzeichen"]: a["id"] for a in _json("akte", "list", data=data)}[POST_AZ]
    appraisal = out_dir / "bewertung.xml"
    appraisal.write_text(
        handwritten_0502(_process_of(out_dir), post_id, None).replace(
            "<code>A</code>", "<code>B</code>"
        ),
        "utf-8",
    )
    assert eakte("aussonderung", "appraise", str(appraisal), data=data).exit_code == 0
    assert _states(data)[POST_AZ] == "offered"

    def report(days_later: int) -> dict:
        monkeypatch.setattr(
            retention_cli, "todays_date", lambda: date.today() + timedelta(days=days_later)
        )
        result = eakte("retention", "report", "--format", "json", data=data)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    assert report(29)["awaiting_appraisal"] == []
    (flagged,) = report(31)["awaiting_appraisal"]
    assert flagged["aktenzeichen"] == POST_AZ and flagged["offered_on"] == date.today().isoformat()
    assert "30 days" in flagged["reason"]
    table = eakte("retention", "report", data=data)
    assert POST_AZ in table.output and "Bewertung" in table.output

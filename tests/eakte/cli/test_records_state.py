"""Records state is tamper-evident: editing a catalog table alone shows in `eakte audit verify`.

One archive runs through real records commands (close, event, hold, offer, appraise, transfer,
confirm, review, disposal by two people); each test edits a copy of its SQLite catalog as a
forger with database access would, and `eakte audit verify` must name what was changed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from archive.records.xdomea import Party, confirmation_message
from eakte.cli import common as cli_common
from tests.support import catalogs
from tests.support.commands import invoke_eakte
from tests.support.records import (
    BAU_AZ,
    POST_AZ,
    STEUER_AZ,
    fill_records_archive,
    handwritten_0502,
    records_manager_token,
)


def eakte(*args: str, data: Path) -> Result:
    return invoke_eakte(*args, "--data", str(data))


def _json(*args: str, data: Path) -> Any:
    result = eakte(*args, "--json", data=data)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


US = Party(name="Stadtverwaltung Musterstadt", code="musterstadt")
ARCHIVE = Party(name="Stadtarchiv Musterstadt", code="stadtarchiv-musterstadt")


@pytest.fixture(scope="module")
def cycled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """An archive after a records cycle: the building file held, the tax file handed over
    and confirmed, the letters appraised V and destroyed (proposed by registratur-a,
    approved by registratur-b), one document relabelled; and registratur-a's token."""
    tmp_path = tmp_path_factory.mktemp("cycle")
    with pytest.MonkeyPatch.context() as monkeypatch:
        for variable in ("EAKTE_DATA", "EAKTE_FILE_PLAN", "EAKTE_ES_URL", "EAKTE_USER",
                         "EAKTE_CONFIG", "EAKTE_TOKEN"):  # fmt: skip
            monkeypatch.delenv(variable, raising=False)
        monkeypatch.chdir(tmp_path)
        data = fill_records_archive(tmp_path / "data", tmp_path / "in")
        token = records_manager_token("registratur-a", data)
        monkeypatch.setenv("EAKTE_TOKEN", token)
        _cycle(data, tmp_path, records_manager_token("registratur-b", data))
    yield data, token


def _cycle(data: Path, tmp_path: Path, second: str) -> None:
    for args in (
        ("akte", "close", STEUER_AZ, "--date", "2010-06-30"),
        ("akte", "close", POST_AZ, "--date", "2013-01-15"),
        ("akte", "event", BAU_AZ, "Abriss des Gebäudes (Beseitigung der baulichen Anlage)",
         "--date", "2001-03-01"),
        ("hold", "add", "--akte", BAU_AZ, "--reason", "Nachbarschaftsklage VG 5 K 12/24"),
    ):  # fmt: skip
        done = eakte(*args, data=data)
        assert done.exit_code == 0, done.output
    out_dir = tmp_path / "aussonderung"
    assert eakte("aussonderung", "offer", "--out", str(out_dir), data=data).exit_code == 0
    (offer_file,) = out_dir.glob("*.0501.xml")
    process_id = offer_file.name.split("_")[0]
    ids = {a["aktenzeichen"]: a["id"] for a in _json("akte", "list", data=data)}
    appraisal = out_dir / "bewertung.0502.xml"
    appraisal.write_text(handwritten_0502(process_id, ids[STEUER_AZ], ids[POST_AZ]), "utf-8")
    assert eakte("aussonderung", "appraise", str(appraisal), data=data).exit_code == 0
    assert eakte("aussonderung", "transfer", "--out", str(out_dir), data=data).exit_code == 0
    name, receipt = confirmation_message(process_id, {ids[STEUER_AZ]: True}, ARCHIVE, US)
    (out_dir / name).write_bytes(receipt)
    assert eakte("aussonderung", "confirm", str(out_dir / name), data=data).exit_code == 0
    proposals = _json("dispose", "propose", data=data)
    post = next(p["id"] for p in proposals if p["aktenzeichen"] == POST_AZ)
    approved = eakte("dispose", "approve", post, "--token", second, data=data)
    assert approved.exit_code == 0, approved.output
    steuer_doc = _documents(data, STEUER_AZ)[0]
    relabelled = eakte("review", "relabel", steuer_doc, "gewerbesteuerbescheid", "--by", "pruefer",
                       data=data)  # fmt: skip
    assert relabelled.exit_code == 0, relabelled.output


@pytest.fixture
def data(cycled: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the cycled archive, to tamper with; registratur-a's token in EAKTE_TOKEN."""
    for variable in ("EAKTE_DATA", "EAKTE_FILE_PLAN", "EAKTE_ES_URL", "EAKTE_USER", "EAKTE_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("EAKTE_TOKEN", cycled[1])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli_common.out, "_width", 200)
    copy = tmp_path / "data"
    catalogs.copy_archive(cycled[0], copy)
    return copy


def _documents(data: Path, aktenzeichen: str) -> list[str]:
    shown = _json("akte", "show", aktenzeichen, data=data)
    return [d["document_id"] for d in shown["document_list"]]


def _sql(data: Path, statement: str, *params: object) -> None:
    assert catalogs.execute(data, statement, *params) >= 1, statement


def _broken(data: Path) -> str:
    """What `eakte audit verify` says, which must be a failure; `eakte verify` fails too."""
    result = eakte("audit", "verify", data=data)
    said = " ".join(result.output.split())
    assert result.exit_code == 1, said
    assert eakte("verify", data=data).exit_code == 1
    return said


def test_an_untouched_archive_verifies_clean(data: Path) -> None:
    result = eakte("audit", "verify", data=data)
    assert result.exit_code == 0, result.output
    assert "records state" in " ".join(result.output.split())
    checked = eakte("verify", data=data)
    assert checked.exit_code == 0, checked.output


def test_a_hold_released_in_the_catalog_alone_is_named(data: Path) -> None:
    (hold,) = _json("hold", "list", data=data)
    _sql(data, "UPDATE holds SET released_at = '2026-01-05 10:00:00.000000', released_by = "
         "'registratur-a' WHERE id = ?", hold["id"])  # fmt: skip
    said = _broken(data)
    assert f"legal hold {hold['id']}" in said and "released_at" in said
    assert "released_by" in said


def test_an_akte_taken_out_of_a_hold_is_named(data: Path) -> None:
    _sql(data, "DELETE FROM hold_akten")
    said = _broken(data)
    assert "legal hold" in said and "akten" in said and BAU_AZ in said


def test_a_deleted_hold_is_named(data: Path) -> None:
    (hold,) = _json("hold", "list", data=data)
    _sql(data, "DELETE FROM hold_akten")
    _sql(data, "DELETE FROM holds")
    said = _broken(data)
    assert f"legal hold {hold['id']}" in said and "not in the catalog" in said


def test_an_appraisal_changed_from_a_to_v_is_named(data: Path) -> None:
    _sql(data, "UPDATE akten SET appraisal = 'V' WHERE aktenzeichen = ?", STEUER_AZ)
    said = _broken(data)
    assert f"Akte {STEUER_AZ}: appraisal is 'V' in the catalog but 'A' in the audit trail" in said


def test_a_retention_end_changed_in_the_catalog_is_named(data: Path) -> None:
    _sql(data, "UPDATE akten SET retention_end = '2099-12-31' WHERE aktenzeichen = ?", BAU_AZ)
    said = _broken(data)
    assert f"Akte {BAU_AZ}: retention_end is '2099-12-31' in the catalog but '2011-12-31'" in said


def test_a_zda_date_changed_in_the_catalog_is_named(data: Path) -> None:
    _sql(data, "UPDATE akten SET closed = '2019-06-30' WHERE aktenzeichen = ?", STEUER_AZ)
    said = _broken(data)
    assert f"Akte {STEUER_AZ}: closed is '2019-06-30' in the catalog but '2010-06-30'" in said


def test_an_akte_event_changed_in_the_catalog_is_named(data: Path) -> None:
    _sql(data, "UPDATE akte_events SET date = '2024-01-01'")
    said = _broken(data)
    assert f"Akte {BAU_AZ}: events" in said and "2001-03-01" in said


def test_document_facts_changed_in_catalog_and_sidecar_together_are_named(data: Path) -> None:
    (doc_id,) = _documents(data, BAU_AZ)
    _sql(data, "UPDATE documents SET doc_type = 'schriftverkehr', document_date = '1999-01-01', "
         "aktenzeichen = '63-BG-1999-0001' WHERE id = ?", doc_id)  # fmt: skip
    sidecar = data / "documents" / doc_id[:2] / f"{doc_id}.json"
    content = json.loads(sidecar.read_text("utf-8"))
    content.update(doc_type="schriftverkehr", document_date="1999-01-01",
                   aktenzeichen=["63-BG-1999-0001"])  # fmt: skip
    sidecar.write_text(json.dumps(content, ensure_ascii=False), "utf-8")
    said = _broken(data)
    for field, catalog, trail in (
        ("doc_type", "schriftverkehr", "baugenehmigung"),
        ("document_date", "1999-01-01", "1978-09-12"),
        ("aktenzeichen", "63-BG-1999-0001", BAU_AZ),
    ):
        assert (
            f"document {doc_id}: {field} is '{catalog}' in the catalog but '{trail}' in the "
            "audit trail"
        ) in said


def test_a_relabelled_document_set_back_in_the_catalog_is_named(data: Path) -> None:
    doc_id = _documents(data, STEUER_AZ)[0]
    _sql(data, "UPDATE documents SET doc_type = 'grundsteuerbescheid' WHERE id = ?", doc_id)
    said = _broken(data)
    assert f"document {doc_id}: doc_type is 'grundsteuerbescheid' in the catalog" in said


def test_a_deletion_records_approver_changed_is_named(data: Path) -> None:
    (record,) = [r for r in _json("dispose", "list", data=data) if r["approved_by"]]
    _sql(data, "UPDATE disposals SET approved_by = 'registratur-a' WHERE id = ?", record["id"])
    said = _broken(data)
    assert (
        f"deletion record {record['id']} (Akte {POST_AZ}): approved_by is 'registratur-a' in "
        "the catalog but 'registratur-b' in the audit trail"
    ) in said


@pytest.mark.embedded
def test_an_archive_from_before_records_state_gets_one_baseline_then_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tarfile

    monkeypatch.chdir(tmp_path)
    data = tmp_path / "old"
    with tarfile.open(Path(__file__).parents[2] / "fixtures" / "archive-b8a1a6e.tar.gz") as tar:
        tar.extractall(data, filter="data")
    first = eakte("audit", "verify", data=data)
    said = " ".join(first.output.split())
    assert first.exit_code == 0, said
    assert "recorded as a baseline (1 akten, 1 documents)" in said
    again = eakte("audit", "verify", data=data)
    assert again.exit_code == 0 and "baseline" not in again.output
    with sqlite3.connect(data / "catalog.sqlite") as db:
        ((detail,),) = db.execute(
            "SELECT detail FROM audit_events WHERE event = 'records_baseline'"
        ).fetchall()
        (doc_id,) = db.execute("SELECT id FROM documents").fetchone()
    assert "first verification after the upgrade" in json.loads(detail)["note"]
    _sql(data, "UPDATE documents SET status = 'needs_review'")
    said = _broken(data)
    assert f"document {doc_id}: status is 'needs_review' in the catalog but 'archived'" in said


def test_a_baseline_where_none_belongs_is_named(data: Path) -> None:
    from archive.audit import append_event
    from archive.store import Archive

    archive = Archive(data)
    try:
        with archive.transaction() as session:
            append_event(session, "records_baseline", None, None, {"state": {}})
    finally:
        archive.close()
    said = _broken(data)
    assert "is a records baseline in a trail that recorded records state from its start" in said


def test_a_change_without_an_event_of_its_own_is_still_recorded(data: Path) -> None:
    from sqlalchemy import select

    from archive.catalog.models import Akte, AuditEvent
    from archive.store import Archive

    archive = Archive(data)
    try:
        with archive.transaction() as session:
            akte = session.scalars(select(Akte).where(Akte.aktenzeichen == BAU_AZ)).one()
            akte.title = "Bauakte Lindenstraße 4"
        with archive.transaction() as session:
            last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
            assert last is not None and last.event == "records_state_changed"
            (facts,) = last.detail["state"]["akten"].values()
            assert facts["title"] == "Bauakte Lindenstraße 4"
    finally:
        archive.close()
    assert eakte("audit", "verify", data=data).exit_code == 0

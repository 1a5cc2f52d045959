"""Every fact that decides access, retention or meaning of a document is sealed: an edit of it in
the catalog, in the metadata sidecar, or in both alike is reported by `eakte verify`.

One archive is made once per module by the archive API and real records commands (the tax file
closed, a document relabelled); each case edits a copy of it as someone with write access to
the data directory would: the catalog with plain SQL, the sidecar as JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from eakte.cli import common as cli_common
from tests.support import catalogs
from tests.support.commands import invoke_eakte
from tests.support.records import (
    BAU_AZ,
    STEUER_AZ,
    fill_records_archive,
    records_manager_token,
)

_ENVIRONMENT = ("EAKTE_DATA", "EAKTE_FILE_PLAN", "EAKTE_ES_URL", "EAKTE_USER", "EAKTE_CONFIG",
                "EAKTE_TOKEN")  # fmt: skip
TAX_TITLE = "Schreiben steuer-1"  # the Grundsteuerbescheid of the tax file (unit 9.2.1)


@dataclass(frozen=True)
class Edit:
    """One forged fact: the catalog statement (the document's id is its parameter), the same
    change in the sidecar, and the facts `verify` must name."""

    sql: str
    sidecar: Callable[[dict[str, Any]], None]
    named: tuple[str, ...]
    facts: Callable[[dict[str, Any]], None] | None = None  # the catalog's facts (JSON) too


def _set(**values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda content: content.update(values)


def _first(part: str, **values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda content: content[part][0].update(values)


EDITS = {
    "title": Edit(
        "UPDATE documents SET title = 'Erlass der Grundsteuer' WHERE id = ?",
        _set(title="Erlass der Grundsteuer"),
        ("title",),
    ),
    "date": Edit(
        "UPDATE documents SET document_date = '1999-01-01' WHERE id = ?",
        _set(document_date="1999-01-01"),
        ("document_date",),
    ),
    "aktenzeichen": Edit(
        f"UPDATE documents SET aktenzeichen = '{BAU_AZ}' WHERE id = ?",
        _set(aktenzeichen=[BAU_AZ]),
        ("aktenzeichen",),
        facts=_set(aktenzeichen=[BAU_AZ]),
    ),
    "page text": Edit(
        "UPDATE pages SET text = 'Die Grundsteuer wird erlassen.' WHERE document_id = ?",
        _first("pages", text="Die Grundsteuer wird erlassen."),
        ("pages",),
    ),
    "identifiers": Edit(
        f"UPDATE identifiers SET value = '{BAU_AZ}', raw = '{BAU_AZ}' WHERE document_id = ?",
        _first("identifiers", value=BAU_AZ, raw=BAU_AZ),
        ("identifiers",),
    ),
    "confidence": Edit(
        "UPDATE documents SET confidence = 0.12 WHERE id = ?",
        _set(confidence=0.12),
        ("confidence",),
    ),
    "source name": Edit(
        "UPDATE documents SET source_name = 'karton-9/anderer-scan.png' WHERE id = ?",
        _set(source_name="karton-9/anderer-scan.png"),
        ("source_name",),
    ),
    "tax secret lifted into the building unit": Edit(
        "UPDATE documents SET tax_secret = FALSE, aktenplan_unit = '6.1.3' WHERE id = ?",
        _set(tax_secret=False, aktenplan_unit="6.1.3"),
        ("tax_secret", "aktenplan_unit"),
    ),
}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The records tests' archive with the tax file closed and one letter relabelled."""
    tmp_path = tmp_path_factory.mktemp("sealed")
    with pytest.MonkeyPatch.context() as monkeypatch:
        for variable in _ENVIRONMENT:
            monkeypatch.delenv(variable, raising=False)
        monkeypatch.chdir(tmp_path)
        data = fill_records_archive(tmp_path / "data", tmp_path / "in")
        monkeypatch.setenv("EAKTE_TOKEN", records_manager_token("registratur-a", data))
        letter = _document(data, "Schreiben post-1")
        for args in (
            ("akte", "close", STEUER_AZ, "--date", "2010-06-30"),
            ("review", "relabel", letter, "widerspruch", "--by", "pruefer"),
        ):
            done = invoke_eakte(*args, "--data", str(data))
            assert done.exit_code == 0, done.output
    yield data


@pytest.fixture
def data(made: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the made archive, to tamper with."""
    for variable in _ENVIRONMENT:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli_common.out, "_width", 400)
    copy = tmp_path / "data"
    catalogs.copy_archive(made, copy)
    return copy


def _document(data: Path, title: str) -> str:
    (found,) = catalogs.query(data, "SELECT id FROM documents WHERE title = ?", title)
    return str(found[0])


def _forge_catalog(data: Path, edit: Edit, document_id: str) -> None:
    assert catalogs.execute(data, edit.sql, document_id) >= 1, edit.sql
    if edit.facts is not None:
        ((facts,),) = catalogs.query(data, "SELECT facts FROM documents WHERE id = ?", document_id)
        facts = catalogs.from_json(facts)
        edit.facts(facts)
        catalogs.execute(data, "UPDATE documents SET facts = ? WHERE id = ?",
                         json.dumps(facts, ensure_ascii=False), document_id)  # fmt: skip


def _forge_sidecar(data: Path, edit: Callable[[dict[str, Any]], None], document_id: str) -> None:
    path = data / "documents" / document_id[:2] / f"{document_id}.json"
    content = json.loads(path.read_text("utf-8"))
    edit(content)
    path.write_text(json.dumps(content, ensure_ascii=False, indent=2), "utf-8")


def _verify_fails(data: Path) -> list[str]:
    """The lines of `eakte verify`, which must fail."""
    result = invoke_eakte("verify", "--data", str(data))
    assert result.exit_code == 1, result.output
    return result.output.splitlines()


def test_the_untouched_archive_verifies_clean(data: Path) -> None:
    result = invoke_eakte("verify", "--data", str(data))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("field", list(EDITS))
def test_a_fact_edited_in_the_catalog_alone_is_named(data: Path, field: str) -> None:
    edit, document_id = EDITS[field], _document(data, TAX_TITLE)
    _forge_catalog(data, edit, document_id)
    said = _verify_fails(data)
    for name in edit.named:
        assert any(
            line.startswith(f"records state: document {document_id}: {name} ") for line in said
        ), (name, said)


@pytest.mark.parametrize("field", list(EDITS))
def test_a_fact_edited_in_the_sidecar_alone_is_named(data: Path, field: str) -> None:
    edit, document_id = EDITS[field], _document(data, TAX_TITLE)
    _forge_sidecar(data, edit.sidecar, document_id)
    said = _verify_fails(data)
    (line,) = [s for s in said if "metadata sidecar disagrees with the catalog" in s]
    assert line.startswith(f"{document_id}: ")
    for name in edit.named:
        assert name in line.split("(", 1)[1], (name, line)


@pytest.mark.parametrize("field", list(EDITS))
def test_a_fact_edited_in_catalog_and_sidecar_alike_is_named(data: Path, field: str) -> None:
    edit, document_id = EDITS[field], _document(data, TAX_TITLE)
    _forge_catalog(data, edit, document_id)
    _forge_sidecar(data, edit.sidecar, document_id)
    said = _verify_fails(data)
    for name in edit.named:
        assert any(
            line.startswith(f"records state: document {document_id}: {name} ") for line in said
        ), (name, said)
    assert not [s for s in said if "metadata sidecar" in s]  # they agree: the trail tells


def test_a_sidecar_that_cannot_be_read_is_named_not_a_crash(data: Path) -> None:
    document_id = _document(data, TAX_TITLE)
    _forge_sidecar(data, _set(pages="nicht eine Liste von Seiten"), document_id)
    said = _verify_fails(data)
    assert any(s.startswith(f"{document_id}: metadata sidecar ") for s in said), said


def test_a_review_writes_the_documents_new_seal_into_its_event(data: Path) -> None:
    letter = _document(data, "Schreiben post-1")
    events = dict(
        catalogs.query(
            data,
            "SELECT event, detail FROM audit_events WHERE document_id = ? AND event IN "
            "('archived', 'reviewed') ORDER BY id",
            letter,
        )
    )
    archived, reviewed = (
        catalogs.from_json(events[name])["state"]["documents"][letter]
        for name in ("archived", "reviewed")
    )
    assert (archived["doc_type"], reviewed["doc_type"]) == ("schriftverkehr", "widerspruch")
    assert archived["seal"]["reviewed_at"] != reviewed["seal"]["reviewed_at"]
    assert archived["seal"]["pages"] == reviewed["seal"]["pages"]  # the text did not change

"""The records tests' small archive and what its records managers bring: three Akten (a tax
file, letters and a building file), records managers' tokens and a 0502 from the archive."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from archive.store import Archive
from classifiers.fileplan import load_file_plan
from pipelines.records_plan import filing_plan
from tests.support.commands import invoke_eakte
from tests.support.documents import store_document

STEUER_AZ = "22-GS-2009-00017"  # tax file: 10 years from closing
POST_AZ = "10-SV-2012-0003"  # correspondence: 6 years from closing
BAU_AZ = "63-BG-1978-0042"  # building file: 10 years from demolition


def fill_records_archive(data: Path, folder: Path) -> Path:
    """A real archive in `data` with the tax, letters and building files, filed directly."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = Archive(data, filing=filing_plan(load_file_plan()))
    archive.start_batch("karton-1", "Karton 1")
    for name, doc_type, unit, az, day in (
        ("steuer-1", "grundsteuerbescheid", "9.2.1", STEUER_AZ, date(2009, 2, 1)),
        ("steuer-2", "grundsteuerbescheid", "9.2.1", STEUER_AZ, date(2010, 2, 1)),
        ("post-1", "schriftverkehr", "0.2.1", POST_AZ, date(2012, 4, 3)),
        ("bau-1", "baugenehmigung", "6.1.3", BAU_AZ, date(1978, 9, 12)),
    ):
        store_document(
            archive, folder, name, doc_type, "archived", f"Text {name} Musterstadt",
            unit=unit, tax_secret=unit.startswith("9"), aktenzeichen=az, document_date=day,
        )  # fmt: skip
    archive.close()
    return data


def records_manager_token(
    name: str,
    data: Path,
    role: str = "records_manager",
    env: Mapping[str, str | None] | None = None,
) -> str:
    """The secret of a new token (a records manager's by default), made with
    `eakte token create` (in the environment `env` adds to this one)."""
    made = invoke_eakte("token", "create", "--name", name, "--role", role, "--scope", "all",
                        "--json", "--data", str(data), env=env)  # fmt: skip
    assert made.exit_code == 0, made.output
    return str(json.loads(made.stdout)["secret"])


def handwritten_0502(process_id: str, archive_id: str | None, destroy_id: str | None) -> str:
    """A 0502 Bewertungsverzeichnis as the Stadtarchiv's system would send it."""
    entries = ""
    for file_id, code in ((archive_id, "A"), (destroy_id, "V")):
        if file_id:
            entries += f"""
  <xdomea:BewertetesObjekt>
    <xdomea:ID>{file_id}</xdomea:ID>
    <xdomea:Aussonderungsart>
      <xdomea:Aussonderungsart listURI="urn:xoev-de:xdomea:codeliste:aussonderungsart" listVersionID="1.0">
        <code>{code}</code>
      </xdomea:Aussonderungsart>
    </xdomea:Aussonderungsart>
  </xdomea:BewertetesObjekt>"""
    return HANDWRITTEN_0502.format(process_id=process_id, entries=entries)


HANDWRITTEN_0502 = """<?xml version="1.0" encoding="UTF-8"?>
<xdomea:Aussonderung.Bewertungsverzeichnis.0502 xmlns:xdomea="urn:xoev-de:xdomea:schema:3.1.0">
  <xdomea:Kopf>
    <xdomea:ProzessID>{process_id}</xdomea:ProzessID>
    <xdomea:Nachrichtentyp listURI="urn:xoev-de:xdomea:codeliste:nachrichtentyp"
                           listVersionID="2.0">
      <code>0502</code>
    </xdomea:Nachrichtentyp>
    <xdomea:Erstellungszeitpunkt>2026-11-02T09:15:00+01:00</xdomea:Erstellungszeitpunkt>
    <xdomea:Absender>
      <xdomea:Institution><xdomea:Name>Stadtarchiv Musterstadt</xdomea:Name></xdomea:Institution>
    </xdomea:Absender>
    <xdomea:Empfaenger>
      <xdomea:Institution><xdomea:Name>Stadtverwaltung Musterstadt</xdomea:Name></xdomea:Institution>
    </xdomea:Empfaenger>
    <xdomea:Empfangsbestaetigung>0</xdomea:Empfangsbestaetigung>
  </xdomea:Kopf>{entries}
</xdomea:Aussonderung.Bewertungsverzeichnis.0502>
"""

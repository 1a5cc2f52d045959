"""xdomea Aussonderung messages: built messages validate, received ones are read strictly."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from archive.records import xdomea
from archive.records.xdomea import (
    DocumentEntry,
    FileEntry,
    Party,
    XdomeaError,
    appraisal_message,
    confirmation_message,
    offer_message,
    parse_appraisal,
    parse_confirmation,
    transfer_package,
    validate,
)

SHARED_SCHEMAS = Path(__file__).resolve().parents[4] / "shared" / "standards" / "xdomea"


def test_the_schemas_ship_with_eakte_unchanged() -> None:
    """A checkout anywhere validates messages: the schemas are package files, byte-identical
    to the published ones they were copied from."""
    root = xdomea.default_schema_root()
    assert root.is_relative_to(Path(xdomea.__file__).parent)
    shipped = sorted(p.relative_to(root) for p in root.rglob("*.xsd"))
    assert len(shipped) == 2 * 20 + 2
    if SHARED_SCHEMAS.is_dir():
        for relative in shipped:
            assert (root / relative).read_bytes() == (SHARED_SCHEMAS / relative).read_bytes()


US = Party(name="Stadt Musterstadt, Hauptamt", code="musterstadt-10", unit="Bauordnungsamt")
ARCHIVE = Party(name="Stadtarchiv Musterstadt", code="musterstadt-archiv", short_name="StA")
PID = "5d1d3c2a-8f0e-4b7a-9c51-2e6f1a0b9d11"
CREATED = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def _doc(tmp: Path, title: str, doc_type: str) -> tuple[DocumentEntry, Path]:
    doc_id = str(uuid.uuid4())
    data = b"%PDF-1.7\n% PDF/A test content " + title.encode() + b"\n" + uuid.uuid4().bytes
    path = tmp / f"src-{doc_id}.pdf"
    path.write_bytes(data)
    entry = DocumentEntry(
        id=doc_id,
        title=title,
        file_name=f"{doc_id}.pdf",
        document_date=date(2024, 2, 3),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        doc_type=doc_type,
    )
    return entry, path


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[list[FileEntry], dict[str, Path]]:
    """Two Akten: one with two documents, one (permanent retention) with one."""
    d1, p1 = _doc(tmp_path, "Bauantrag", "Antrag")
    d2, p2 = _doc(tmp_path, "Baugenehmigung", "Baugenehmigung")
    d3, p3 = _doc(tmp_path, "Ratsbeschluss", "Beschluss")
    files = [
        FileEntry(
            id=str(uuid.uuid4()),
            aktenzeichen="63-BG-2024-0117",
            title="Neubau Einfamilienhaus Lindenweg 4",
            aktenplan_unit="6.1.3",
            opened=date(2024, 1, 10),
            closed=date(2024, 6, 30),
            retention_years=30,
            retention_end=date(2054, 12, 31),
            documents=(d1, d2),
        ),
        FileEntry(
            id=str(uuid.uuid4()),
            aktenzeichen="10-RB-2023-0042",
            title="Ratsbeschlüsse 2023",
            aktenplan_unit="0.1.2",
            opened=date(2023, 1, 1),
            closed=date(2023, 12, 31),
            retention_years=None,
            retention_end=None,
            documents=(d3,),
            appraisal_proposal="A",
        ),
    ]
    return files, {d1.id: p1, d2.id: p2, d3.id: p3}


def _ids(xml: bytes) -> set[str]:
    """All Identifikation/ID values (Akten and Dokumente) of a message."""
    root = ET.fromstring(xml)
    return {el.text or "" for el in root.iter() if el.tag.endswith("}ID")}


@pytest.mark.parametrize("version", xdomea.VERSIONS)
def test_offer_validates_and_carries_ids(corpus, version: str) -> None:
    files, _ = corpus
    name, xml = offer_message(PID, files, US, ARCHIVE, version=version, created=CREATED)
    assert validate(xml) == []
    assert validate(xml, version=version) == []
    assert name == f"{PID}_Aussonderung.Anbieteverzeichnis.0501.xml"
    assert f"urn:xoev-de:xdomea:schema:{version}".encode() in xml
    text = xml.decode()
    assert "63-BG-2024-0117" in text and "10-RB-2023-0042" in text
    expected = {f.id for f in files} | {d.id for f in files for d in f.documents}
    assert _ids(xml) == expected
    assert "Primaerdokument" not in text  # 0501 carries no primary documents


def test_validate_reports_errors() -> None:
    assert validate(b"<nope") != []
    assert validate(b"<a xmlns='urn:other'/>") != []
    bad = b'<x:Aussonderung.Bewertungsverzeichnis.0502 xmlns:x="urn:xoev-de:xdomea:schema:3.1.0"/>'
    assert validate(bad) != []
    assert validate(bad, version="3.0.0") != []


HAND_WRITTEN_0502 = """<?xml version="1.0" encoding="UTF-8"?>
<xdomea:Aussonderung.Bewertungsverzeichnis.0502 xmlns:xdomea="urn:xoev-de:xdomea:schema:3.0.0">
  <xdomea:Kopf>
    <xdomea:ProzessID>{pid}</xdomea:ProzessID>
    <xdomea:Nachrichtentyp listURI="urn:xoev-de:xdomea:codeliste:nachrichtentyp"
                           listVersionID="2.0">
      <code>0502</code>
      <name>Aussonderung.Bewertungsverzeichnis</name>
    </xdomea:Nachrichtentyp>
    <xdomea:Erstellungszeitpunkt>2025-03-10T14:02:11+01:00</xdomea:Erstellungszeitpunkt>
    <xdomea:Absender>
      <xdomea:Institution>
        <xdomea:Name>Stadtarchiv Musterstadt</xdomea:Name>
        <xdomea:Kurzbezeichnung>StA</xdomea:Kurzbezeichnung>
      </xdomea:Institution>
    </xdomea:Absender>
    <xdomea:Empfaenger>
      <xdomea:Institution>
        <xdomea:Name>Stadt Musterstadt, Hauptamt</xdomea:Name>
      </xdomea:Institution>
    </xdomea:Empfaenger>
    <xdomea:Empfangsbestaetigung>1</xdomea:Empfangsbestaetigung>
  </xdomea:Kopf>
  <xdomea:BewertetesObjekt>
    <xdomea:ID>{keep}</xdomea:ID>
    <xdomea:Aussonderungsart>
      <xdomea:Aussonderungsart listURI="urn:xoev-de:xdomea:codeliste:aussonderungsart"
                               listVersionID="1.0">
        <code>A</code>
        <name>Archivieren</name>
      </xdomea:Aussonderungsart>
    </xdomea:Aussonderungsart>
  </xdomea:BewertetesObjekt>
  <xdomea:BewertetesObjekt>
    <xdomea:ID>{drop}</xdomea:ID>
    <xdomea:Aussonderungsart>
      <xdomea:Aussonderungsart>
        <code>V</code>
      </xdomea:Aussonderungsart>
    </xdomea:Aussonderungsart>
  </xdomea:BewertetesObjekt>
</xdomea:Aussonderung.Bewertungsverzeichnis.0502>
"""


def test_parse_hand_written_appraisal() -> None:
    keep, drop = str(uuid.uuid4()), str(uuid.uuid4())
    xml = HAND_WRITTEN_0502.format(pid=PID, keep=keep, drop=drop).encode()
    assert validate(xml) == []
    appraisal = parse_appraisal(xml, source="inbox/x.xml")
    assert appraisal.process_id == PID
    assert appraisal.version == "3.0.0"
    assert appraisal.decisions == {keep: "A", drop: "V"}
    assert appraisal.sender is not None and appraisal.sender.name == "Stadtarchiv Musterstadt"


@pytest.mark.parametrize("version", xdomea.VERSIONS)
def test_appraisal_round_trip(corpus, version: str) -> None:
    files, _ = corpus
    decisions = {files[0].id: "V", files[1].id: "A"}
    name, xml = appraisal_message(PID, decisions, ARCHIVE, US, version=version, created=CREATED)
    assert name == f"{PID}_Aussonderung.Bewertungsverzeichnis.0502.xml"
    assert validate(xml) == []
    appraisal = parse_appraisal(xml)
    assert (appraisal.process_id, appraisal.version) == (PID, version)
    assert appraisal.decisions == decisions
    assert appraisal.sender == Party(name=ARCHIVE.name, code=ARCHIVE.code, short_name="StA")


def test_appraisal_wrong_structure_names_source() -> None:
    keep, drop = str(uuid.uuid4()), str(uuid.uuid4())
    good = HAND_WRITTEN_0502.format(pid=PID, keep=keep, drop=drop)
    broken = good.replace("<code>V</code>", "<code>X</code>")  # not in the code list
    with pytest.raises(XdomeaError, match=r"inbox/broken\.xml"):
        parse_appraisal(broken.encode(), source="inbox/broken.xml")
    no_kopf = good.split("<xdomea:Kopf>")[0] + good.split("</xdomea:Kopf>")[1]
    with pytest.raises(XdomeaError, match=r"inbox/nokopf\.xml"):
        parse_appraisal(no_kopf.encode(), source="inbox/nokopf.xml")
    _, offer = offer_message(PID, [_minimal_file()], US, ARCHIVE)
    with pytest.raises(
        XdomeaError, match=r"offer\.xml: expected Aussonderung\.Bewertungsverzeichnis"
    ):
        parse_appraisal(offer, source="offer.xml")
    with pytest.raises(XdomeaError, match="garbage"):
        parse_appraisal(b"<<<", source="garbage")
    with pytest.raises(XdomeaError, match="dtd"):
        parse_appraisal(b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', source="dtd")


def _minimal_file() -> FileEntry:
    return FileEntry(
        id=str(uuid.uuid4()),
        aktenzeichen="00-X-1",
        title="x",
        aktenplan_unit="0",
        opened=None,
        closed=None,
        retention_years=5,
        retention_end=None,
        documents=(),
    )


@pytest.mark.parametrize("version", xdomea.VERSIONS)
def test_transfer_package_holds_only_archived_files(corpus, version: str) -> None:
    files, pdfs = corpus
    _, offer = offer_message(PID, files, US, ARCHIVE, version=version, created=CREATED)
    kept, dropped = files[0], files[1]
    _, xml_0502 = appraisal_message(PID, {kept.id: "A", dropped.id: "V"}, ARCHIVE, US)
    appraisal = parse_appraisal(xml_0502)

    name, data = transfer_package(
        PID, files, pdfs, US, ARCHIVE, version=version, decisions=appraisal, created=CREATED
    )
    assert name == f"{PID}_Aussonderung.Aussonderung.0503.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml_name = f"{PID}_Aussonderung.Aussonderung.0503.xml"
        members = set(zf.namelist())
        assert members == {xml_name} | {d.file_name for d in kept.documents}
        xml = zf.read(xml_name)
        for d in kept.documents:
            assert zf.read(d.file_name) == pdfs[d.id].read_bytes()
    assert validate(xml) == []
    assert validate(xml, version=version) == []
    ids = _ids(xml)
    assert ids == {kept.id} | {d.id for d in kept.documents}
    assert ids <= _ids(offer)  # the same UUIDs as offered
    text = xml.decode()
    for d in kept.documents:
        assert f"<xdomea:Dateiname>{d.file_name}</xdomea:Dateiname>" in text
    assert dropped.aktenzeichen not in text


def test_transfer_package_refuses_inconsistent_input(corpus, tmp_path: Path) -> None:
    files, pdfs = corpus
    with pytest.raises(XdomeaError, match="appraised A but not given"):
        transfer_package(PID, files[:1], pdfs, US, ARCHIVE, decisions={files[1].id: "A"})
    with pytest.raises(XdomeaError, match="no file to hand over"):
        transfer_package(PID, files, pdfs, US, ARCHIVE, decisions={files[0].id: "V"})
    tampered = dict(pdfs)
    doc = files[0].documents[0]
    other = tmp_path / "other.pdf"
    other.write_bytes(b"%PDF-1.7 something else")
    tampered[doc.id] = other
    with pytest.raises(XdomeaError, match="does not match the catalogued"):
        transfer_package(PID, files, tampered, US, ARCHIVE)
    missing = {k: v for k, v in pdfs.items() if k != doc.id}
    with pytest.raises(XdomeaError, match="no PDF given"):
        transfer_package(PID, files, missing, US, ARCHIVE)


@pytest.mark.parametrize("version", xdomea.VERSIONS)
def test_confirmation_round_trip(corpus, version: str) -> None:
    files, _ = corpus
    ok, bad = files[0].id, files[1].id
    name, xml = confirmation_message(
        PID,
        {ok: True, bad: "Primärdokument nicht lesbar"},
        ARCHIVE,
        US,
        version=version,
        archive_ids={ok: "StA-Best. 63 Nr. 1"},
    )
    assert name == f"{PID}_Aussonderung.AussonderungImportBestaetigen.0506.xml"
    assert validate(xml) == []
    conf = parse_confirmation(xml, source=name)
    assert (conf.process_id, conf.version) == (PID, version)
    assert conf.imported == {ok}
    assert conf.failed == {bad: "Primärdokument nicht lesbar"}
    assert conf.archive_ids == {ok: "StA-Best. 63 Nr. 1"}


def test_confirmation_wrong_message_names_source(corpus) -> None:
    files, _ = corpus
    _, xml_0502 = appraisal_message(PID, {files[0].id: "A"}, ARCHIVE, US)
    with pytest.raises(XdomeaError, match=r"answer\.xml"):
        parse_confirmation(xml_0502, source="answer.xml")


def test_generated_invalid_message_is_refused(corpus) -> None:
    files, _ = corpus
    with pytest.raises(XdomeaError, match="not a UUID"):
        offer_message("not-a-uuid", files, US, ARCHIVE)
    with pytest.raises(XdomeaError, match="unsupported xdomea version"):
        offer_message(PID, files, US, ARCHIVE, version="2.4.0")
    with pytest.raises(XdomeaError, match="not in A/B/V"):
        appraisal_message(PID, {files[0].id: "X"}, ARCHIVE, US)


DTD_0502 = HAND_WRITTEN_0502.replace(
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<?xml version="1.0" encoding="UTF-16"?>\n'
    "<!DOCTYPE xdomea:Aussonderung.Bewertungsverzeichnis.0502 "
    '[<!ENTITY archiv "Stadtarchiv Musterstadt">]>\n',
).replace(
    "<xdomea:Name>Stadtarchiv Musterstadt</xdomea:Name>", "<xdomea:Name>&archiv;</xdomea:Name>"
)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8"])
def test_a_dtd_is_refused_in_any_encoding(encoding: str) -> None:
    """An entity declaration is refused however the message is encoded, never expanded."""
    keep, drop = str(uuid.uuid4()), str(uuid.uuid4())
    text = DTD_0502.format(pid=PID, keep=keep, drop=drop)
    if encoding != "utf-16":
        text = text.replace('encoding="UTF-16"', f'encoding="{encoding.upper()}"')
    xml = text.encode(encoding)
    with pytest.raises(XdomeaError, match=r"inbox/x\.xml: .*(DTD|entit)"):
        parse_appraisal(xml, source="inbox/x.xml")
    assert validate(xml) != []


def test_a_utf16_message_without_dtd_is_read() -> None:
    keep, drop = str(uuid.uuid4()), str(uuid.uuid4())
    text = HAND_WRITTEN_0502.format(pid=PID, keep=keep, drop=drop).replace("UTF-8", "UTF-16")
    assert parse_appraisal(text.encode("utf-16")).decisions == {keep: "A", drop: "V"}


@pytest.mark.parametrize("version", xdomea.VERSIONS)
def test_the_transfer_note_of_each_document_is_an_annex_file_of_the_0503(
    corpus, version: str
) -> None:
    """Each document's Transfervermerk travels as an Anlage (annex document) whose primary
    file is the note as JSON in the package, referenced from the message."""
    files, pdfs = corpus
    noted = [
        replace(
            f,
            documents=tuple(
                replace(d, transfer_note=f'{{"document_id": "{d.id}"}}'.encode())
                for d in f.documents
            ),
        )
        for f in files
    ]
    _, data = transfer_package(PID, noted, pdfs, US, ARCHIVE, version=version, created=CREATED)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read(f"{PID}_Aussonderung.Aussonderung.0503.xml")
        assert validate(xml, version=version) == []
        root = ET.fromstring(xml)
        ns = {"x": f"urn:xoev-de:xdomea:schema:{version}"}
        for dok in root.iter(f"{{{ns['x']}}}Dokument"):
            doc_id = dok.findtext("x:Identifikation/x:ID", namespaces=ns)
            (annex,) = dok.findall("x:Anlage", ns)
            assert annex.findtext("x:Typ", namespaces=ns) == "Transfervermerk"
            note_file = annex.findtext("x:Version/x:Format/x:Primaerdokument/x:Dateiname", None, ns)
            assert note_file and note_file.endswith("_Transfervermerk.json")
            assert zf.read(note_file) == f'{{"document_id": "{doc_id}"}}'.encode()

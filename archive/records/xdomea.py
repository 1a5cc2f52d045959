"""xdomea messages for the hand-over of closed files to the municipal archive (Aussonderung).

The procedure (xdomea 3.x, "Aussonderung durchführen"):

1. we offer closed files with ``Aussonderung.Anbieteverzeichnis.0501`` (metadata only),
2. the archive appraises each file in ``Aussonderung.Bewertungsverzeichnis.0502``
   ("A" archive, "V" destroy, "B" still to be appraised),
3. we hand over the files appraised "A" in ``Aussonderung.Aussonderung.0503``: one ZIP holding
   the XML and the primary documents (PDF/A) it names by ``Dateiname``,
4. the archive confirms the import per file in ``Aussonderung.AussonderungImportBestaetigen.0506``.

Every message we build is validated against the official schema before it is returned, and every
message we read is validated before we trust it, so a broken exchange fails loudly here instead of
in the archive. Received XML is parsed with defusedxml, whatever its encoding: a DTD or entity
declaration is refused, never expanded. The library is self-contained (stdlib, defusedxml,
xmlschema) so it can be reused by the CLI, the API and tests alike.

File names follow the xdomea convention ``{ProzessID}_{Nachrichtenname}.xml`` (e.g.
``<uuid>_Aussonderung.Anbieteverzeichnis.0501.xml``); the 0503 package is
``{ProzessID}_Aussonderung.Aussonderung.0503.zip`` holding the XML of the same stem plus the
primary documents at the top level of the ZIP. Each document's transfer note
(Transfervermerk, BSI TR-03138) goes with it as an ``Anlage``: the schema has no element of its
own for the note, and an annex document with its own primary file is where xdomea puts what
belongs to a document without being it; the note's JSON lies in the ZIP as
``{annex UUID}_Transfervermerk.json``. This is what archive software (e.g. x-man of the
Landesarchiv Thüringen) looks for; x-man also expects the 0501 wrapped in a ZIP of the same stem,
which :func:`zip_message` produces.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree as ET

import xmlschema
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from xmlschema.validators import XsdComplexType

from archive.errors import ArchiveError

VERSIONS = ("3.1.0", "3.0.0")
DEFAULT_VERSION = "3.1.0"

MSG_OFFER = "Aussonderung.Anbieteverzeichnis.0501"
MSG_APPRAISAL = "Aussonderung.Bewertungsverzeichnis.0502"
MSG_TRANSFER = "Aussonderung.Aussonderung.0503"
MSG_CONFIRMATION = "Aussonderung.AussonderungImportBestaetigen.0506"

#: Aussonderungsart code list (urn:xoev-de:xdomea:codeliste:aussonderungsart):
#: A = archivwürdig, B = zum Bewerten markiert (not decided yet), V = zum Vernichten markiert.
APPRAISAL_CODES = ("A", "B", "V")

PRODUCT_NAME = "eakte"
_NS_PREFIX = "urn:xoev-de:xdomea:schema:"
_SCHEMA_FILE = "xdomea-Nachrichten-AussonderungDurchfuehren.xsd"
_UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


class XdomeaError(ArchiveError):
    """A message is invalid or unreadable; the message says which file and why."""


@dataclass(frozen=True)
class FileFormat:
    """Value for ``Format/Name`` (code list urn:xoev-de:xdomea:codeliste:dateiformat).

    The code list is not part of the schema (XRepository, version sent in the message), so the
    value is configurable. The default uses code "100" = "Sonstiges" with ``SonstigerName``, the
    one code the 3.1.0 schema documents; replace it with the list's PDF/A code once confirmed
    with the receiving archive.
    """

    code: str = "100"
    list_version: str = "2.0"
    other_name: str | None = "PDF/A"
    version: str = ""  # Format/Version is mandatory but may be empty (e.g. "2b" for PDF/A-2b)


PDFA_FORMAT = FileFormat()


@dataclass(frozen=True)
class Party:
    """Sender (our administration) or receiver (the archive) of a message (xdomea Kontakt)."""

    name: str  # Institution/Name, e.g. "Stadt Musterstadt, Hauptamt"
    code: str  # Behoerdenkennung/Behoerdenschluessel/code, e.g. "musterstadt-10"
    short_name: str | None = None  # Institution/Kurzbezeichnung
    unit: str | None = None  # Organisationseinheit/Name
    prefix: str | None = None  # Behoerdenkennung/Praefix/code
    code_list_uri: str | None = None  # listURI of the Behoerdenschluessel code list, if any
    code_list_version: str | None = None  # listVersionID of that code list


@dataclass(frozen=True)
class DocumentEntry:
    """One primary document (PDF/A) of a file."""

    id: str  # UUID string, stable: the document's id in our archive
    title: str
    file_name: (
        str  # name of the PDF/A inside the 0503 ZIP; the schema wants it to start with a UUID
    )
    document_date: date | None
    sha256: str  # of the PDF/A; xdomea has no checksum element, used to verify the packed file
    size: int
    doc_type: str  # our type label, written as Dokument/Typ
    transfer_note: bytes | None = None  # its Transfervermerk as JSON; packed as an Anlage (0503)


@dataclass(frozen=True)
class FileEntry:
    """One file (Akte) offered or handed over."""

    id: str  # UUID string, stable across 0501/0502/0503/0506
    aktenzeichen: str
    title: str
    aktenplan_unit: str  # Aktenplaneinheit/Kennzeichen, e.g. "6.1.3"
    opened: date | None
    closed: date | None  # zdA date
    retention_years: int | None  # None = permanent (Unbefristet)
    retention_end: date | None
    documents: tuple[DocumentEntry, ...]
    appraisal_proposal: str | None = None  # our Bewertungsvorschlag "A"/"V" in the 0501, optional


@dataclass(frozen=True)
class Appraisal:
    """The archive's decisions from a 0502: file UUID -> "A" | "V" | "B"."""

    process_id: str
    version: str
    decisions: dict[str, str]
    sender: Party | None = None


@dataclass(frozen=True)
class Confirmation:
    """The archive's import result from a 0506."""

    process_id: str
    version: str
    imported: set[str]
    failed: dict[str, str]  # file UUID -> error text
    archive_ids: dict[str, str] = field(default_factory=dict)  # file UUID -> Archivkennung
    sender: Party | None = None


# --------------------------------------------------------------------------- schema handling


def default_schema_root() -> Path:
    """The official xsd files, shipped with eakte (provenance in the folder's PROVENANCE.md)."""
    return Path(__file__).resolve().with_name("xdomea_schemas")


@lru_cache(maxsize=8)
def _load_schema(version: str, root: str) -> xmlschema.XMLSchema:
    base = Path(root)
    xsd = base / version / _SCHEMA_FILE
    if not xsd.is_file():
        raise XdomeaError(f"xdomea {version} schema not found at {xsd}")
    code_xsd = base / "xoev-code.xsd"

    def uri_mapper(uri: str) -> str:
        # the xsd import "../xoev/xoev-code.xsd", but the shared tree keeps it one level up
        if uri.endswith("/xoev/xoev-code.xsd") and code_xsd.is_file():
            return code_xsd.as_uri()
        return uri

    return xmlschema.XMLSchema(str(xsd), uri_mapper=uri_mapper)


def _schema(version: str, schema_root: Path | None = None) -> xmlschema.XMLSchema:
    """The cached schema of ``version`` (loading takes ~0.3 s, so it is done once)."""
    if version not in VERSIONS:
        raise XdomeaError(f"unsupported xdomea version {version!r}; supported: {VERSIONS}")
    root = (schema_root or default_schema_root()).resolve()
    return _load_schema(version, str(root))


def _version_of(root: ET.Element) -> str | None:
    ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if not ns.startswith(_NS_PREFIX):
        return None
    return ns[len(_NS_PREFIX) :]


# how UTF-16/32 text starts (with a byte order mark, or "<?" without one; XML 1.0 Appendix F):
# expat reads these only with a BOM and only UTF-16, so they are decoded here first
_MULTIBYTE = (
    (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF32_LE, "utf-32"),
    (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
    (codecs.BOM_UTF16_BE, "utf-16"), (codecs.BOM_UTF16_LE, "utf-16"),
    (b"\x00<\x00?", "utf-16-be"), (b"<\x00?\x00", "utf-16-le"),
)  # fmt: skip


def _multibyte_as_text(xml: bytes) -> bytes | str:
    """UTF-16/32 XML as text (its declared encoding is then ignored), anything else as is."""
    for start, encoding in _MULTIBYTE:
        if xml.startswith(start):
            try:
                return xml.decode(encoding)
            except UnicodeDecodeError as exc:
                raise ValueError(f"not {encoding.upper()} text: {exc}") from exc
    return xml


def _parse_xml(xml: bytes) -> ET.Element:
    """Parse untrusted XML in any encoding; a DTD is refused (xdomea never uses one, and its
    entities are a risk), by the parser itself rather than by looking for bytes."""
    try:
        root: ET.Element = SafeET.fromstring(
            _multibyte_as_text(xml), forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise ValueError(f"DTD and entity declarations are not allowed ({exc})") from exc
    return root


def validate(
    xml: bytes, *, version: str | None = None, schema_root: Path | None = None
) -> list[str]:
    """Validate an xdomea message; returns the errors, ``[]`` if valid.

    ``version`` None means: take it from the message's namespace (that is where xdomea carries
    its version; there is no version element).
    """
    try:
        root = _parse_xml(xml)
    except (ET.ParseError, ValueError) as exc:
        return [f"not well-formed XML: {exc}"]
    found = _version_of(root)
    if found is None:
        return [f"root element {root.tag} is not in an xdomea namespace"]
    if found not in VERSIONS:
        return [f"unsupported xdomea version {found!r}; supported: {VERSIONS}"]
    if version is not None and version != found:
        return [f"message is xdomea {found}, expected {version}"]
    schema = _schema(found, schema_root)
    errors = []
    for err in schema.iter_errors(root):
        where = err.path or "/"
        errors.append(f"{where}: {err.reason or err.message}")
    return errors


# --------------------------------------------------------------------------- building


class _Builder:
    """Writes elements in the namespace of one xdomea version."""

    def __init__(self, version: str, schema_root: Path | None = None) -> None:
        self.version = version
        self.ns = _NS_PREFIX + version
        self.schema = _schema(version, schema_root)
        self.schema_root = schema_root

    def q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def sub(self, parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
        el = ET.SubElement(parent, self.q(name))
        if text is not None:
            el.text = text
        return el

    def code(
        self, parent: ET.Element, name: str, type_name: str | None, value: str, **attrs: str
    ) -> ET.Element:
        """A code element; listURI/listVersionID are taken from the schema's fixed values."""
        el = self.sub(parent, name)
        xsd_type = self.schema.types[type_name] if type_name is not None else None
        if isinstance(xsd_type, XsdComplexType):
            for attr, xsd_attr in xsd_type.attributes.items():
                if isinstance(attr, str) and xsd_attr.fixed is not None:
                    el.set(attr, xsd_attr.fixed)
        for attr, val in attrs.items():
            el.set(attr, val)
        ET.SubElement(el, "code").text = value  # code/name are unqualified (xoev-code)
        return el

    def party(self, parent: ET.Element, name: str, p: Party) -> None:
        el = self.sub(parent, name)
        bk = self.sub(el, "Behoerdenkennung")
        attrs = {}
        if p.code_list_uri:
            attrs["listURI"] = p.code_list_uri
        if p.code_list_version:
            attrs["listVersionID"] = p.code_list_version
        self.code(bk, "Behoerdenschluessel", None, p.code, **attrs)
        if p.prefix:
            self.code(bk, "Praefix", None, p.prefix)
        inst = self.sub(el, "Institution")
        self.sub(inst, "Name", p.name)
        if p.short_name:
            self.sub(inst, "Kurzbezeichnung", p.short_name)
        if p.unit:
            self.sub(self.sub(el, "Organisationseinheit"), "Name", p.unit)

    def head(
        self,
        root: ET.Element,
        process_id: str,
        message: str,
        sender: Party,
        receiver: Party,
        created: datetime | None,
    ) -> ET.Element:
        kopf = self.sub(root, "Kopf")
        self.sub(kopf, "ProzessID", process_id)
        self.code(kopf, "Nachrichtentyp", "NachrichtentypCodeType", message.rsplit(".", 1)[1])
        self.sub(kopf, "Erstellungszeitpunkt", _timestamp(created))
        self.party(kopf, "Absender", sender)
        self.party(kopf, "Empfaenger", receiver)
        system = self.sub(kopf, "SendendesSystem")
        self.sub(system, "Produktname", PRODUCT_NAME)
        return kopf

    def finish(self, root: ET.Element, process_id: str, message: str) -> tuple[str, bytes]:
        ET.indent(root)
        # real messages use the "xdomea" prefix; ElementTree keeps one prefix per URI globally, and
        # one prefix can only map to one URI, so (re)bind it to this version right before writing
        ET.register_namespace("xdomea", self.ns)
        xml = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
        name = message_file_name(process_id, message)
        errors = validate(xml, version=self.version, schema_root=self.schema_root)
        if errors:
            raise XdomeaError(f"{name}: generated message is invalid: " + "; ".join(errors[:5]))
        return name, xml


def _timestamp(created: datetime | None) -> str:
    ts = created or datetime.now(UTC)
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.replace(microsecond=0).isoformat()


def _bool(value: bool) -> str:
    return "1" if value else "0"


def _check_uuid(value: str, what: str) -> None:
    if not _UUID_RE.match(value):
        raise XdomeaError(f"{what} {value!r} is not a UUID")


def message_file_name(process_id: str, message: str, suffix: str = ".xml") -> str:
    """``{ProzessID}_{Nachrichtenname}{suffix}``, the xdomea file naming convention."""
    return f"{process_id}_{message}{suffix}"


def zip_message(file_name: str, xml: bytes) -> tuple[str, bytes]:
    """Wrap one message XML in a ZIP of the same stem, as archive inboxes (x-man) expect."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(file_name, xml)
    return str(PurePosixPath(file_name).with_suffix(".zip")), buf.getvalue()


def _file_element(
    b: _Builder, parent: ET.Element, f: FileEntry, *, with_primary: bool, fmt: FileFormat
) -> None:
    """One Akte with its documents; ``with_primary`` adds Version/Format/Primaerdokument (0503)."""
    _check_uuid(f.id, "file id")
    akte = b.sub(parent, "Akte")
    b.sub(b.sub(akte, "Identifikation"), "ID", f.id)
    meta = b.sub(akte, "AllgemeineMetadaten")
    b.sub(meta, "Betreff", f.title)
    b.sub(meta, "Kennzeichen", f.aktenzeichen)
    b.sub(b.sub(meta, "Aktenplaneinheit"), "Kennzeichen", f.aktenplan_unit)
    arch = b.sub(akte, "ArchivspezifischeMetadaten")
    keep = b.sub(arch, "Aufbewahrungsdauer")
    if f.retention_years is None:
        b.sub(keep, "Unbefristet", "1")
    else:
        b.sub(keep, "AnzahlJahre", str(f.retention_years))
    if f.appraisal_proposal is not None:
        b.code(arch, "Bewertungsvorschlag", "BewertungsvorschlagCodeType", f.appraisal_proposal)
    if f.retention_end is not None:
        b.sub(arch, "Aufbewahrungsende", f.retention_end.isoformat())
    if f.opened is not None or f.closed is not None:
        period = b.sub(akte, "Laufzeit")
        if f.opened is not None:
            b.sub(period, "Beginn", f.opened.isoformat())
        if f.closed is not None:
            b.sub(period, "Ende", f.closed.isoformat())
    if f.documents:
        content = b.sub(akte, "Akteninhalt")
        for pos, d in enumerate(f.documents, start=1):
            _check_uuid(d.id, "document id")
            dok = b.sub(content, "Dokument")
            ident = b.sub(dok, "Identifikation")
            b.sub(ident, "ID", d.id)
            b.sub(ident, "NummerImUebergeordnetenContainer", str(pos))
            b.sub(b.sub(dok, "AllgemeineMetadaten"), "Betreff", d.title)
            if d.document_date is not None:
                b.sub(dok, "DatumDesSchreibens", d.document_date.isoformat())
            if d.doc_type:
                b.sub(dok, "Typ", d.doc_type)
            if with_primary:
                version = b.sub(dok, "Version")
                b.sub(version, "Nummer", "1")
                form = b.sub(version, "Format")
                b.code(
                    form,
                    "Name",
                    "DateiformatCodeType",
                    fmt.code,
                    listVersionID=fmt.list_version,
                )
                if fmt.other_name:
                    b.sub(form, "SonstigerName", fmt.other_name)
                b.sub(form, "Version", fmt.version)
                b.sub(b.sub(form, "Primaerdokument"), "Dateiname", d.file_name)
                if d.transfer_note is not None:
                    _note_annex(b, dok, d)
    b.sub(akte, "ZdA", _bool(f.closed is not None))
    if f.closed is not None:
        b.sub(akte, "ZdADatum", f.closed.isoformat())


NOTE_FORMAT = FileFormat(other_name="JSON (Transfervermerk nach BSI TR-03138)")


def note_file_name(document_id: str) -> str:
    """The name of a document's transfer note in the 0503 ZIP: its annex UUID first."""
    annex = uuid.uuid5(uuid.UUID(document_id), "Transfervermerk")
    return f"{annex}_Transfervermerk.json"


def _note_annex(b: _Builder, dok: ET.Element, d: DocumentEntry) -> None:
    """The document's transfer note as its Anlage, whose primary file is the note's JSON."""
    name = note_file_name(d.id)
    annex = b.sub(dok, "Anlage")
    b.sub(b.sub(annex, "Identifikation"), "ID", name.split("_", 1)[0])
    b.sub(b.sub(annex, "AllgemeineMetadaten"), "Betreff", f"Transfervermerk zu {d.title}")
    b.sub(annex, "Typ", "Transfervermerk")
    version = b.sub(annex, "Version")
    b.sub(version, "Nummer", "1")
    form = b.sub(version, "Format")
    b.code(form, "Name", "DateiformatCodeType", NOTE_FORMAT.code,
           listVersionID=NOTE_FORMAT.list_version)  # fmt: skip
    b.sub(form, "SonstigerName", NOTE_FORMAT.other_name)
    b.sub(form, "Version", NOTE_FORMAT.version)
    b.sub(b.sub(form, "Primaerdokument"), "Dateiname", name)


# --------------------------------------------------------------------------- 0501


def offer_message(
    process_id: str,
    files: Sequence[FileEntry],
    sender: Party,
    receiver: Party,
    *,
    version: str = DEFAULT_VERSION,
    created: datetime | None = None,
    request_receipt: bool = False,
    schema_root: Path | None = None,
) -> tuple[str, bytes]:
    """Build the 0501 offer list (metadata only, no primary documents) -> (file name, XML)."""
    _check_uuid(process_id, "process id")
    if not files:
        raise XdomeaError(f"{MSG_OFFER}: nothing to offer")
    b = _Builder(version, schema_root)
    root = ET.Element(b.q(MSG_OFFER))
    kopf = b.head(root, process_id, MSG_OFFER, sender, receiver, created)
    b.sub(kopf, "Empfangsbestaetigung", _bool(request_receipt))
    for f in files:
        _file_element(b, b.sub(root, "Schriftgutobjekt"), f, with_primary=False, fmt=PDFA_FORMAT)
    return b.finish(root, process_id, MSG_OFFER)


# --------------------------------------------------------------------------- 0502


def appraisal_message(
    process_id: str,
    decisions: Mapping[str, str],
    sender: Party,
    receiver: Party,
    *,
    version: str = DEFAULT_VERSION,
    created: datetime | None = None,
    schema_root: Path | None = None,
) -> tuple[str, bytes]:
    """Build the archive's 0502 (file UUID -> "A" | "V" | "B"); for tests and demos.

    ``sender`` is the archive, ``receiver`` our administration.
    """
    _check_uuid(process_id, "process id")
    if not decisions:
        raise XdomeaError(f"{MSG_APPRAISAL}: no decisions")
    b = _Builder(version, schema_root)
    root = ET.Element(b.q(MSG_APPRAISAL))
    kopf = b.head(root, process_id, MSG_APPRAISAL, sender, receiver, created)
    b.sub(kopf, "Empfangsbestaetigung", "0")
    for file_id, code in decisions.items():
        if code not in APPRAISAL_CODES:
            raise XdomeaError(f"{MSG_APPRAISAL}: decision {code!r} for {file_id} not in A/B/V")
        obj = b.sub(root, "BewertetesObjekt")
        b.sub(obj, "ID", file_id)
        b.code(b.sub(obj, "Aussonderungsart"), "Aussonderungsart", "AussonderungsartCodeType", code)
    return b.finish(root, process_id, MSG_APPRAISAL)


def _read_message(
    xml: bytes, message: str, source: str, schema_root: Path | None
) -> tuple[ET.Element, str, str]:
    """Parse + validate a received message -> (root, version, ProzessID); XdomeaError otherwise."""
    try:
        root = _parse_xml(xml)
    except (ET.ParseError, ValueError) as exc:
        raise XdomeaError(f"{source}: not well-formed XML: {exc}") from exc
    version = _version_of(root)
    if version is None or version not in VERSIONS:
        raise XdomeaError(
            f"{source}: root {root.tag} is not an xdomea message of a supported version {VERSIONS}"
        )
    local = root.tag.split("}", 1)[1]
    if local != message:
        raise XdomeaError(f"{source}: expected {message}, got {local}")
    errors = validate(xml, version=version, schema_root=schema_root)
    if errors:
        raise XdomeaError(f"{source}: invalid {message}: " + "; ".join(errors[:5]))
    ns = {"x": _NS_PREFIX + version}
    process_id = root.findtext("x:Kopf/x:ProzessID", namespaces=ns) or ""
    msg_code = root.findtext("x:Kopf/x:Nachrichtentyp/code", namespaces=ns)
    if msg_code != message.rsplit(".", 1)[1]:
        raise XdomeaError(f"{source}: Nachrichtentyp {msg_code!r} does not match {message}")
    return root, version, process_id


def _read_party(root: ET.Element, ns: dict[str, str]) -> Party | None:
    el = root.find("x:Kopf/x:Absender", ns)
    if el is None:
        return None
    return Party(
        name=el.findtext("x:Institution/x:Name", default="", namespaces=ns),
        code=el.findtext("x:Behoerdenkennung/x:Behoerdenschluessel/code", "", ns),
        short_name=el.findtext("x:Institution/x:Kurzbezeichnung", None, ns),
        unit=el.findtext("x:Organisationseinheit/x:Name", None, ns),
        prefix=el.findtext("x:Behoerdenkennung/x:Praefix/code", None, ns),
    )


def parse_appraisal(
    xml: bytes, *, source: str = "<0502>", schema_root: Path | None = None
) -> Appraisal:
    """Read the archive's 0502; both versions accepted.

    Decisions are the Aussonderungsart codes "A", "V" or "B" (B = not decided yet: neither hand
    over nor destroy). An archive-specific ``AussonderungsartKonfigurierbar`` or contradicting
    duplicate entries are refused, because acting on a misread decision could destroy records.
    """
    root, version, process_id = _read_message(xml, MSG_APPRAISAL, source, schema_root)
    ns = {"x": _NS_PREFIX + version}
    decisions: dict[str, str] = {}
    for obj in root.findall("x:BewertetesObjekt", ns):
        file_id = obj.findtext("x:ID", default="", namespaces=ns)
        code = obj.findtext("x:Aussonderungsart/x:Aussonderungsart/code", None, ns)
        if code is None:
            raise XdomeaError(
                f"{source}: object {file_id} has no coded Aussonderungsart (A/B/V); "
                "archive-specific AussonderungsartKonfigurierbar is not supported"
            )
        if decisions.get(file_id, code) != code:
            raise XdomeaError(f"{source}: contradicting decisions for {file_id}")
        decisions[file_id] = code
    return Appraisal(process_id, version, decisions, _read_party(root, ns))


# --------------------------------------------------------------------------- 0503


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def transfer_package(
    process_id: str,
    files: Sequence[FileEntry],
    pdf_files: Mapping[str, Path],
    sender: Party,
    receiver: Party,
    *,
    version: str = DEFAULT_VERSION,
    decisions: Mapping[str, str] | Appraisal | None = None,
    created: datetime | None = None,
    request_archive_ids: bool = False,
    file_format: FileFormat = PDFA_FORMAT,
    schema_root: Path | None = None,
) -> tuple[str, bytes]:
    """Build the 0503 hand-over ZIP -> (ZIP file name, ZIP bytes).

    ``pdf_files`` maps DocumentEntry.id -> path of the PDF/A. With ``decisions`` (the 0502) only
    files appraised "A" are packed, and every "A" file must be among ``files``; without it all
    ``files`` are packed. Each PDF must match the catalogued size and sha256, so the archive
    receives exactly what we recorded.
    """
    _check_uuid(process_id, "process id")
    zip_name = message_file_name(process_id, MSG_TRANSFER, ".zip")
    if isinstance(decisions, Appraisal):
        if decisions.process_id != process_id:
            raise XdomeaError(
                f"{zip_name}: appraisal is for process {decisions.process_id}, not {process_id}"
            )
        decisions = decisions.decisions
    selected = list(files)
    if decisions is not None:
        selected = [f for f in files if decisions.get(f.id) == "A"]
        missing = {i for i, c in decisions.items() if c == "A"} - {f.id for f in selected}
        if missing:
            raise XdomeaError(f"{zip_name}: files appraised A but not given: {sorted(missing)}")
    if not selected:
        raise XdomeaError(f"{zip_name}: no file to hand over")

    names: set[str] = set()
    payload: list[tuple[str, Path]] = []
    notes: list[tuple[str, bytes]] = []
    for f in selected:
        for d in f.documents:
            name = d.file_name
            if "/" in name or "\\" in name or name in (".", "..") or not name:
                raise XdomeaError(f"{zip_name}: unsafe document file name {name!r}")
            if name in names:
                raise XdomeaError(f"{zip_name}: duplicate document file name {name!r}")
            names.add(name)
            path = pdf_files.get(d.id)
            if path is None:
                raise XdomeaError(f"{zip_name}: no PDF given for document {d.id}")
            path = Path(path)
            if not path.is_file():
                raise XdomeaError(f"{zip_name}: PDF for document {d.id} missing: {path}")
            if path.stat().st_size != d.size or _sha256(path) != d.sha256.lower():
                raise XdomeaError(
                    f"{zip_name}: {path} does not match the catalogued size/sha256 of {d.id}"
                )
            payload.append((name, path))
            if d.transfer_note is not None:
                notes.append((note_file_name(d.id), d.transfer_note))
                names.add(notes[-1][0])

    b = _Builder(version, schema_root)
    root = ET.Element(b.q(MSG_TRANSFER))
    kopf = b.head(root, process_id, MSG_TRANSFER, sender, receiver, created)
    b.sub(kopf, "Importbestaetigung", "1")
    b.sub(kopf, "RueckmeldungArchivkennung", _bool(request_archive_ids))
    b.sub(kopf, "Empfangsbestaetigung", "0")
    for f in selected:
        _file_element(b, b.sub(root, "Schriftgutobjekt"), f, with_primary=True, fmt=file_format)
    xml_name, xml = b.finish(root, process_id, MSG_TRANSFER)
    if xml_name in names:
        raise XdomeaError(f"{zip_name}: a document is named like the message {xml_name}")

    stamp = (created or datetime.now(UTC)).timetuple()[:6]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo(xml_name, stamp), xml, zipfile.ZIP_DEFLATED)
        for name, path in payload:
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_STORED  # PDFs are compressed already
            with path.open("rb") as src, zf.open(info, "w") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
        for name, note in notes:
            zf.writestr(zipfile.ZipInfo(name, stamp), note, zipfile.ZIP_DEFLATED)
    return zip_name, buf.getvalue()


# --------------------------------------------------------------------------- 0506


def confirmation_message(
    process_id: str,
    results: Mapping[str, bool | str],
    sender: Party,
    receiver: Party,
    *,
    version: str = DEFAULT_VERSION,
    created: datetime | None = None,
    archive_ids: Mapping[str, str] | None = None,
    schema_root: Path | None = None,
) -> tuple[str, bytes]:
    """Build the archive's 0506 (file UUID -> True or an error text); for tests and demos."""
    _check_uuid(process_id, "process id")
    if not results:
        raise XdomeaError(f"{MSG_CONFIRMATION}: no results")
    b = _Builder(version, schema_root)
    root = ET.Element(b.q(MSG_CONFIRMATION))
    b.head(root, process_id, MSG_CONFIRMATION, sender, receiver, created)
    for file_id, result in results.items():
        obj = b.sub(root, "AusgesondertesSGO")
        b.sub(obj, "IDSGO", file_id)
        ok = result is True
        b.sub(obj, "Erfolgreich", _bool(ok))
        if not ok:
            b.sub(obj, "Fehlermeldung", str(result) if result else "import failed")
        elif archive_ids and file_id in archive_ids:
            b.sub(obj, "Archivkennung", archive_ids[file_id])
    return b.finish(root, process_id, MSG_CONFIRMATION)


def parse_confirmation(
    xml: bytes, *, source: str = "<0506>", schema_root: Path | None = None
) -> Confirmation:
    """Read the archive's 0506 into imported / failed file ids; both versions accepted."""
    root, version, process_id = _read_message(xml, MSG_CONFIRMATION, source, schema_root)
    ns = {"x": _NS_PREFIX + version}
    imported: set[str] = set()
    failed: dict[str, str] = {}
    archive_ids: dict[str, str] = {}
    for obj in root.findall("x:AusgesondertesSGO", ns):
        file_id = obj.findtext("x:IDSGO", default="", namespaces=ns)
        ok = (obj.findtext("x:Erfolgreich", default="", namespaces=ns).strip()) in ("1", "true")
        if ok:
            imported.add(file_id)
            archive_id = obj.findtext("x:Archivkennung", None, ns)
            if archive_id:
                archive_ids[file_id] = archive_id
        else:
            texts = [t.text or "" for t in obj.findall("x:Fehlermeldung", ns)]
            texts += [
                c.findtext("name") or c.findtext("code") or ""
                for c in obj.findall("x:FehlermeldungCode", ns)
            ]
            failed[file_id] = "; ".join(t for t in texts if t) or "import failed"
    if imported & failed.keys():
        raise XdomeaError(
            f"{source}: files both imported and failed: {sorted(imported & failed.keys())}"
        )
    return Confirmation(process_id, version, imported, failed, archive_ids, _read_party(root, ns))

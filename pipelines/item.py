"""What the steps of a batch pass along: the document in hand (`Item`), and what they share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from archive.store import Archive
from classifiers.extract import Extraction
from classifiers.fileplan import FilePlan
from classifiers.model import TextModel
from classifiers.rules import Classification
from pipelines.faults import BatchStop
from pipelines.manifest import BatchManifest
from pipelines.settings import MAX_INPUT_BYTES
from pipelines.transfer_note import TransferNote
from scanners import OcrSettings, PreparedInput, ScanResult


@dataclass(frozen=True)
class Context:
    """What every document of a batch shares."""

    archive: Archive
    plan: FilePlan
    model: TextModel | None  # None: the file plan's rules alone
    ocr: OcrSettings
    threshold: float
    batch_id: str
    workdir: Path
    batch_name: str = ""
    manifest: BatchManifest | None = None  # what the scanning team stated about the batch
    tsa_url: str | None = None  # the Time-Stamp Authority that timestamps the audit trail
    max_input_bytes: int = MAX_INPUT_BYTES  # a larger input is rejected before it is read
    stop: BatchStop = field(default_factory=BatchStop)  # set when the disk is full


@dataclass(frozen=True)
class Item:
    """One input of the batch, with what the steps so far found out about it."""

    source: Path
    workdir: Path | None = None  # this document's scratch folder, gone after its last step
    ingested_at: datetime | None = None  # when the scan arrived here
    captured_at: datetime | None = None  # when it was scanned, as the scan file records it
    captured_at_basis: str | None = None  # which metadata (or the file time) that came from
    sha256: str | None = None  # of the original's bytes
    document_id: str | None = None
    replaces: str | None = None  # the document this rescan is the next version of
    prepared: PreparedInput | None = None
    scan: ScanResult | None = None
    classification: Classification | None = None
    extraction: Extraction | None = None
    note: TransferNote | None = None
    status: str | None = None  # its batch status, once a step has decided it
    reason: str | None = None  # why it has that status, where the batch report says so
    quarantine_copy: Path | None = None
    finished: bool = False  # no step after this one has anything to do
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step (`pipelines.profile`)

"""The values a batch and the archive run with, and the search index they select.

`eakte.config` fills them from `eakte.toml` and EAKTE_* variables; flows take them as given.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from archive.search import SearchIndex
from pipelines.manifest import ProtectionNeed

if TYPE_CHECKING:
    from archive.records.rules import FilingPlan
    from archive.store import Archive

INDEX_NAME = "eakte-documents"  # on a search server, unless search_index names another

# The largest input file taken (500 MiB): a larger one is rejected before anything reads it,
# and not copied to quarantine. An A4 page scanned at 600 dpi in colour is 100 MB uncompressed.
MAX_INPUT_BYTES = 500 * 1024 * 1024


class Settings(BaseModel):
    """Everything an `eakte` command may be told; each field has a working default."""

    data_dir: Path = Path("eakte-data")
    # the catalog on a database server (postgresql+psycopg://user@host/eakte) that several
    # machines share; None: the embedded SQLite file in data_dir
    database_url: str | None = None
    # the blob store on a path of its own (e.g. a network filesystem several machines share);
    # None: data_dir/blobs
    blob_dir: Path | None = None
    file_plan: Path | None = None  # None: the bundled plan for a tax office and building authority
    languages: tuple[str, ...] = ("deu", "eng")
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)
    review_threshold: float | None = Field(default=None, ge=0, le=1)  # None: the file plan's
    max_megapixels: float = Field(default=250, gt=0)
    max_input_bytes: int = Field(default=MAX_INPUT_BYTES, gt=0)
    deskew: bool = True
    # seconds tesseract may spend on one page before it is kept as an image and named for rescan
    ocr_page_timeout: float = Field(default=60, gt=0)
    # pages per document: a longer one is quarantined before OCR (it bounds the OCR's time)
    max_pages: int = Field(default=2000, ge=1)
    # memory (address space) of each OCR process and each tool it starts, in MiB
    ocr_memory_mb: int = Field(default=2048, ge=256)
    # set: the search index on an OpenSearch 2.x or Elasticsearch 8 server instead of the
    # embedded Tantivy index: opensearch+https://host:9200, elasticsearch+https://host:9200,
    # or http(s)://host:9200 (the server says which it is); see archive.search.elastic
    search_url: str | None = None
    search_index: str | None = None  # the index's name; None: "eakte-documents"
    # the PEM bundle of a private CA the search server's certificate is checked against
    # (certificates are always checked); None: the system's CAs
    search_ca_certs: Path | None = None
    es_url: str | None = None  # the older name of search_url (EAKTE_ES_URL)
    es_index: str | None = None  # the older name of search_index (EAKTE_ES_INDEX)
    user: str | None = None  # who records review decisions; None: the login name
    # the parties of the hand-over to the archive (xdomea Kopf): us, and the archive
    authority_name: str = "Stadtverwaltung Musterstadt"
    authority_code: str = "musterstadt"
    archive_name: str = "Stadtarchiv Musterstadt"
    archive_code: str = "stadtarchiv-musterstadt"
    # days the archive has to appraise an offered file (A/V) before the retention report names it
    appraisal_overdue_days: int = Field(default=180, ge=1)
    # from this protection need up, a batch manifest must name the operator (TR-03138)
    operator_required_from: ProtectionNeed = "high"
    # trusted time: the Time-Stamp Authority (RFC 3161 over HTTP) and its certificate or CA
    # (PEM), the trust anchor its tokens are verified against; None: nothing is timestamped
    tsa_url: str | None = None
    tsa_certificate: Path | None = None
    # the clerk's pages (`eakte serve`): the session cookie is sent over https only; switch
    # off only for plain-http development (EAKTE_SECURE_COOKIES=0)
    secure_cookies: bool = True
    session_idle_minutes: float = Field(default=30, gt=0)  # signed out after this long unused
    session_hours: float = Field(default=10, gt=0)  # and after this long in any case


def catalog_url(settings: Settings) -> str:
    """The catalog the settings select: the database server's, else the embedded file."""
    from archive.catalog import catalog_url as catalog_url_of

    return catalog_url_of(settings.data_dir, settings.database_url)


def open_archive(
    settings: Settings, filing: FilingPlan | None = None, *, serialised: bool = False
) -> Archive:
    """The archive the settings select: data directory, catalog, blob store and index
    (`serialised`: for records decisions, see `Archive`)."""
    from archive.store import Archive

    return Archive(
        settings.data_dir,
        index=open_index(settings),
        catalog_url=settings.database_url,
        blob_dir=settings.blob_dir,
        filing=filing,
        serialised=serialised,
    )


def open_index(settings: Settings) -> SearchIndex:
    """The configured search index: on a search server when EAKTE_SEARCH_URL (or the older
    EAKTE_ES_URL) is set, else Tantivy in the data directory."""
    url = settings.search_url or settings.es_url
    if url:
        from archive.search.elastic import SearchServerIndex

        return SearchServerIndex(
            url,
            settings.search_index or settings.es_index or INDEX_NAME,
            ca_certs=settings.search_ca_certs,
        )
    from archive.search.tantivy import TantivyIndex

    return TantivyIndex(settings.data_dir / "index")

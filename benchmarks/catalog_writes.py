"""Catalog writes per second with 1 and 4 writer processes, on SQLite and on PostgreSQL.

    python -m benchmarks.catalog_writes [--events 3000] [--documents 600] [--writers 1,4]

Every write is one the archive makes itself, through its own API, and every one appends an
event to the hash-chained audit trail (which is what serialises writers: each takes the
chain's head row first, `archive.audit.serialise_writers`):

- `event`: `Archive.audit`, one audit event in one transaction, the smallest write there is
  (an ingest records a batch's start and end this way, the records commands their decisions);
- `document`: `Archive.store`, one document as an ingest archives it: the original's and the
  PDF/A's blobs, the catalog rows (document, version, pages, identifiers, batch item), its
  filing into an Akte by its Aktenzeichen, the "archived" event and the metadata sidecar.
  The search index is left out (`benchmarks.search` measures it; a Tantivy index written by
  four processes at once would only make them wait for each other's index writer).

Each writer is a process of its own with its own `Archive` (its own connections), as on
another machine; all of them start at a barrier and write `--events` (or `--documents`)
between them, one write after the other without pauses. A write that fails for a lock
("database is locked", a serialisation failure, a deadlock) is counted and the writer goes on.
After each case the audit chain is verified and the events are counted.

The PostgreSQL cluster is the tests' throw-away one (tests/support/postgres.py), but durable
(fsync, synchronous commits), as the embedded SQLite catalog is (WAL, synchronous=FULL).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from archive.search import Hit, IndexDoc, SearchFilters

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
KINDS = ("event", "document")
CATALOGS = ("sqlite", "postgresql")
# SQLSTATEs of a write lost to another writer: serialization_failure, deadlock_detected,
# lock_not_available
_LOCK_STATES = frozenset({"40001", "40P01", "55P03"})


class CatalogOnlyIndex:
    """A search index that keeps nothing, so that a case measures the catalog alone."""

    def add(self, doc: IndexDoc) -> None:
        pass

    def add_many(self, docs: Iterable[IndexDoc]) -> int:
        return sum(1 for _ in docs)

    def delete(self, document_id: str) -> None:
        pass

    def search(self, query: str, filters: SearchFilters, limit: int = 10, **_: Any) -> list[Hit]:
        return []

    def facets(self, query: str, filters: SearchFilters) -> dict[str, dict[str, int]]:
        return {}

    def document_ids(self) -> set[str]:
        return set()

    def count(self) -> int:
        return 0

    def segments(self) -> int:
        return 0

    def compact(self, progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:
        return 0, 0

    def close(self) -> None:
        pass


def is_lock_error(exc: BaseException) -> bool:
    """Whether `exc` (or what it wraps) is a write lost to another writer's lock: SQLite's
    "database is locked", or PostgreSQL's serialisation failure, deadlock or lock timeout."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if "database is locked" in str(current) or "database table is locked" in str(current):
            return True
        if getattr(current, "sqlstate", None) in _LOCK_STATES:
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


def _documents(writer: int, count: int, folder: Path) -> Iterator[tuple[Any, Path, Path]]:
    """`count` generated documents for one writer, as (record, original, PDF/A): files of a few
    bytes each (unique, so each is a new document), text and identifiers from german_docs."""
    from archive.blobs import sha256_file
    from archive.documents import DocumentRecord, IdentifierRecord, PageRecord
    from archive.store import document_id_for
    from benchmarks.german_docs import generate
    from classifiers.fileplan import load_file_plan

    types = {t.key: t for t in load_file_plan().types}
    for n, doc in enumerate(generate(count, seed=5000 + writer)):
        original = folder / f"w{writer}-{n}.png"
        original.write_bytes(b"\x89PNG\r\n\x1a\n" + f"{writer}/{n}".encode() + doc.text.encode())
        pdfa = folder / f"w{writer}-{n}.pdf"
        pdfa.write_bytes(b"%PDF-1.7 " + f"{writer}/{n}".encode() + doc.text.encode())
        sha = sha256_file(original)
        kind = types[doc.doc_type]
        found = tuple(sorted(doc.truth.get("aktenzeichen", ())))
        yield (
            DocumentRecord(
                document_id=document_id_for(sha),
                sha256_original=sha,
                source_name=str(original),
                source_kind="png",
                batch_id=f"bench-w{writer}",
                status="archived",
                doc_type=doc.doc_type,
                doc_label=kind.label,
                aktenplan_unit=kind.unit,
                tax_secret=kind.tax,
                confidence=0.95,
                title=doc.text.split("\n", 1)[0][:120],
                aktenzeichen=found,
                identifiers=tuple(
                    IdentifierRecord(k, v, v) for k, vs in sorted(doc.truth.items()) for v in vs
                ),
                document_date=doc.document_date,
                pages=(PageRecord(1, doc.text, 90.0, "ocr"),),
                ocr_applied=True,
                ocr_confidence=90.0,
                file_plan_version="bench",
            ),
            original,
            pdfa,
        )


def _writer(
    writer: int,
    data_dir: str,
    catalog_url: str | None,
    kind: str,
    count: int,
    barrier: Any,
    results: Any,
) -> None:
    """One writer process: prepare, wait at the barrier, write `count` times, report."""
    from archive.store import Archive
    from classifiers.fileplan import load_file_plan
    from pipelines.records_plan import filing_plan

    report: dict[str, Any] = {"writer": writer, "done": 0, "lock_errors": 0, "other_errors": []}
    try:
        archive = Archive(
            Path(data_dir),
            catalog_url=catalog_url,
            index=CatalogOnlyIndex(),
            filing=filing_plan(load_file_plan()),
        )
        with tempfile.TemporaryDirectory(prefix=f"bench-writer-{writer}-") as tmp:
            writes: list[Callable[[], object]]
            if kind == "event":
                batch = f"bench-w{writer}"
                writes = [
                    lambda n=n: archive.audit(
                        "bench_event", None, batch, {"writer": writer, "n": n}
                    )
                    for n in range(count)
                ]
            else:
                archive.start_batch(f"bench-w{writer}", f"writer {writer}")
                prepared = list(_documents(writer, count, Path(tmp)))
                writes = [lambda d=d: archive.store(*d) for d in prepared]
            barrier.wait()
            report["start"] = time.monotonic()
            for write in writes:
                try:
                    write()
                    report["done"] += 1
                except Exception as exc:
                    if is_lock_error(exc):
                        report["lock_errors"] += 1
                    else:
                        report["other_errors"].append(f"{type(exc).__name__}: {exc}"[:300])
            report["end"] = time.monotonic()
        archive.close()
    except BaseException:
        report["other_errors"].append(traceback.format_exc()[-1500:])
        barrier.abort()
    results.put(report)


def _events_and_documents(
    data_dir: Path, catalog_url: str | None, event: str
) -> tuple[int, int, Any]:
    """Audit events named `event` and documents in the catalog, and the first break of the
    chain (None: it verifies)."""
    from archive.catalog.models import AuditEvent, Document
    from archive.store import Archive

    archive = Archive(data_dir, catalog_url=catalog_url, index=CatalogOnlyIndex())
    try:
        broken = archive.verify_audit()
        with archive.transaction() as session:
            events = session.scalar(select(func.count()).where(AuditEvent.event == event)) or 0
            documents = session.scalar(select(func.count()).select_from(Document)) or 0
    finally:
        archive.close()
    return events, documents, broken


def run_case(
    data_dir: Path, catalog_url: str | None, kind: str, writers: int, writes: int
) -> dict[str, Any]:
    """`writes` writes of `kind` from `writers` processes into a fresh archive; the rate, the
    lock errors, and whether the chain holds every write that succeeded."""
    from archive.store import Archive

    Archive(data_dir, catalog_url=catalog_url, index=CatalogOnlyIndex()).close()  # migrated
    event = "archived" if kind == "document" else "bench_event"  # one per write
    events_before, documents_before, _ = _events_and_documents(data_dir, catalog_url, event)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(writers)
    results = context.Queue()
    shares = [writes // writers + (i < writes % writers) for i in range(writers)]
    processes = [
        context.Process(
            target=_writer,
            args=(i, str(data_dir), catalog_url, kind, shares[i], barrier, results),
        )
        for i in range(writers)
    ]
    for process in processes:
        process.start()
    reports = [results.get(timeout=3600) for _ in processes]
    for process in processes:
        process.join(60)
    events, documents, broken = _events_and_documents(data_dir, catalog_url, event)
    done = sum(r["done"] for r in reports)
    started = [r["start"] for r in reports if "start" in r]
    ended = [r["end"] for r in reports if "end" in r]
    seconds = (max(ended) - min(started)) if started and len(ended) == writers else None
    return {
        "kind": kind,
        "writers": writers,
        "writes": writes,
        "succeeded": done,
        "seconds": None if seconds is None else round(seconds, 2),
        "writes_per_second": None if not seconds else round(done / seconds, 1),
        "lock_errors": sum(r["lock_errors"] for r in reports),
        "other_errors": [e for r in reports for e in r["other_errors"]],
        "audit_events": events - events_before,
        "chain_intact": broken is None,
        "events_complete": events - events_before == done,
        "documents_added": documents - documents_before,
        "documents_complete": kind != "document" or documents - documents_before == done,
    }


def run(
    catalogs: list[str],
    kinds: list[str],
    writer_counts: list[int],
    sizes: dict[str, int],
    say: Callable[[str], None],
) -> dict[str, Any]:
    from benchmarks import servers
    from benchmarks.memory import PeakRss, mib

    result: dict[str, Any] = {"cpus": os.cpu_count(), "cases": []}
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="eakte-bench-")))
        pg = None
        if "postgresql" in catalogs:
            say("starting PostgreSQL")
            pg = stack.enter_context(servers.postgres())
            result["postgresql_version"] = pg.bin.parent.name
        numbers = iter(range(1_000_000))
        # the cases in turns (SQLite and PostgreSQL side by side), so drift falls on both
        for kind in kinds:
            for writers in writer_counts:
                for catalog in catalogs:
                    say(f"{catalog}: {sizes[kind]} {kind} writes from {writers} writer(s)")
                    data_dir = tmp / f"case-{next(numbers)}"
                    url = None
                    monitor = None
                    if catalog == "postgresql":
                        assert pg is not None
                        url = servers.postgres_database(pg)
                        monitor = stack.enter_context(
                            PeakRss(lambda: servers.postgres_rss(pg))  # type: ignore[arg-type]
                        )
                    case = run_case(data_dir, url, kind, writers, sizes[kind])
                    case["catalog"] = catalog
                    if monitor is not None:
                        case["postgresql_peak_rss_mib"] = mib(monitor.stop())
                    result["cases"].append(case)
    return result


def problems(result: dict[str, Any]) -> list[str]:
    """What makes the run invalid: a broken or incomplete chain, a write that failed for
    another reason than a lock, a lock error on PostgreSQL."""
    found = []
    for c in result["cases"]:
        name = f"{c['catalog']}, {c['kind']}, {c['writers']} writer(s)"
        if not c["chain_intact"]:
            found.append(f"{name}: the audit chain is broken")
        if not c["events_complete"] or not c["documents_complete"]:
            found.append(f"{name}: the catalog does not hold exactly the writes that succeeded")
        if c["other_errors"]:
            found.append(f"{name}: {len(c['other_errors'])} writes failed: {c['other_errors'][0]}")
        if c["catalog"] == "postgresql" and c["lock_errors"]:
            found.append(f"{name}: {c['lock_errors']} lock errors on PostgreSQL")
    return found


def print_table(result: dict[str, Any], console: Console) -> None:
    cases = {(c["kind"], c["writers"], c["catalog"]): c for c in result["cases"]}
    table = Table(title=f"catalog writes per second ({result['cpus']} CPUs)")
    for column in ("write", "writers", "SQLite /s", "PostgreSQL /s", "PG/SQLite",
                   "lock errors SQLite", "lock errors PG", "audit chain"):  # fmt: skip
        table.add_column(column, justify="right")
    for kind, writers in dict.fromkeys((c["kind"], c["writers"]) for c in result["cases"]):
        lite, pg = cases.get((kind, writers, "sqlite")), cases.get((kind, writers, "postgresql"))
        rate = [None if c is None else c["writes_per_second"] for c in (lite, pg)]
        chains = [c for c in (lite, pg) if c is not None]
        table.add_row(
            kind,
            str(writers),
            *("-" if r is None else f"{r:,.1f}" for r in rate),
            f"{rate[1] / rate[0]:.2f}x" if rate[0] and rate[1] else "-",
            *("-" if c is None else str(c["lock_errors"]) for c in (lite, pg)),
            "verified"
            if all(c["chain_intact"] and c["events_complete"] for c in chains)
            else "BROKEN",
        )
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=3000, help="event writes per case")
    parser.add_argument("--documents", type=int, default=600, help="document writes per case")
    parser.add_argument("--writers", default="1,4", help="writer processes per case, e.g. 1,4")
    parser.add_argument("--catalogs", default="sqlite,postgresql")
    parser.add_argument("--kinds", default="event,document")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    catalogs = [c for c in args.catalogs.split(",") if c]
    kinds = [k for k in args.kinds.split(",") if k]
    if set(catalogs) - set(CATALOGS) or set(kinds) - set(KINDS):
        parser.error(f"catalogs are {', '.join(CATALOGS)}; kinds are {', '.join(KINDS)}")
    writer_counts = [int(w) for w in args.writers.split(",") if w]
    started = datetime.now(UTC)
    commit = subprocess.run(  # the code measured, not a later one
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    status_console = Console(stderr=True)
    with status_console.status("catalog writes") as status:
        result = run(catalogs, kinds, writer_counts,
                     {"event": args.events, "document": args.documents}, status.update)  # fmt: skip
    result["started"] = started.isoformat()
    result["commit"] = commit
    result["problems"] = problems(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"catalog-writes-{started:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print_table(result, Console(width=140))
        for problem in result["problems"]:
            print(f"INVALID: {problem}")
        print(f"results: {out.relative_to(ROOT)}")
    return 2 if result["problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main())

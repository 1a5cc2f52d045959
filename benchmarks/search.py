"""Search latency through the HTTP API with concurrent clients, beside the index queried directly.

    python -m benchmarks.search [--documents 100000] [--clients 16] [--requests 2000] [--json]

Indexes generated German municipal documents (`benchmarks.german_docs`, each filed into its
type's Aktenplan unit, tax types tax-secret) into a fresh data directory, starts `eakte serve`
as its own process, and sends two-word queries with a type facet filter from `--clients`
concurrent clients, each with a token scoped to one office (so the permission filter is in
every query), the way a case system would. The same queries then run against the Tantivy
index in this process, one at a time and with the same concurrency, so the API's overhead
(HTTP, authentication, access log, JSON) shows. Targets: p50 <= 20 ms and p99 <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import uvloop
from rich.console import Console
from rich.table import Table

from archive.access import create_token
from archive.search import IndexDoc, SearchFilters, SearchIndex, Visibility
from archive.store import Archive
from benchmarks.german_docs import generate
from benchmarks.memory import TreeRssMonitor, mib
from classifiers.fileplan import load_file_plan

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
QUERIES = (
    ("Grundsteuer festgesetzt", "grundsteuerbescheid", "tax"),
    ("Hebesatz Grundbesitz", "grundsteuerbescheid", "tax"),
    ("Gewerbesteuer Vorauszahlungen", "gewerbesteuerbescheid", "tax"),
    ("Hund Steuermarke", "hundesteuerbescheid", "tax"),
    ("Baugenehmigung Auflage", "baugenehmigung", "bau"),
    ("Bauvorhaben Grundstück", "bauantrag", "bau"),
    ("Standsicherheit Bewehrung", "standsicherheitsnachweis", "bau"),
    ("Widerspruch Begründung", "widerspruch", "all"),
    ("Unterlagen Anfrage", "schriftverkehr", "all"),
    ("Musterstadt Wohnhaus", "abnahmeschein", "bau"),
)
SCOPES = {"tax": ["9", "tax"], "bau": ["6"], "all": ["all", "tax"]}


def make_tokens(archive: Archive) -> dict[str, str]:
    """One case-system token per scope in `archive`'s catalog: name -> secret."""
    tokens = {}
    with archive.transaction() as session:
        for name, scopes in SCOPES.items():
            tokens[name] = create_token(session, f"bench-{name}", "case_system", scopes)[1]
    return tokens


def batches(documents: int) -> Iterator[tuple[int, int]]:
    """(first number, count) of the batches `documents` are indexed in: twenty commits, as
    batches would make, of at most 5,000."""
    size = max(1, min(5000, documents // 20))
    for start in range(0, documents, size):
        yield start, min(size, documents - start)


def index_docs(start: int, count: int) -> list[IndexDoc]:
    """The generated documents `start` .. `start + count` as the index gets them: each filed
    into its type's Aktenplan unit, tax types tax-secret. The same seed gives the same ones."""
    types = {t.key: t for t in load_file_plan().types}
    return [
        IndexDoc(
            document_id=f"bench-{start + i:07d}",
            title=d.text.split("\n", 1)[0][:120],
            doc_type=d.doc_type,
            doc_label=types[d.doc_type].label,
            unit=types[d.doc_type].unit,
            status="archived",
            text=d.text,
            aktenzeichen=tuple(d.truth.get("aktenzeichen", ())),
            identifiers=tuple(v for k, vs in d.truth.items() for v in vs),
            document_date=d.document_date,
            tax_secret=types[d.doc_type].tax,
        )
        for i, d in enumerate(generate(count, seed=1000 + start))
    ]


def build(data_dir: Path, documents: int, say) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A data directory with `documents` indexed documents and one token per scope."""
    archive = Archive(data_dir)
    tokens = make_tokens(archive)
    for start, count in batches(documents):
        say(f"indexing {start:,}/{documents:,}")
        archive.index.add_many(index_docs(start, count))
    archive.close()
    return tokens


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)

    return {
        "p50": at(0.50),
        "p90": at(0.90),
        "p99": at(0.99),
        "mean": round(statistics.mean(ordered) * 1000, 2),
    }


async def _http_load(
    host: str,
    port: int,
    tokens: dict[str, str],
    clients: int,
    requests: int,
    throughput: list[float],
) -> tuple[list[float], int]:
    """`clients` keep-alive connections, each sending its next query when the last is answered.

    A bare HTTP/1.1 client on asyncio streams (on uvloop): a general client (httpx) spends about a
    millisecond of CPU per request, taken from the two cores the server under test has.
    """
    latencies: list[float] = []
    errors = 0
    rng = random.Random(0)
    pending = [rng.choice(QUERIES) for _ in range(requests)]

    async def client() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while pending:
                q, doc_type, scope = pending.pop()
                target = "/api/v1/search?" + urlencode({"q": q, "type": doc_type, "limit": 10})
                request = (
                    f"GET {target} HTTP/1.1\r\nHost: {host}\r\n"
                    f"Authorization: Bearer {tokens[scope]}\r\n\r\n"
                ).encode()
                start = time.perf_counter()
                writer.write(request)
                status = await reader.readline()
                length, close = 0, False
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    name = name.strip().lower()
                    if name == b"content-length":
                        length = int(value)
                    elif name == b"connection":
                        close = value.strip().lower() == b"close"
                body = await reader.readexactly(length)
                latencies.append(time.perf_counter() - start)
                errors += not (status.split()[1] == b"200" and b'"hits"' in body)
                if close:  # the server ends connections now and then (Connection: close)
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    throughput.append(len(latencies) / (time.perf_counter() - started))
    return latencies, errors


def _direct(data_dir: Path, clients: int, requests: int) -> dict[str, Any]:
    from archive.search.tantivy import TantivyIndex

    index = TantivyIndex(data_dir / "index")
    try:
        return direct(index, clients, requests)
    finally:
        index.close()


def direct(index: SearchIndex, clients: int, requests: int) -> dict[str, Any]:
    """The same queries as the API's (hits, then facet counts) on `index` in this process:
    a quarter of them one at a time, then all of them from `clients` threads."""
    rng = random.Random(0)
    plan = [rng.choice(QUERIES) for _ in range(requests)]

    def one(item: tuple[str, str, str]) -> float:
        q, doc_type, scope = item
        units = None if scope == "all" else tuple(s for s in SCOPES[scope] if s != "tax")
        filters = SearchFilters(doc_type=doc_type, visible=Visibility(units, tax=True))
        start = time.perf_counter()
        index.search(q, filters, 10)
        index.facets(q, filters)
        return time.perf_counter() - start

    sequential = [one(item) for item in plan[: requests // 4]]
    with ThreadPoolExecutor(clients) as pool:
        concurrent = list(pool.map(one, plan))
    return {"sequential": _percentiles(sequential), "concurrent": _percentiles(concurrent)}


def _deep_paging(data_dir: Path) -> dict[str, float]:
    """Median ms for a page of 20 at the start and deep into the results: a date-order page
    after a cursor at the 50,000th hit, and the relevance page at offset 9,980."""
    from archive.search import order_key
    from archive.search.tantivy import TantivyIndex

    index = TantivyIndex(data_dir / "index")
    everything = SearchFilters(visible=Visibility(None, tax=True))
    walk = index.search("", everything, 50_000, sort="date_desc")
    deep = order_key(walk[-1].document_id, walk[-1].document_date)

    def median_ms(call) -> float:  # type: ignore[no-untyped-def]
        samples = []
        for _ in range(30):
            start = time.perf_counter()
            call()
            samples.append(time.perf_counter() - start)
        return round(statistics.median(samples) * 1000, 2)

    return {
        "date_first_page": median_ms(lambda: index.search("", everything, 20, sort="date_desc")),
        "date_after_50000": median_ms(
            lambda: index.search("", everything, 20, sort="date_desc", after=deep)
        ),
        "relevance_first_page": median_ms(lambda: index.search("Bescheid", everything, 20)),
        "relevance_offset_9980": median_ms(
            lambda: index.search("Bescheid", everything, 20, offset=9_980)
        ),
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    """A running `eakte serve`: its port, and the peak RSS of its process tree so far."""

    port: int
    memory: TreeRssMonitor

    def load(self, tokens: dict[str, str], clients: int, requests: int) -> dict[str, Any]:
        """`requests` searches from `clients` closed-loop clients: latencies, throughput."""
        throughput: list[float] = []
        latencies, errors = uvloop.run(
            _http_load("127.0.0.1", self.port, tokens, clients, requests, throughput)
        )
        return {
            "latencies": latencies,
            "errors": errors,
            "requests_per_second": throughput[-1],
        }


@contextmanager
def serving(data_dir: Path, workers: int, env: dict[str, str] | None = None) -> Iterator[Served]:
    """A fresh `eakte serve` on `data_dir`, ready (`env`: EAKTE_* variables for it, e.g. the
    catalog and search servers), ended on leaving; its memory is watched from its start."""
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        environment = {
            k: v for k, v in os.environ.items() if k not in ("EAKTE_ES_URL", "EAKTE_SEARCH_URL")
        }
        environment |= {"PYTHONUNBUFFERED": "1", **(env or {})}
        log = Path(tmp) / "serve.log"
        with log.open("wb") as errors:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "eakte",
                    "serve",
                    "--data",
                    str(data_dir),
                    "--port",
                    str(port),
                    *(["--workers", str(workers)] if workers else []),
                ],
                cwd=tmp,
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
        memory = TreeRssMonitor(server.pid)
        memory.start()
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None:
                    raise RuntimeError(f"eakte serve ended: {log.read_text()[-2000:]}")
                time.sleep(0.2)
            else:
                raise RuntimeError("eakte serve did not become ready")
            yield Served(port, memory)
        finally:
            memory.stop()
            server.terminate()
            server.wait(10)


def _serve_and_load(  # type: ignore[no-untyped-def]
    data_dir: Path, tokens: dict[str, str], clients: int, requests: int, workers: int, say
) -> dict[str, Any]:
    """Latency and throughput of `requests` searches through a fresh `eakte serve`."""
    with serving(data_dir, workers) as served:
        say("warming up")
        served.load(tokens, clients, 200)
        measured = served.load(tokens, clients, requests)
    latencies = measured["latencies"]
    return _percentiles(latencies) | {
        "answered": len(latencies),
        "errors": measured["errors"],
        "requests_per_second": round(measured["requests_per_second"], 1),
        "server_peak_rss_mib": mib(served.memory.peak),
    }


def _measure(  # type: ignore[no-untyped-def]
    data_dir: Path, tokens: dict[str, str], clients: int, requests: int, workers: int, say
) -> dict[str, Any]:
    """The HTTP API and the index directly, on the index as it is now."""
    from archive.search.tantivy import TantivyIndex

    index = TantivyIndex(data_dir / "index")
    segments, indexed = index.segments(), index.count()
    index.close()
    say(f"{segments} segment(s): HTTP, {requests} requests from {clients} clients")
    http = _serve_and_load(data_dir, tokens, clients, requests, workers, say)
    say(f"{segments} segment(s): the index directly")
    return {
        "segments": segments,
        "indexed": indexed,
        "http": http,
        "index_direct": _direct(data_dir, clients, requests),
    }


def run(  # type: ignore[no-untyped-def]
    documents: int, clients: int, requests: int, say, data: Path | None = None, workers: int = 0
) -> dict[str, Any]:
    """Build (or reuse `data`), measure the index as written, compact it, measure again."""
    from archive.search.tantivy import TantivyIndex

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = data or Path(tmp) / "data"
        tokens_file = data_dir / "bench-tokens.json"
        start = time.perf_counter()
        if tokens_file.exists():  # --data: built by an earlier run
            tokens = json.loads(tokens_file.read_text())
        else:
            tokens = build(data_dir, documents, say)
            tokens_file.write_text(json.dumps(tokens))
        index_s = time.perf_counter() - start
        as_written = _measure(data_dir, tokens, clients, requests, workers, say)
        say("eakte index compact")
        start = time.perf_counter()
        index = TantivyIndex(data_dir / "index")
        index.compact()
        index.close()
        compact_s = time.perf_counter() - start
        compacted = _measure(data_dir, tokens, clients, requests, workers, say)
        say("deep paging")
        paging = _deep_paging(data_dir)
    return {
        "documents": documents,
        "clients": clients,
        "requests": requests,
        "index_seconds": round(index_s, 1),
        "compact_seconds": round(compact_s, 1),
        "as_written": as_written,
        "compacted": compacted,
        "paging_ms": paging,
        "cpus": os.cpu_count(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=0, help="eakte serve --workers")
    parser.add_argument("--data", type=Path, help="keep the built archive here and reuse it")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--backends",
        help="compare search backends in one run, e.g. tantivy,opensearch (benchmarks.search_backends)",
    )
    parser.add_argument(
        "--catalog",
        choices=("postgresql", "sqlite"),
        default="postgresql",
        help="with --backends: the catalog both backends share (default postgresql)",
    )
    parser.add_argument(
        "--warmup", type=int, default=500, help="with --backends: requests per server first"
    )
    parser.add_argument(
        "--rounds", type=int, default=4, help="with --backends: turns the load alternates in"
    )
    args = parser.parse_args(argv)
    if args.backends:
        return _compare(args)
    console = Console(stderr=True)
    with console.status("search benchmark") as status:
        result = run(
            args.documents, args.clients, args.requests, status.update, args.data, args.workers
        )
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    table = Table(
        title=f"{result['documents']:,} documents, two-word query + type facet, "
        f"{result['clients']} concurrent clients ({result['cpus']} CPUs)"
    )
    for column in ("", "p50 ms", "p90 ms", "p99 ms", "mean ms"):
        table.add_column(column, justify="right")
    for layout in ("as_written", "compacted"):
        measured = result[layout]
        where = f"{measured['segments']} segment(s)"
        rows = (
            (f"HTTP API, {where}", measured["http"]),
            (f"index, concurrent, {where}", measured["index_direct"]["concurrent"]),
            (f"index, one at a time, {where}", measured["index_direct"]["sequential"]),
        )
        for name, r in rows:
            table.add_row(name, *(f"{r[k]:.1f}" for k in ("p50", "p90", "p99", "mean")))
    Console().print(table)
    print(
        f"indexing took {result['index_seconds']} s, compacting {result['compact_seconds']} s; "
        + "; ".join(
            f"HTTP with {result[k]['segments']} segment(s): "
            f"{result[k]['http']['requests_per_second']} requests/s, "
            f"{result[k]['http']['errors']} errors"
            for k in ("as_written", "compacted")
        )
    )
    print("page of 20, median ms:", ", ".join(f"{k} {v}" for k, v in result["paging_ms"].items()))
    return 0


def _compare(args: argparse.Namespace) -> int:
    """--backends: every named backend in one run; the table, and the JSON in benchmarks/results."""
    from benchmarks.search_backends import compare, print_table

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    console = Console(stderr=True)
    started, commit = datetime.now(UTC), _commit()  # the code measured, not a later one
    with console.status("search backends") as status:
        result = compare(
            backends,
            args.documents,
            args.clients,
            args.requests,
            status.update,
            catalog=args.catalog,
            workers=args.workers,
            warmup=args.warmup,
            rounds=args.rounds,
        )
    result["started"] = started.isoformat()
    result["commit"] = commit
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"search-backends-{started:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result, Console(width=140))
        print(f"results: {out.relative_to(ROOT)}")
    errors = sum(b["http"]["errors"] for b in result["backends"].values())
    return 0 if errors == 0 else 2


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip()


if __name__ == "__main__":
    raise SystemExit(main())

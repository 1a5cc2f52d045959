"""Ingest benchmark: `eakte ingest` against a plain `ocrmypdf` loop over the same scans.

Run from the repository root: ``.venv/bin/python -m benchmarks.ingest [--pages-min 20] [--keep]``.
Both sides run in one invocation on one deterministic corpus, so the ratio is what counts on
noisy machines. See benchmarks/README.md for what exactly is compared.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks.memory import TreeRssMonitor
from scanmaker import PdfCodec, page_from_corpus_text, sample_documents, write_scan
from scanners.intake import prepare_input

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
GESETZE = Path("/work/shared/corpus/text-sources/gesetze")
BIN = Path(sys.executable).parent  # the venv's bin: eakte and ocrmypdf live next to python
TARGET_RATIO = 1.2  # eakte pages/min over the plain loop's: what we aim for
FLOOR_RATIO = 0.9  # never slower than this
MAX_PIXELS = 250_000_000  # eakte's default max_megapixels
DEFAULT_DPI = 300
VALID_STATUSES = frozenset({"archived", "needs_review"})
MIB = 1024 * 1024

# One round of the corpus: (format, pages, pdf codec). 6 single-page + 4 multi-page = 20 pages.
ROUND: tuple[tuple[str, int, PdfCodec], ...] = (
    ("png", 1, "jpeg"),
    ("tiff", 2, "jpeg"),
    ("jpeg", 1, "jpeg"),
    ("pdf", 3, "jpeg"),
    ("pdf", 1, "jpeg"),
    ("tiff", 4, "jpeg"),
    ("png", 1, "jpeg"),
    ("pdf", 5, "ccitt"),
    ("jpeg", 1, "jpeg"),
    ("pdf", 1, "ccitt"),
)
SUFFIX = {"png": ".png", "jpeg": ".jpg", "tiff": ".tif", "pdf": ".pdf"}

_FALLBACK_ANLAGE = [
    "Die Festsetzung beruht auf den Angaben der Steuerpflichtigen und den Feststellungen",
    "des Steueramtes. Die Berechnungsgrundlagen sind dieser Anlage zu entnehmen.",
    "Der Bescheid ist nach § 164 der Abgabenordnung unter dem Vorbehalt der Nachprüfung",
    "ergangen. Der Vorbehalt kann jederzeit aufgehoben oder der Bescheid geändert werden.",
    "Zahlungen sind unter Angabe des Aktenzeichens an die Stadtkasse zu leisten.",
    "Bei verspäteter Zahlung werden Säumniszuschläge nach § 240 AO erhoben.",
    "Gegen die Festsetzung der Säumniszuschläge ist ebenfalls der Widerspruch gegeben.",
    "Die Bauaufsichtsbehörde prüft die Einhaltung der öffentlich-rechtlichen Vorschriften,",
    "insbesondere der Abstandsflächen, des Brandschutzes und der Standsicherheit.",
]


@dataclass(frozen=True)
class CorpusFile:
    """One generated scan and its prepared (OCR-ready) PDF."""

    path: Path
    fmt: str
    pages: int
    bytes: int
    prepared_pdf: Path


@dataclass
class Measured:
    """One measured process (tree): wall time, memory and exit status."""

    seconds: float
    returncode: int
    peak_tree_rss: int  # bytes: highest polled sum of RSS over the process and all descendants
    largest_process_rss: int  # bytes: ru_maxrss from wait4, the largest single process in the tree


@dataclass
class Phase:
    """A measured side of the comparison."""

    name: str
    seconds: float
    pages: int
    peak_tree_rss: int
    largest_process_rss: int
    load_before: float
    load_after: float
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def pages_per_min(self) -> float:
        return self.pages / self.seconds * 60 if self.seconds > 0 else 0.0


# --------------------------------------------------------------------------- corpus


def _law_sections() -> Iterator[tuple[str, str]]:
    """Endless (title, text) chunks of German statutes, deterministic; built-in text if absent."""
    files = sorted(GESETZE.glob("*.md")) if GESETZE.is_dir() else []
    chunks: list[tuple[str, str]] = []
    for law in files:
        raw = law.read_text(encoding="utf-8")
        title = re.search(r"^Title:\s*(.+)$", raw, flags=re.MULTILINE)
        sections = re.split(r"\n(?=#{2,3} )", raw)[1:]
        for start in range(0, len(sections), 7):
            text = "\n\n".join(sections[start : start + 6])
            if len(text) > 1500:
                chunks.append((title.group(1).strip() if title else law.stem, text))
    if not chunks:
        chunks = [("Erläuterungen zum Bescheid", "\n\n".join(_FALLBACK_ANLAGE))]
    index = 0
    while True:
        # Stride through the list so consecutive pages come from different laws.
        yield chunks[(index * 37) % len(chunks)]
        index += 1


def _letter_pages() -> Iterator[list[str]]:
    """Endless first pages: the fictional Musterstadt letters from scanmaker."""
    letters = [doc.pages[0] for doc in sample_documents()]
    index = 0
    while True:
        yield letters[index % len(letters)]
        index += 1


def build_corpus(inbox: Path, prepared_dir: Path, pages_min: int) -> list[CorpusFile]:
    """Write scans to `inbox` until there are >= `pages_min` pages; prepare each for OCR."""
    letters, laws = _letter_pages(), _law_sections()
    files: list[CorpusFile] = []
    total = 0
    number = 0
    while total < pages_min:
        fmt, pages, codec = ROUND[number % len(ROUND)]
        doc_pages = [next(letters)]
        for appendix in range(1, pages):
            title, text = next(laws)
            heading = f"Anlage {appendix} - Auszug: {title}"
            doc_pages.append([heading, "", *page_from_corpus_text(text, max_lines=40)])
        name = f"{number + 1:03d}-{fmt}-{pages}p{SUFFIX[fmt]}"
        path = write_scan(
            doc_pages,
            inbox / name,
            fmt,
            seed=1000 + 17 * number,
            skew_deg=(0.4, -0.8, 1.2, -1.5)[number % 4],
            pdf_codec=codec,
        )
        workdir = prepared_dir / path.stem
        workdir.mkdir(parents=True)
        prepared = prepare_input(path, workdir, max_pixels=MAX_PIXELS, default_dpi=DEFAULT_DPI)
        if prepared.pages != pages or prepared.text_layer is not None:
            raise RuntimeError(f"{path}: prepared as {prepared.pages} pages / born digital")
        files.append(CorpusFile(path, fmt, pages, path.stat().st_size, prepared.pdf))
        total += pages
        number += 1
    return files


# --------------------------------------------------------------------------- measuring


def run_measured(
    cmd: list[str], env: Mapping[str, str], log_stem: Path, cwd: Path, timeout: float
) -> Measured:
    """Run `cmd`, stdout/stderr to `<log_stem>.out/.err`; time it and measure its memory."""
    with (
        log_stem.with_suffix(".out").open("wb") as out,
        log_stem.with_suffix(".err").open("wb") as err,
    ):
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=err, env=dict(env), cwd=cwd, start_new_session=True
        )
        monitor = TreeRssMonitor(proc.pid)
        monitor.start()
        watchdog = threading.Timer(timeout, _kill_group, args=(proc.pid,))
        watchdog.start()
        # wait4, not wait: its rusage covers exactly this child and its reaped descendants.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        watchdog.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak = monitor.stop()
    return Measured(seconds, proc.returncode, peak, usage.ru_maxrss * 1024)


def _kill_group(pgid: int) -> None:
    """Timeout: end the process group this benchmark started for one run."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def _load() -> float:
    return os.getloadavg()[0]


def bench_env(prefect_home: Path) -> dict[str, str]:
    """Same environment for both sides: single-threaded tesseract, isolated Prefect, defaults."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("EAKTE_") and k != "PREFECT_API_URL"
    }
    env.update(
        OMP_THREAD_LIMIT="1",
        PREFECT_HOME=str(prefect_home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        COLUMNS="200",
    )
    return env


def ocrmypdf_cmd(source: Path, output: Path, sidecar: Path, jobs: int) -> list[str]:
    """The options eakte's OCR worker uses, as a command line (`--mode force` as for scans)."""
    return [
        str(BIN / "ocrmypdf"),
        "-l",
        "deu+eng",
        "--output-type",
        "pdfa-2",
        "--mode",
        "force",
        "--deskew",
        "--rotate-pages",
        "--sidecar",
        str(sidecar),
        "--jobs",
        str(jobs),
        str(source),
        str(output),
    ]


def run_plain(
    files: list[CorpusFile], out_dir: Path, env: Mapping[str, str], jobs: int
) -> tuple[Phase, list[str]]:
    """The reference: one ocrmypdf after the other over the prepared PDFs."""
    out_dir.mkdir(parents=True)
    problems: list[str] = []
    per_file: list[dict[str, Any]] = []
    peak_tree = largest = 0
    load_before = _load()
    started = time.perf_counter()
    for item in files:
        stem = out_dir / item.path.stem
        sidecar = stem.with_suffix(".txt")
        result = run_measured(
            ocrmypdf_cmd(item.prepared_pdf, stem.with_suffix(".pdfa.pdf"), sidecar, jobs),
            env,
            stem,
            out_dir,
            timeout=120 + 90 * item.pages,
        )
        peak_tree, largest = (
            max(peak_tree, result.peak_tree_rss),
            max(largest, result.largest_process_rss),
        )
        per_file.append({"file": item.path.name, "seconds": round(result.seconds, 2)})
        if result.returncode != 0:
            problems.append(f"ocrmypdf failed on {item.path.name} (exit {result.returncode})")
        elif not sidecar.exists() or not sidecar.read_text(encoding="utf-8").strip():
            problems.append(f"ocrmypdf recognised no text in {item.path.name}")
    seconds = time.perf_counter() - started
    phase = Phase(
        "plain ocrmypdf loop",
        seconds,
        sum(f.pages for f in files),
        peak_tree,
        largest,
        load_before,
        _load(),
        {"per_file": per_file, "command": ocrmypdf_cmd(Path("IN"), Path("OUT"), Path("TXT"), jobs)},
    )
    return phase, problems


def eakte_cmd(folder: Path, data: Path) -> list[str]:
    return [str(BIN / "eakte"), "ingest", str(folder), "--data", str(data), "--json"]


def run_eakte(
    folder: Path, data: Path, log_stem: Path, env: Mapping[str, str], cwd: Path, timeout: float
) -> tuple[Measured, dict[str, Any] | None]:
    """`eakte ingest FOLDER --data DATA --json` as a subprocess; its parsed report or None."""
    result = run_measured(eakte_cmd(folder, data), env, log_stem, cwd, timeout)
    try:
        report = json.loads(log_stem.with_suffix(".out").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        report = None
    return result, report


def check_report(report: dict[str, Any] | None, files: list[CorpusFile]) -> list[str]:
    """Why eakte's run does not count (empty when every document was archived or needs review)."""
    if report is None:
        return ["eakte printed no JSON report"]
    problems: list[str] = []
    lines = report.get("documents", [])
    by_name = {Path(line["source"]).name: line for line in lines}
    for item in files:
        line = by_name.get(item.path.name)
        if line is None:
            problems.append(f"{item.path.name}: missing from eakte's report")
        elif line["status"] not in VALID_STATUSES:
            problems.append(f"{item.path.name}: {line['status']} ({line.get('reason')})")
        elif line.get("pages") != item.pages:
            problems.append(f"{item.path.name}: {line.get('pages')} pages, expected {item.pages}")
    if len(lines) != len(files):
        problems.append(f"eakte reported {len(lines)} documents for {len(files)} files")
    return problems


# --------------------------------------------------------------------------- report


def _tool_version(cmd: list[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return "?"
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else "?"


def _git_commit() -> str:
    commit = _tool_version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = _tool_version(["git", "-C", str(ROOT), "status", "--porcelain"]) != "?"
    return commit + ("+dirty" if dirty else "")


def verdict(ratio: float) -> str:
    if ratio >= TARGET_RATIO:
        return "meets target"
    if ratio >= FLOOR_RATIO:
        return "below target, above floor"
    return "BELOW FLOOR"


def _mib(value: int) -> str:
    return f"{value / MIB:,.0f} MiB"


def print_table(result: dict[str, Any]) -> None:
    """The human-readable summary on stdout."""
    corpus, rows = result["corpus"], result["phases"]
    print()
    print(
        f"eakte ingest benchmark  {result['timestamp']}  {result['machine']['cpus']} CPUs  "
        f"commit {result['versions']['eakte_commit']}"
    )
    print(
        f"corpus: {corpus['pages']} pages in {corpus['files']} files "
        f"({corpus['single_page_files']} single-page, {corpus['multi_page_files']} multi-page; "
        f"{', '.join(f'{k} {v}' for k, v in corpus['formats'].items())}); text: {corpus['text']}"
    )
    print()
    header = f"{'':30}{'wall s':>9}{'pages/min':>11}{'peak RSS tree':>15}{'largest proc':>14}"
    print(header)
    print("-" * len(header))
    for row in rows:
        tree = _mib(row["peak_tree_rss_bytes"]) if row["peak_tree_rss_bytes"] else "-"
        largest = (
            _mib(row["largest_process_rss_bytes"]) if row["largest_process_rss_bytes"] else "-"
        )
        print(
            f"{row['name']:30}{row['seconds']:9.1f}{row['pages_per_min']:11.1f}"
            f"{tree:>15}{largest:>14}"
        )
    print()
    startup = result["startup"]
    print(
        f"fixed start-up (eakte ingest of an empty folder, warm local Prefect server): "
        f"{startup['empty_batch_s']:.1f} s (of which CLI start `eakte --help`: "
        f"{startup['cli_help_s']:.1f} s); first start on a fresh Prefect DB: "
        f"{startup['first_start_fresh_db_s']:.1f} s"
    )
    ratios = result["ratios"]
    print(
        f"ratio eakte/plain, pages/min:  total {ratios['total']:.2f}x  "
        f"(minus start-up {ratios['minus_startup']:.2f}x)   "
        f"target >= {TARGET_RATIO}x, floor {FLOOR_RATIO}x  ->  {result['verdict']}"
    )
    print(
        f"memory eakte/plain: peak RSS tree {ratios['peak_tree_rss']:.2f}x, "
        f"largest process {ratios['largest_process_rss']:.2f}x"
    )
    print(f"eakte statuses: {result['eakte_counts']}")
    if result["valid"]:
        print("VALID: every document archived or needs_review; plain loop OCR'd every file")
    else:
        print("INVALID BENCHMARK:")
        for problem in result["problems"]:
            print(f"  - {problem}")
    print(
        f"load average (1 min) before/after: plain {rows[0]['load_before']:.2f}/"
        f"{rows[0]['load_after']:.2f}, eakte {rows[1]['load_before']:.2f}/"
        f"{rows[1]['load_after']:.2f}"
    )


# --------------------------------------------------------------------------- main


def _phase_json(phase: Phase) -> dict[str, Any]:
    data = asdict(phase)
    data["peak_tree_rss_bytes"] = data.pop("peak_tree_rss")
    data["largest_process_rss_bytes"] = data.pop("largest_process_rss")
    data["seconds"] = round(phase.seconds, 2)
    data["pages_per_min"] = round(phase.pages_per_min, 2)
    return data


def main(argv: list[str] | None = None) -> int:
    """Run the whole benchmark; exit 0 valid, 1 below the floor ratio, 2 invalid."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest", description=__doc__)
    parser.add_argument("--pages-min", type=int, default=20, help="pages in the corpus, at least")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work directory")
    args = parser.parse_args(argv)
    if args.pages_min < 1:
        parser.error("--pages-min must be at least 1")

    jobs = os.cpu_count() or 1
    timestamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    work = Path(tempfile.mkdtemp(prefix="eakte-bench-"))
    try:
        return _run(args.pages_min, jobs, timestamp, work)
    finally:
        # eakte keeps a local Prefect server between batches; the benchmark's goes with it.
        subprocess.run(
            [str(BIN / "eakte"), "server", "stop"],
            env=bench_env(work / "prefect-home"),
            capture_output=True,
            check=False,
        )
        if args.keep:
            print(f"\nwork directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _run(pages_min: int, jobs: int, timestamp: str, work: Path) -> int:
    env = bench_env(work / "prefect-home")
    logs = work / "logs"
    logs.mkdir()

    log(f"generating a corpus of >= {pages_min} pages in {work / 'inbox'}")
    files = build_corpus(work / "inbox", work / "prepared", pages_min)
    pages = sum(f.pages for f in files)
    empty = work / "empty"
    empty.mkdir()

    log("warm-up: eakte on an empty folder (creates the Prefect DB), ocrmypdf on one page")
    first, _ = run_eakte(empty, work / "data-warmup", logs / "eakte-warmup", env, work, 600)
    single = next(f for f in files if f.pages == 1)
    run_measured(
        ocrmypdf_cmd(single.prepared_pdf, work / "warmup.pdf", work / "warmup.txt", jobs),
        env,
        logs / "ocrmypdf-warmup",
        work,
        600,
    )
    cli = run_measured([str(BIN / "eakte"), "--help"], env, logs / "eakte-help", work, 120)
    log("eakte on an empty folder (fixed start-up)")
    start, start_report = run_eakte(
        empty, work / "data-empty", logs / "eakte-empty", env, work, 600
    )

    log(f"plain ocrmypdf loop over {len(files)} files, {pages} pages (--jobs {jobs})")
    plain, problems = run_plain(files, work / "plain", env, jobs)
    log(f"  {plain.seconds:.1f} s")

    log("eakte ingest")
    load_before = _load()
    ingest, report = run_eakte(
        work / "inbox", work / "data", logs / "eakte-ingest", env, work, 600 + 120 * pages
    )
    log(f"  {ingest.seconds:.1f} s")
    if first.returncode or start.returncode or start_report is None:
        problems.append("eakte failed on an empty folder (see logs with --keep)")
    if ingest.returncode:
        problems.append(f"eakte ingest exited {ingest.returncode} (see logs with --keep)")
    problems += check_report(report, files)

    eakte = Phase(
        "eakte ingest (total)",
        ingest.seconds,
        pages,
        ingest.peak_tree_rss,
        ingest.largest_process_rss,
        load_before,
        _load(),
        {"command": eakte_cmd(Path("INBOX"), Path("DATA")), "workers": jobs},
    )
    net = Phase(
        "eakte minus fixed start-up",
        max(ingest.seconds - start.seconds, 1e-9),
        pages,
        0,
        0,
        load_before,
        eakte.load_after,
    )
    ratio = eakte.pages_per_min / plain.pages_per_min if plain.pages_per_min else 0.0
    formats: dict[str, int] = {}
    for item in files:
        formats[item.fmt] = formats.get(item.fmt, 0) + 1
    result: dict[str, Any] = {
        "timestamp": timestamp,
        "valid": not problems,
        "problems": problems,
        "verdict": verdict(ratio),
        "target_ratio": TARGET_RATIO,
        "floor_ratio": FLOOR_RATIO,
        "ratios": {
            "total": round(ratio, 3),
            "minus_startup": round(net.pages_per_min / plain.pages_per_min, 3)
            if plain.pages_per_min
            else 0.0,
            "peak_tree_rss": round(eakte.peak_tree_rss / max(plain.peak_tree_rss, 1), 3),
            "largest_process_rss": round(
                eakte.largest_process_rss / max(plain.largest_process_rss, 1), 3
            ),
        },
        "phases": [_phase_json(plain), _phase_json(eakte), _phase_json(net)],
        "startup": {
            "empty_batch_s": round(start.seconds, 2),
            "empty_batch_peak_tree_rss_bytes": start.peak_tree_rss,
            "cli_help_s": round(cli.seconds, 2),
            "first_start_fresh_db_s": round(first.seconds, 2),
        },
        "eakte_counts": (report or {}).get("counts"),
        "eakte_documents": [
            {k: line.get(k) for k in ("source", "status", "doc_type", "pages", "ocr_confidence")}
            for line in (report or {}).get("documents", [])
        ],
        "corpus": {
            "files": len(files),
            "pages": pages,
            "single_page_files": sum(f.pages == 1 for f in files),
            "multi_page_files": sum(f.pages > 1 for f in files),
            "formats": formats,
            "text": f"letters from scanmaker + law text from {GESETZE}"
            if GESETZE.is_dir()
            else "letters from scanmaker + built-in appendix lines",
            "list": [
                {"name": f.path.name, "fmt": f.fmt, "pages": f.pages, "bytes": f.bytes}
                for f in files
            ],
        },
        "machine": {
            "cpus": jobs,
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "versions": {
            "eakte_commit": _git_commit(),
            "ocrmypdf": _tool_version([str(BIN / "ocrmypdf"), "--version"]),
            "tesseract": _tool_version(["tesseract", "--version"]),
            "prefect": version("prefect"),
        },
        "environment": {"OMP_THREAD_LIMIT": "1", "ocrmypdf_jobs": jobs, "eakte_workers": jobs},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"ingest-{timestamp}.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print_table(result)
    print(f"\nresults: {out.relative_to(ROOT)}")
    if problems:
        return 2
    return 1 if ratio < FLOOR_RATIO else 0


if __name__ == "__main__":
    sys.exit(main())

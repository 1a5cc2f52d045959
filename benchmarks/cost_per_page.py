"""Cost per page: bare tesseract (the limit), plain ocrmypdf (the reference) and `eakte ingest`.

Run from the repository root: ``.venv/bin/python -m benchmarks.cost_per_page [--generated 8]``.
All three read the same pages in one run. The figure that counts is core-seconds per page
(user + system CPU of every process the side started, tesseract and Ghostscript included, and
for eakte the CPU its local Prefect server spent meanwhile), because the machine may be
shared; wall seconds per page are given beside it. Each side's text is measured against the
ground truth of the pages that have one (`../shared/corpus/ocr-dev`) as a character error
rate, so that speed is never bought with accuracy. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.ingest import (
    BIN,
    DEFAULT_DPI,
    MAX_PIXELS,
    RESULTS,
    ROOT,
    TreeRssMonitor,
    _git_commit,
    _law_sections,
    _letter_pages,
    _tool_version,
    bench_env,
    eakte_cmd,
    ocrmypdf_cmd,
)
from scanmaker import page_from_corpus_text, write_scan
from scanners.intake import prepare_input

OCR_DEV = ROOT.parent / "shared" / "corpus" / "ocr-dev"
MIB = 1024 * 1024
TARGET_VS_TESSERACT = 1.5  # eakte core-seconds per page, at most this times bare recognition
TARGET_VS_PLAIN = 2.0  # and at least this much cheaper than the plain ocrmypdf loop

# Pages of ocr-dev with ground truth: (input, ground truth), relative to OCR_DEV.
GROUND_TRUTH: tuple[tuple[str, str], ...] = (
    ("tesseract/phototest.tif", "tesseract/phototest.gold.txt"),
    ("tesseract/phototest-rotated-180.png", "tesseract/phototest.gold.txt"),
    ("tesseract/phototest-rotated-L.png", "tesseract/phototest.gold.txt"),
    ("tesseract/phototest-rotated-R.png", "tesseract/phototest.gold.txt"),
    ("tesseract/eurotext.tif", "tesseract/eurotext.txt"),
    ("dinglehopper/00000119.tif", "dinglehopper/test-gt.page2018.gt.txt"),
    (
        "dinglehopper/unused-larex-indexed-textequiv-jkamlah/462875_0008.jpg",
        "dinglehopper/unused-larex-indexed-textequiv-jkamlah/OCR-D-GT_0008.gt.txt",
    ),
    (
        "dinglehopper/lorem-ipsum/lorem-ipsum-scan.pdf",
        "dinglehopper/lorem-ipsum/lorem-ipsum-scan.gt.page.gt.txt",
    ),
    (
        "dinglehopper/lorem-ipsum/lorem-ipsum-scan-bad.pdf",
        "dinglehopper/lorem-ipsum/lorem-ipsum-scan-bad.gt.page.gt.txt",
    ),
)


@dataclass(frozen=True)
class Page:
    """One single-page input, the image bare tesseract reads, the PDF ocrmypdf reads."""

    name: str
    source: Path  # what eakte ingests
    image: Path  # what bare tesseract reads (the page's own image)
    pdf: Path  # what plain ocrmypdf reads: eakte's intake of `source`, made outside the timing
    truth: str | None
    origin: str


@dataclass
class Side:
    """One measured side: its cost, memory and text per page."""

    name: str
    wall_s: float = 0.0
    core_s: float = 0.0
    peak_rss: int = 0  # bytes: the largest single process (ru_maxrss of each waited child)
    peak_tree_rss: int = 0  # bytes: the highest polled RSS sum of a process tree
    texts: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- pages


def build_pages(work: Path, generated: int) -> list[Page]:
    """The ocr-dev pages with ground truth, then `generated` rendered German pages."""
    inbox, images, prepared = work / "inbox", work / "images", work / "prepared"
    for folder in (inbox, images, prepared):
        folder.mkdir(parents=True)
    pages: list[Page] = []
    for number, (relative, truth) in enumerate(GROUND_TRUTH, start=1):
        original = OCR_DEV / relative
        if not original.exists():
            continue
        source = inbox / f"{number:02d}-{original.name}"
        shutil.copyfile(original, source)
        text = (OCR_DEV / truth).read_text(encoding="utf-8")
        pages.append(_page(source, images, prepared, text, f"ocr-dev/{relative}"))
    letters, laws = _letter_pages(), _law_sections()
    for number in range(generated):
        if number % 2 == 0:
            lines = next(letters)
        else:
            title, text = next(laws)
            lines = [title, "", *page_from_corpus_text(text, max_lines=40)]
        fmt = ("png", "tiff", "jpeg", "pdf")[number % 4]
        suffix = {"png": ".png", "tiff": ".tif", "jpeg": ".jpg", "pdf": ".pdf"}[fmt]
        source = write_scan(
            [lines],
            inbox / f"g{number + 1:02d}-{fmt}{suffix}",
            fmt,
            seed=2000 + 13 * number,
            skew_deg=(0.6, -1.1, 1.6, -0.3)[number % 4],
        )
        pages.append(_page(source, images, prepared, "\n".join(lines), "generated (scanmaker)"))
    return pages


def _page(source: Path, images: Path, prepared: Path, truth: str, origin: str) -> Page:
    workdir = prepared / source.stem
    workdir.mkdir()
    ready = prepare_input(source, workdir, max_pixels=MAX_PIXELS, default_dpi=DEFAULT_DPI)
    if ready.pages != 1 or ready.text_layer is not None:
        raise RuntimeError(f"{source}: {ready.pages} pages / born digital, expected one scan")
    image = _page_image(source, images) if source.suffix == ".pdf" else source
    return Page(source.name, source, image, ready.pdf, truth, origin)


def _page_image(pdf: Path, images: Path) -> Path:
    """What bare tesseract reads of a one-page scanner PDF: its one image as stored (`pdfimages
    -all`: the scanner's own JPEG), or for a page in layers the page drawn in grey at 300 dpi.
    Drawn in colour instead, tesseract spent 0.2-0.6 core-s more per page on the same pixels."""
    prefix = images / pdf.stem
    listed = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True)
    if listed.returncode == 0 and len(listed.stdout.splitlines()) == 3:  # header, rule, one image
        subprocess.run(["pdfimages", "-all", str(pdf), str(prefix)], check=True)
        (image,) = images.glob(f"{pdf.stem}-000.*")
        return image
    command = ["pdftoppm", "-r", str(DEFAULT_DPI), "-gray", "-singlefile", str(pdf), str(prefix)]
    subprocess.run(command, check=True)
    return prefix.with_suffix(".pgm")


# --------------------------------------------------------------------------- measuring


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _tree_cpu(root: int) -> float:
    """CPU seconds of a live process tree (and its reaped children), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    tree: dict[int, list[int]] = {}
    stats: dict[int, list[bytes]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = fields
            tree.setdefault(int(fields[1]), []).append(int(entry.name))
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        pending.extend(tree.get(pid, ()))
        if pid in stats:  # utime, stime, cutime, cstime: fields 14-17 of stat
            total += sum(int(value) for value in stats[pid][11:15])
    return total / tick


def _settled_cpu(pid: int, quiet_s: float = 0.05, longest_s: float = 60.0) -> float:
    """The CPU seconds of `pid`'s tree once it has gone quiet (less than `quiet_s` in a
    second): the Prefect server records a batch's task runs after the CLI has ended, which is
    the batch's cost too and would otherwise fall on the side measured next."""
    deadline = time.monotonic() + longest_s
    before = _tree_cpu(pid)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = _tree_cpu(pid)
        if now - before < quiet_s:
            return now
        before = now
    return before


def _server_pid(prefect_home: Path) -> int | None:
    try:
        return int(json.loads((prefect_home / "eakte-local-server.json").read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return None


def _wait(proc: subprocess.Popen[bytes], side: Side, monitor: TreeRssMonitor) -> int:
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    side.peak_rss = max(side.peak_rss, usage.ru_maxrss * 1024)
    side.peak_tree_rss = max(side.peak_tree_rss, monitor.stop())
    return proc.returncode


def _start(
    cmd: list[str], env: Mapping[str, str], out: Path, cwd: Path | None = None
) -> tuple[subprocess.Popen[bytes], TreeRssMonitor]:
    with out.open("wb") as stdout, out.with_suffix(".err").open("wb") as stderr:
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, env=dict(env), cwd=cwd)
    monitor = TreeRssMonitor(proc.pid)
    monitor.start()
    return proc, monitor


def measured(side: Side, run: Callable[[], None], pages: int) -> Side:
    """Run one side, adding its wall and core seconds."""
    cpu, started = _children_cpu(), time.perf_counter()
    run()
    side.wall_s += time.perf_counter() - started
    side.core_s += _children_cpu() - cpu
    side.details["pages"] = pages
    return side


def run_tesseract(pages: list[Page], env: Mapping[str, str], out: Path, parallel: int) -> Side:
    """`tesseract IMAGE - -l deu+eng`, `parallel` at a time, one thread each."""
    side = Side("bare tesseract")
    out.mkdir()

    def run() -> None:
        waiting = list(pages)
        running: dict[int, tuple[Page, subprocess.Popen[bytes], TreeRssMonitor]] = {}
        while waiting or running:
            while waiting and len(running) < parallel:
                page = waiting.pop(0)
                cmd = ["tesseract", str(page.image), "-", "-l", "deu+eng"]
                proc, monitor = _start(cmd, env, out / f"{page.name}.txt")
                running[proc.pid] = (page, proc, monitor)
            pid, status, usage = os.wait4(-1, 0)
            if pid not in running:
                continue
            page, proc, monitor = running.pop(pid)
            proc.returncode = os.waitstatus_to_exitcode(status)
            side.peak_rss = max(side.peak_rss, usage.ru_maxrss * 1024)
            side.peak_tree_rss = max(side.peak_tree_rss, monitor.stop())
            if os.waitstatus_to_exitcode(status) != 0:
                side.problems.append(f"tesseract failed on {page.name}")
            side.texts[page.name] = (out / f"{page.name}.txt").read_text("utf-8")

    return measured(side, run, len(pages))


def bracketed(first: Side, again: Side) -> None:
    """Make `first` the mean of two runs of the same side, one before and one after the others:
    the machine's speed drifts over a run (other tenants), and a limit measured on both sides
    of eakte's run is not favoured or disfavoured by when it ran. Both runs stay in details."""
    first.details["core_s_runs"] = [round(first.core_s, 2), round(again.core_s, 2)]
    first.details["wall_s_runs"] = [round(first.wall_s, 2), round(again.wall_s, 2)]
    first.core_s = (first.core_s + again.core_s) / 2
    first.wall_s = (first.wall_s + again.wall_s) / 2
    first.peak_rss = max(first.peak_rss, again.peak_rss)
    first.peak_tree_rss = max(first.peak_tree_rss, again.peak_tree_rss)
    first.problems += [f"(second run) {problem}" for problem in again.problems]


def run_plain(pages: list[Page], env: Mapping[str, str], out: Path, jobs: int) -> Side:
    """ocrmypdf file after file, with the options eakte's OCR uses."""
    side = Side("plain ocrmypdf loop")
    out.mkdir()

    def run() -> None:
        for page in pages:
            sidecar = out / f"{page.name}.txt"
            cmd = ocrmypdf_cmd(page.pdf, out / f"{page.name}.pdf", sidecar, jobs)
            proc, monitor = _start(cmd, env, out / f"{page.name}.log")
            if _wait(proc, side, monitor) != 0:
                side.problems.append(f"ocrmypdf failed on {page.name}")
            side.texts[page.name] = sidecar.read_text("utf-8") if sidecar.exists() else ""

    side.details["command"] = ocrmypdf_cmd(Path("IN"), Path("OUT"), Path("TXT"), jobs)
    return measured(side, run, len(pages))


def run_eakte(
    pages: list[Page], inbox: Path, data: Path, env: Mapping[str, str], logs: Path, name: str
) -> tuple[Side, dict[str, Any] | None]:
    """`eakte ingest INBOX --data DATA --json`, with its local Prefect server's CPU meanwhile."""
    side = Side(name)
    server = _server_pid(Path(env["PREFECT_HOME"]))
    server_before = _tree_cpu(server) if server else 0.0
    report: dict[str, Any] | None = None

    def run() -> None:
        nonlocal report
        # run in the work directory: `python -m` puts the working directory first on the
        # path of eakte's OCR processes, and this checkout's code would shadow a baseline's
        proc, monitor = _start(eakte_cmd(inbox, data), env, logs / f"{name}.json", logs.parent)
        if _wait(proc, side, monitor) != 0:
            side.problems.append(f"eakte ingest exited {proc.returncode}")
        try:
            report = json.loads((logs / f"{name}.json").read_text("utf-8"))
        except ValueError:
            side.problems.append("eakte printed no JSON report")

    measured(side, run, len(pages))
    server_cpu = (_settled_cpu(server) - server_before) if server else 0.0
    side.core_s += server_cpu
    side.details["prefect_server_core_s"] = round(server_cpu, 2)
    if report is not None and pages:
        _eakte_texts(side, pages, report, data)
        side.details["profile_per_page"] = profile_per_page(report, len(pages))
    return side, report


def _eakte_texts(side: Side, pages: list[Page], report: dict[str, Any], data: Path) -> None:
    by_name = {Path(line["source"]).name: line for line in report["documents"]}
    for page in pages:
        line = by_name.get(page.name)
        if line is None or line["status"] not in ("archived", "needs_review"):
            side.problems.append(
                f"{page.name}: {line and line['status']} ({line and line['reason']})"
            )
            continue
        document_id = line["document_id"]
        sidecar = json.loads(
            (data / "documents" / document_id[:2] / f"{document_id}.json").read_text()
        )
        side.texts[page.name] = "\n".join(p.get("text", "") for p in sidecar["pages"])


def profile_per_page(report: dict[str, Any], pages: int) -> dict[str, dict[str, float]]:
    """eakte's own profile (the batch report's) per page: wall seconds by step, and the CPU
    seconds of the OCR process by stage."""
    profile = report.get("profile") or {}
    wall = {
        step: round(seconds / max(profile.get("pages") or pages, 1), 3)
        for step, seconds in profile.get("steps", {}).items()
    }
    cpu: dict[str, float] = {}
    for line in report.get("documents", []):
        for stage, seconds in ((line.get("profile") or {}).get("ocr_process_cpu") or {}).items():
            cpu[stage] = cpu.get(stage, 0.0) + seconds
    return {"wall_s": wall, "ocr_process_core_s": {k: round(v / pages, 3) for k, v in cpu.items()}}


# --------------------------------------------------------------------------- accuracy


def normalise(text: str) -> str:
    """NFC, one space for any run of white space, no hyphenation at line ends."""
    text = unicodedata.normalize("NFC", text).replace("\u017f", "s")  # long s of Fraktur
    text = text.replace("-\n", "")
    return " ".join(text.split())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions), two rows."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            )
        previous = current
    return previous[-1]


def cer(side: Side, pages: list[Page]) -> dict[str, Any]:
    """Character error rate per page and over all pages with ground truth (edits / truth)."""
    per_page, edits, chars = {}, 0, 0
    for page in pages:
        if page.truth is None:
            continue
        truth, got = normalise(page.truth), normalise(side.texts.get(page.name, ""))
        distance = edit_distance(truth, got)
        per_page[page.name] = round(distance / max(len(truth), 1), 4)
        edits, chars = edits + distance, chars + len(truth)
    return {"all": round(edits / max(chars, 1), 4), "pages": per_page}


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 0 valid, 2 when a side failed or lost a page."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cost_per_page", description=__doc__)
    parser.add_argument("--generated", type=int, default=8, help="rendered German pages to add")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work directory")
    parser.add_argument(
        "--baseline",
        metavar="COMMIT",
        help="also run eakte as it was at COMMIT (same venv), for a before/after in one run",
    )
    parser.add_argument(
        "--baseline-without-bytecode",
        action="store_true",
        help="run the baseline without the installed bytecode (compiling every module it imports)",
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=("tesseract", "plain"),
        help="leave out a side (for trying changes to eakte quickly)",
    )
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="eakte-cost-"))
    env = bench_env(work / "prefect-home")
    try:
        baseline = args.baseline
        return _run(
            work, env, args.generated, set(args.skip), baseline, args.baseline_without_bytecode
        )
    finally:
        subprocess.run(
            [str(BIN / "eakte"), "server", "stop"], env=env, capture_output=True, check=False
        )
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _baseline_env(
    work: Path, env: dict[str, str], commit: str, without_bytecode: bool
) -> dict[str, str]:
    """The environment that runs eakte's code as of `commit`: its tree first on the path;
    `without_bytecode`: Python looks for bytecode in an empty folder and writes none, as in an
    installation made without it."""
    tree = work / f"baseline-{commit}"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    if not without_bytecode:
        compiled(tree)
        return {**env, "PYTHONPATH": str(tree)}
    (work / "no-bytecode").mkdir()
    return {
        **env,
        "PYTHONPATH": str(tree),
        "PYTHONPYCACHEPREFIX": str(work / "no-bytecode"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def compiled(tree: Path) -> None:
    """Write the bytecode of eakte's own packages in `tree`, as its first run would write it:
    with PYTHONDONTWRITEBYTECODE set, or a fresh checkout, every process of the batch would
    otherwise compile them from source (about 0.1 core-s per process, measured 2026-11-30)."""
    pyproject = tomllib.loads((tree / "pyproject.toml").read_text("utf-8"))
    packages = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    command = [sys.executable, "-m", "compileall", "-q", *(str(tree / p) for p in packages)]
    subprocess.run(command, check=True)


def _run(
    work: Path,
    env: dict[str, str],
    generated: int,
    skip: set[str],
    baseline: str | None,
    without_bytecode: bool = False,
) -> int:
    jobs = os.cpu_count() or 1
    logs = work / "logs"
    logs.mkdir()
    pages = build_pages(work, generated)
    compiled(ROOT)
    log(f"{len(pages)} pages in {work / 'inbox'}; warm-up: eakte on an empty folder")
    (work / "empty").mkdir()
    run_eakte([], work / "empty", work / "data-warmup", env, logs, "warmup")
    empty, _ = run_eakte([], work / "empty", work / "data-empty", env, logs, "empty")
    sides: list[Side] = []
    if "tesseract" not in skip:
        log("bare tesseract, two at a time")
        sides.append(run_tesseract(pages, env, work / "tesseract", parallel=jobs))
    if "plain" not in skip:
        log(f"plain ocrmypdf loop (--jobs {jobs})")
        sides.append(run_plain(pages, env, work / "plain", jobs))
    if baseline:
        log(f"eakte ingest as of {baseline}")
        before_env = _baseline_env(work, env, baseline, without_bytecode)
        name = f"eakte@{baseline}" + (" no pyc" if without_bytecode else "")
        before, _ = run_eakte(pages, work / "inbox", work / "data-baseline", before_env, logs, name)
        sides.append(before)
    log("eakte ingest")
    eakte, report = run_eakte(pages, work / "inbox", work / "data", env, logs, "eakte")
    sides.append(eakte)
    if "tesseract" not in skip:
        log("bare tesseract again")
        again = run_tesseract(pages, env, work / "tesseract-again", parallel=jobs)
        bracketed(sides[0], again)
    result = _result(pages, sides, empty, report, jobs)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"cost-per-page-{result['timestamp']}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_table(result)
    print(f"\nresults: {out.relative_to(ROOT)}")
    return 2 if result["problems"] else 0


def _result(
    pages: list[Page], sides: list[Side], empty: Side, report: dict[str, Any] | None, jobs: int
) -> dict[str, Any]:
    n = len(pages)
    rows = {}
    for side in sides:
        rows[side.name] = {
            "core_s_per_page": round(side.core_s / n, 3),
            "wall_s_per_page": round(side.wall_s / n, 3),
            "core_s": round(side.core_s, 2),
            "wall_s": round(side.wall_s, 2),
            "peak_process_rss_mib": round(side.peak_rss / MIB),
            "peak_tree_rss_mib": round(side.peak_tree_rss / MIB),
            "cer": cer(side, pages),
            "details": side.details,
        }
    eakte = rows[sides[-1].name]
    ratios = {
        f"eakte / {name}": {
            "core_s": round(eakte["core_s"] / row["core_s"], 2) if row["core_s"] else None,
            "wall_s": round(eakte["wall_s"] / row["wall_s"], 2) if row["wall_s"] else None,
        }
        for name, row in rows.items()
        if name != sides[-1].name
    }
    # At archive scale a batch is hundreds of pages and its fixed start (CLI, flow run, OCR
    # server) is spread over them: what each further page costs, beside the figures above.
    beyond = (eakte["core_s"] - empty.core_s) / n if n else 0.0
    marginal = {
        "core_s_per_page": round(beyond, 3),
        "ratios": {
            f"eakte / {name}": round(beyond / row["core_s_per_page"], 2)
            for name, row in rows.items()
            if name != sides[-1].name and row["core_s_per_page"]
        },
    }
    return {
        "timestamp": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "pages": [
            {"name": p.name, "origin": p.origin, "truth": p.truth is not None} for p in pages
        ],
        "sides": rows,
        "ratios": ratios,
        "eakte_fixed_start": {"core_s": round(empty.core_s, 2), "wall_s": round(empty.wall_s, 2)},
        "eakte_beyond_fixed_start": marginal,
        "eakte_batch_profile": (report or {}).get("profile"),
        "problems": [f"{side.name}: {p}" for side in sides for p in side.problems],
        "machine": {"cpus": jobs, "load_after": os.getloadavg()},
        "versions": {
            "eakte_commit": _git_commit(),
            "ocrmypdf": _tool_version([str(BIN / "ocrmypdf"), "--version"]),
            "tesseract": _tool_version(["tesseract", "--version"]),
        },
    }


def print_table(result: dict[str, Any]) -> None:
    pages = result["pages"]
    print(
        f"\ncost per page  {result['timestamp']}  commit {result['versions']['eakte_commit']}  "
        f"{len(pages)} pages ({sum(p['truth'] for p in pages)} with ground truth)"
    )
    header = (
        f"{'':24}{'core-s/page':>12}{'wall-s/page':>12}{'peak proc':>11}{'peak tree':>11}{'CER':>8}"
    )
    print(header)
    print("-" * len(header))
    for name, row in result["sides"].items():
        print(
            f"{name:24}{row['core_s_per_page']:12.2f}{row['wall_s_per_page']:12.2f}"
            f"{row['peak_process_rss_mib']:>7} MiB{row['peak_tree_rss_mib']:>7} MiB"
            f"{row['cer']['all']:8.3f}"
        )
    for name, row in result["sides"].items():
        runs = row["details"].get("core_s_runs")
        if runs:
            per_page = " and ".join(f"{run / len(pages):.2f}" for run in runs)
            print(f"{name}: mean of a run before and one after the others ({per_page})")
    for name, ratio in result["ratios"].items():
        print(f"{name}: core-seconds {ratio['core_s']}x, wall {ratio['wall_s']}x")
    fixed = result["eakte_fixed_start"]
    print(f"eakte fixed start (empty folder): {fixed['core_s']} core-s, {fixed['wall_s']} s wall")
    beyond = result["eakte_beyond_fixed_start"]
    print(
        f"eakte beyond the fixed start: {beyond['core_s_per_page']} core-s/page; "
        + ", ".join(f"{name} {ratio}x" for name, ratio in beyond["ratios"].items())
    )
    for name, row in result["sides"].items():
        profile = row["details"].get("profile_per_page")
        if profile:
            walls = ", ".join(f"{k} {v}" for k, v in profile["wall_s"].items())
            cores = ", ".join(f"{k} {v}" for k, v in profile["ocr_process_core_s"].items())
            print(f"{name} per page, wall s by step: {walls}")
            print(f"{name} OCR process per page, core-s by stage: {cores}")
    for problem in result["problems"]:
        print(f"PROBLEM: {problem}")


if __name__ == "__main__":
    sys.exit(main())

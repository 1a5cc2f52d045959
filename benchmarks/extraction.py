"""Precision and recall of identifier and date extraction on generated German documents.

    python -m benchmarks.extraction [--n 2000] [--seed 7] [--scanned 0] [--json]

Every generated document (`benchmarks.german_docs`) knows which identifiers are printed on it
and which date is its own; decoys (wrong check digits, foreign IBANs, birthdays, deadlines,
receipt stamps, phone numbers) are printed but not in the truth. Per identifier kind:
precision = right values found / values found, recall = right values found / values printed.
Target: precision >= 0.98 and recall >= 0.95 for every kind and for the document date.

`--scanned N` also renders N documents as 300 dpi scans in several fonts and measures the same
on real tesseract output, where a misread digit costs recall (the check digit then rejects the
number, which keeps precision).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import track
from rich.table import Table

from benchmarks.german_docs import GeneratedDoc, generate
from classifiers.extract import Extraction, extract
from classifiers.fileplan import load_file_plan

TARGET_PRECISION, TARGET_RECALL = 0.98, 0.95
KINDS = ("steuernummer", "steuer_idnr", "iban", "aktenzeichen", "flurstueck", "document_date")
SCAN_FONTS = ("DejaVuSerif", "DejaVuSans", "DejaVuSansCondensed", "DejaVuSerifCondensed")
PAGE_LINES = 48


@dataclass
class Score:
    """Counts for one kind; precision and recall derive from them."""

    found_right: int = 0
    found: int = 0
    printed: int = 0

    @property
    def precision(self) -> float:
        return self.found_right / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.found_right / self.printed if self.printed else 1.0

    @property
    def meets_target(self) -> bool:
        return self.precision >= TARGET_PRECISION and self.recall >= TARGET_RECALL


@dataclass(frozen=True)
class Miss:
    """One wrong or missed value, to see what to fix."""

    doc: int
    kind: str
    missed: tuple[str, ...]
    wrong: tuple[str, ...]


def score(
    docs: Sequence[GeneratedDoc], extracted: Sequence[Extraction]
) -> tuple[dict[str, Score], list[Miss]]:
    """Compare extractions with the generated truth, per kind and for the document date."""
    scores = {kind: Score() for kind in KINDS}
    misses: list[Miss] = []
    for i, (doc, got) in enumerate(zip(docs, extracted, strict=True)):
        found: dict[str, set[str]] = {}
        for ident in got.identifiers:
            found.setdefault(ident.kind, set()).add(ident.value)
        truth: dict[str, set[str]] = {k: set(v) for k, v in doc.truth.items()}
        if doc.document_date:
            truth["document_date"] = {doc.document_date.isoformat()}
        if got.document_date:
            found["document_date"] = {got.document_date.isoformat()}
        for kind in KINDS:
            want, have = truth.get(kind, set()), found.get(kind, set())
            s = scores[kind]
            s.found_right += len(want & have)
            s.found += len(have)
            s.printed += len(want)
            if want != have:
                misses.append(Miss(i, kind, tuple(sorted(want - have)), tuple(sorted(have - want))))
    return scores, misses


def extract_all(docs: Sequence[GeneratedDoc]) -> list[Extraction]:
    pattern = load_file_plan().aktenzeichen_pattern
    return [extract(doc.text, pattern) for doc in docs]


def ocr_texts(docs: Sequence[GeneratedDoc], workdir: Path, progress: bool = True) -> list[str]:
    """Render each document as a scan in a rotating font and read it back with tesseract."""
    from scanmaker import render_page

    texts = []
    items: Sequence[tuple[int, GeneratedDoc]] = list(enumerate(docs))
    for i, doc in track(
        items, description="OCR", disable=not progress, console=Console(stderr=True)
    ):
        lines = doc.text.split("\n")
        pages = [lines[k : k + PAGE_LINES] for k in range(0, len(lines), PAGE_LINES)]
        out = []
        for p, page in enumerate(pages):
            image = render_page(page, font=SCAN_FONTS[i % len(SCAN_FONTS)], seed=i * 10 + p)
            path = workdir / f"{i:04d}-{p}.png"
            image.save(path)
            result = subprocess.run(
                ["tesseract", str(path), "-", "-l", "deu", "--psm", "4"],
                capture_output=True,
                text=True,
                check=True,
                env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"},
            )
            out.append(result.stdout)
        texts.append("\n".join(out))
    return texts


def run(n: int, seed: int, scanned: int) -> dict[str, object]:
    docs = generate(n, seed)
    scores, misses = score(docs, extract_all(docs))
    result: dict[str, object] = {
        "documents": n,
        "seed": seed,
        "text": _table_data(scores),
        "misses": [asdict(m) for m in misses[:40]],
    }
    if scanned:
        sample = docs[:scanned]
        with tempfile.TemporaryDirectory() as tmp:
            texts = ocr_texts(sample, Path(tmp))
        pattern = load_file_plan().aktenzeichen_pattern
        scan_scores, _ = score(sample, [extract(t, pattern) for t in texts])
        result["scanned"] = {"documents": scanned, "fonts": SCAN_FONTS} | {
            "kinds": _table_data(scan_scores)
        }
    return result


def _table_data(scores: dict[str, Score]) -> dict[str, dict[str, float]]:
    return {
        kind: {
            "precision": round(s.precision, 4),
            "recall": round(s.recall, 4),
            "printed": s.printed,
            "found": s.found,
            "meets_target": s.meets_target,
        }
        for kind, s in scores.items()
    }


def _print(console: Console, title: str, data: dict[str, dict[str, float]]) -> None:
    table = Table(title=title)
    for column in ("kind", "printed", "found", "precision", "recall", "target"):
        table.add_column(column, justify="right" if column != "kind" else "left")
    for kind, d in data.items():
        mark = "[green]met" if d["meets_target"] else "[red]missed"
        table.add_row(
            kind,
            str(d["printed"]),
            str(d["found"]),
            f"{d['precision']:.4f}",
            f"{d['recall']:.4f}",
            mark,
        )
    console.print(table)


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scanned", type=int, default=0, help="also OCR this many as scans")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.n, args.seed, args.scanned)
    if args.json:
        out(json.dumps(result, indent=2))
        return 0
    console = Console()
    _print(console, f"Extraction on {args.n} generated documents (text)", result["text"])  # type: ignore[arg-type]
    if "scanned" in result:
        scanned = result["scanned"]
        _print(console, f"Extraction after real OCR of {args.scanned} scans", scanned["kinds"])  # type: ignore[index]
    for m in result["misses"][:15]:  # type: ignore[index]
        console.print(f"doc {m['doc']} {m['kind']}: missed {m['missed']} wrong {m['wrong']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

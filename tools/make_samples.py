"""Regenerate ``pipelines/samples/``: the synthetic scans the demo and smoke tests ingest.

Deterministic (fixed seeds, no timestamps in the files), so re-running it changes nothing
unless ``scanmaker/__init__.py`` changed. Includes one broken PDF so the demo shows quarantine.

    .venv/bin/python tools/make_samples.py [OUT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from scanmaker import SampleDoc, sample_documents, write_scan  # noqa: E402

EXTENSIONS = {"pdf": "pdf", "tiff": "tif", "png": "png", "jpeg": "jpg", "born_digital_pdf": "pdf"}
FORMAT_NOTES = {
    "pdf": "image-only PDF scan",
    "tiff": "TIFF, CCITT G4 1-bit",
    "png": "PNG, 16 grey levels",
    "jpeg": "JPEG, greyscale",
    "born_digital_pdf": "born-digital PDF with text layer",
}
BROKEN_NAME = "99-defekt.pdf"
BROKEN_SOURCE = "02-gewerbesteuerbescheid.pdf"
BROKEN_FRACTION = 0.4
DPI = 300
SKEW_DEG = 1.0
NOISE = 0.01


def file_name(doc: SampleDoc) -> str:
    return f"{doc.name}.{EXTENSIONS[doc.fmt]}"


def _describe(doc: SampleDoc) -> str:
    note = FORMAT_NOTES[doc.fmt]
    if doc.fmt == "pdf":
        note += ", CCITT G4 pages" if doc.pdf_codec == "ccitt" else ", grey JPEG pages"
    return note


def _readme(docs: list[SampleDoc], out: Path) -> str:
    rows = [
        f"| `{file_name(d)}` | {len(d.pages)} | {_describe(d)} | `{d.doc_type}` | "
        f"{d.aktenzeichen or '-'} | {(out / file_name(d)).stat().st_size // 1024} KB |"
        for d in docs
    ]
    broken_kb = (out / BROKEN_NAME).stat().st_size // 1024
    rows.append(
        f"| `{BROKEN_NAME}` | - | truncated PDF (first {BROKEN_FRACTION:.0%} of "
        f"`{BROKEN_SOURCE}`) | must go to quarantine | - | {broken_kb} KB |"
    )
    return "\n".join(
        [
            "# Sample scans (synthetic)",
            "",
            "All documents here are **synthetic**: fictional people, the fictional town",
            '"Musterstadt", made-up amounts. Every Steuernummer, Steuer-IdNr and IBAN is',
            "constructed to pass its check-digit/format validation but belongs to nobody.",
            "The scans are rendered with `scanmaker/__init__.py` (DejaVu fonts, 300 dpi, about",
            "1° skew, speckle and blur) so they look like office scanner output.",
            "",
            "Regenerate (deterministic) with `.venv/bin/python tools/make_samples.py`.",
            "The expected type and identifiers of each file are in",
            "`scanmaker.sample_documents()`.",
            "",
            "| file | pages | format | expected type | Aktenzeichen | size |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )


def make_samples(out: Path) -> list[Path]:
    """Write every sample document, the broken PDF and the README into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    docs = sample_documents()
    written: list[Path] = []
    for i, doc in enumerate(docs):
        written.append(
            write_scan(
                doc.pages,
                out / file_name(doc),
                doc.fmt,
                dpi=DPI,
                skew_deg=SKEW_DEG if i % 2 == 0 else -SKEW_DEG * 0.7,
                noise=NOISE,
                seed=1000 + 10 * i,
                pdf_codec=doc.pdf_codec,
            )
        )
    source = (out / BROKEN_SOURCE).read_bytes()
    broken = out / BROKEN_NAME
    broken.write_bytes(source[: int(len(source) * BROKEN_FRACTION)])
    written.append(broken)
    readme = out.parent / "SAMPLES.md"
    readme.write_text(_readme(docs, out), encoding="utf-8")
    written.append(readme)
    return written


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "eakte" / "samples"
    for path in make_samples(out):
        print(f"{path.stat().st_size // 1024:6d} KB  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

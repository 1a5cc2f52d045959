"""Labelled folders: one sub-folder per document type holding `.txt` or `.pdf` files.

This is how a records office hands eakte examples to learn from or to be measured on. PDFs
give their text layer; scanned PDFs without one are OCR'd like any ingested scan. A file
that cannot be read is reported with its reason and left out; the rest still counts.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scanners import OcrSettings, RejectedInput, prepare_input, scan_to_pdfa

SUFFIXES = (".txt", ".pdf")


@dataclass
class LabelledSet:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "<file>: <reason>"


def labelled_files(folder: Path) -> list[tuple[Path, str]]:
    """(file, label) for every readable-looking file, sorted; raises if the layout is wrong."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder")
    found = [
        (path, sub.name)
        for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
        for path in sorted(sub.rglob("*"))
        if path.is_file() and path.suffix.lower() in SUFFIXES
    ]
    if not found:
        raise FileNotFoundError(
            f"{folder}: no labelled documents (expected <folder>/<type>/*.txt or *.pdf)"
        )
    return found


def read_labelled_folder(
    folder: Path,
    ocr: OcrSettings | None = None,
    advance: Callable[[Path], None] | None = None,
) -> LabelledSet:
    result = LabelledSet()
    for path, label in labelled_files(folder):
        try:
            text = _read_text(path, ocr or OcrSettings())
        except (OSError, RejectedInput, UnicodeError) as exc:
            reason = exc.reason if isinstance(exc, RejectedInput) else str(exc)
            result.problems.append(f"{path}: {reason}")
        else:
            result.texts.append(text)
            result.labels.append(label)
            result.paths.append(path)
        if advance:
            advance(path)
    return result


def _read_text(path: Path, ocr: OcrSettings) -> str:
    if path.suffix.lower() == ".txt":
        return path.read_bytes().decode("utf-8", errors="replace")
    with tempfile.TemporaryDirectory(prefix="eakte-label-") as tmp:
        work = Path(tmp)
        prepared = prepare_input(
            path,
            work,
            max_pixels=ocr.max_pixels,
            default_dpi=ocr.default_dpi,
            max_pages=ocr.max_pages,
        )
        if prepared.text_layer is not None:
            return "\n\f".join(prepared.text_layer)
        return scan_to_pdfa(prepared, work / "pdfa.pdf", ocr).text

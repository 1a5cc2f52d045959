"""A job for one OCR process (`scanners.ocr_worker`), as `scanners.ocr` writes it, and the
environment it runs in: for tests that start OCR processes through `scanners.ocr_launch`."""

from __future__ import annotations

import json
import os
from pathlib import Path


def ocr_job(tmp_path: Path, source: Path, **extra: object) -> str:
    """The job file of making `source` into `tmp_path/out.pdf`; `extra` overrides fields."""
    work = tmp_path / "work"
    (work / "confidence").mkdir(parents=True, exist_ok=True)
    job = {
        "input": str(source),
        "output": str(tmp_path / "out.pdf"),
        "sidecar": str(work / "sidecar.txt"),
        "confidence_dir": str(work / "confidence"),
        "languages": ["deu"],
        "max_image_mpixels": 250.0,
        "page_timeout": 60.0,
        "memory_limit_mb": 2048,
        "cpu_limit_s": 600,
        "parent_pid": os.getpid(),
        "deskew": True,
        "rotate_pages": False,
        "mode": "force",
        "pdfa_backend": "auto",
        **extra,
    }
    path = work / "job.json"
    path.write_text(json.dumps(job))
    return str(path)


def ocr_env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, OMP_THREAD_LIMIT="1", TMPDIR=str(tmp_path / "work"))

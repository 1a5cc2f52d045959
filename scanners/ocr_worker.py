"""Child process that runs ocrmypdf for one document (see `scanners.ocr`).

Usage: python -m scanners.ocr_worker JOB.json. On failure prints `EAKTE-ERROR <reason>` and
exits non-zero; the parent turns that into a quarantine reason.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import ocrmypdf
import ocrmypdf.exceptions

from scanners import confidence_plugin


def main(job_file: str) -> int:
    job = json.loads(Path(job_file).read_text())
    logging.disable(logging.WARNING)
    try:
        ocrmypdf.ocr(
            job["input"],
            job["output"],
            language=job["languages"],
            output_type="pdfa-2",
            mode=job["mode"],
            deskew=job["deskew"],
            rotate_pages=job["rotate_pages"],
            sidecar=job["sidecar"],
            jobs=1,
            progress_bar=False,
            max_image_mpixels=job["max_image_mpixels"],
            pdfa_backend=job["pdfa_backend"],
            tesseract_timeout=job["page_timeout"],
            tesseract_non_ocr_timeout=job["page_timeout"],
            plugins=[confidence_plugin.__file__],
            eakte_confidence_dir=job["confidence_dir"],
        )
    except ocrmypdf.exceptions.ExitCodeException as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"EAKTE-ERROR {type(exc).__name__}: {message}")
        return 2
    except Exception as exc:  # any engine failure becomes a reason, never a lost batch
        print(f"EAKTE-ERROR {type(exc).__name__}: {str(exc).strip()[:300]}")
        return 3
    software = {
        "ocrmypdf": ocrmypdf.__version__,
        "tesseract": str(confidence_plugin.tesseract_version()),
    }
    Path(job["sidecar"]).with_name("software.json").write_text(json.dumps(software))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

"""Child process that makes the PDF/A of one document (see `scanners.ocr`).

Usage: python -m scanners.ocr_worker JOB.json, or forked from the pre-loaded OCR server
(`scanners.ocr_server`), which calls `main` in a fresh child per job. The job's `engine` is "ocrmypdf" (OCR) or
"pikepdf" (a born-digital PDF kept as it is, `scanners.pdfa_keep`). On failure prints
`EAKTE-ERROR <reason>` and exits non-zero; the parent turns that into a reason. First of all
the process takes on the job's memory and CPU limits and ties its life to its parent
(`scanners.confine`); before OCR, a page that would rasterise to more pixels than the job
allows is refused (`scanners.raster_size`).
"""

from __future__ import annotations

import errno
import json
import logging
import sys
from pathlib import Path
from typing import Any

import ocrmypdf
import ocrmypdf.exceptions
import pikepdf

from scanners import confidence_plugin, deskew_gate, direct_ocr
from scanners.confine import confine
from scanners.errors import RejectedInput
from scanners.ocr import REFUSED_EXIT
from scanners.ocr_profile import StageClock
from scanners.ocr_routes import DIRECT_ROUTE
from scanners.pdfa_keep import keep_as_pdfa
from scanners.raster_size import oversized_page


def main(job_file: str, parent_pid: int | None = None) -> int:
    """Make the job's PDF/A; the exit status. `parent_pid`: the process this one dies with,
    the job's caller unless it was forked by the OCR server (`scanners.ocr_server`)."""
    job = json.loads(Path(job_file).read_text())
    parent = parent_pid if parent_pid is not None else int(job["parent_pid"])
    confine(job.get("memory_limit_mb"), job.get("cpu_limit_s"), parent)
    logging.disable(logging.WARNING)
    if job.get("engine") == "pikepdf":
        return _keep(job)
    deskew_gate.install()  # before the clock wraps the step, so that its time stays deskew's
    clock = StageClock()
    missing = clock.install()
    route: dict[str, str] = {"route": DIRECT_ROUTE}
    used: dict[str, str] = {}  # software beside tesseract and pikepdf
    try:
        oversized = oversized_page(Path(job["input"]), int(job["max_image_mpixels"] * 1e6))
        if oversized:
            print(f"EAKTE-REJECT {oversized}")
            return REFUSED_EXIT
        try:
            if job.get("ocrmypdf_because"):
                raise direct_ocr.UseOcrmypdf(job["ocrmypdf_because"])
            used = direct_ocr.ocr_document(job, clock)
        except direct_ocr.UseOcrmypdf as exc:
            route = {"route": "ocrmypdf", "route_reason": exc.reason}
            _forget_pages(job)
            _watch_ghostscript(used)
            _ocrmypdf(job)
    except ocrmypdf.exceptions.ExitCodeException as exc:
        if _disk_full(exc) is not None:
            return _failed(exc)
        # the lines after the first hold the tool's own words, e.g. that it ran out of memory
        message = " ".join(str(exc).split())[:500] or type(exc).__name__
        print(f"EAKTE-ERROR {type(exc).__name__}: {message}")
        return 2
    except Exception as exc:  # any engine failure becomes a reason, never a lost batch
        return _failed(exc)
    software = {
        **used,
        **({"ocrmypdf": ocrmypdf.__version__} if route["route"] == "ocrmypdf" else {}),
        "tesseract": str(confidence_plugin.tesseract_version()),
        "pikepdf": pikepdf.__version__,
        **route,
    }
    work = Path(job["sidecar"]).parent
    (work / "software.json").write_text(json.dumps(software))
    (work / "profile.json").write_text(json.dumps({**clock.totals(), "unwrapped": missing}))
    return 0


def _ocrmypdf(job: dict[str, Any]) -> None:
    rotate_pages = bool(job["rotate_pages"])
    ocrmypdf.ocr(
        job["input"],
        job["output"],
        language=job["languages"],
        output_type="pdfa-2",
        mode=job["mode"],
        deskew=job["deskew"],
        rotate_pages=rotate_pages,
        sidecar=job["sidecar"],
        jobs=1,
        progress_bar=False,
        max_image_mpixels=job["max_image_mpixels"],
        pdfa_backend=job["pdfa_backend"],
        tesseract_timeout=job["page_timeout"],
        tesseract_non_ocr_timeout=job["page_timeout"],
        plugins=[confidence_plugin.__file__],
        eakte_confidence_dir=job["confidence_dir"],
        eakte_orientation_check=job.get("orientation_check", False) and not rotate_pages,
    )


def _watch_ghostscript(used: dict[str, str]) -> None:
    """Name Ghostscript with its version in `used` once ocrmypdf runs it on the document (to
    draw a page, or to make PDF/A where pikepdf could not): the transfer note lists only the
    software that ran. In this process only: it is the document's own."""
    from ocrmypdf._exec import ghostscript

    for name in ("rasterize_pdf", "generate_pdfa"):
        run = getattr(ghostscript, name)

        def watched(*args: Any, _run: Any = run, **kwargs: Any) -> Any:
            used["ghostscript"] = str(ghostscript.version())
            return _run(*args, **kwargs)

        setattr(ghostscript, name, watched)


def _forget_pages(job: dict[str, Any]) -> None:
    """Remove what a direct reading left, so that ocrmypdf's records stand alone."""
    for record in Path(job["confidence_dir"]).glob("*.json"):
        record.unlink()
    Path(job["output"]).unlink(missing_ok=True)
    Path(job["sidecar"]).unlink(missing_ok=True)
    (Path(job["sidecar"]).parent / "pdfa_changes.json").unlink(missing_ok=True)


def _keep(job: dict[str, object]) -> int:
    """PDF/A of a born-digital PDF without OCR; `pdfa_changes.json` lists what was changed."""
    try:
        changes = keep_as_pdfa(Path(str(job["input"])), Path(str(job["output"])))
    except RejectedInput as exc:
        print(f"EAKTE-ERROR {exc.reason}")
        return 2
    except Exception as exc:  # any failure becomes a reason for the fallback
        return _failed(exc)
    work = Path(str(job["sidecar"])).parent
    (work / "pdfa_changes.json").write_text(json.dumps(changes))
    (work / "software.json").write_text(json.dumps({"pikepdf": pikepdf.__version__}))
    return 0


def _failed(exc: BaseException) -> int:
    """Print the reason; a full disk is told apart (`EAKTE-OSERROR`): it is not the input's
    fault, and the parent raises it as the OSError it is (`scanners.ocr`)."""
    full = _disk_full(exc)
    if full is not None:
        print(f"EAKTE-OSERROR {full.errno} {full.strerror}")
        return 4
    print(f"EAKTE-ERROR {type(exc).__name__}: {str(exc).strip()[:300]}")
    return 3


def _disk_full(exc: BaseException) -> OSError | None:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT):
            return cause
        cause = cause.__cause__ or cause.__context__
    return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

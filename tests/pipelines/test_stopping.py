"""A stop signal inside `on_signals`: Stopped in the main thread, no further step, no new OCR
process, and the earlier handlers back afterwards. In a child process: the stop is for good."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.commands import ROOT

PROBE = """
import os, signal
from pathlib import Path
from pipelines import stopping
from scanners import OcrSettings, OcrStopped, prepare_input, scan_to_pdfa
from scanmaker import write_scan

before = signal.getsignal(signal.SIGTERM)
try:
    with stopping.on_signals():
        os.kill(os.getpid(), signal.SIGTERM)
        print("not stopped")
except stopping.Stopped as exc:
    print("stopped", exc.signum == signal.SIGTERM)
print("restored", signal.getsignal(signal.SIGTERM) is before)
try:
    stopping.check()
except stopping.BatchStopped:
    print("no further step")
work = Path(os.environ["WORK"])
scan = write_scan([["Bauantrag"]], work / "in.png", "png", dpi=50)
prepared = prepare_input(scan, work, max_pixels=10**8, default_dpi=50)
try:
    scan_to_pdfa(prepared, work / "out.pdf", OcrSettings())
except OcrStopped:
    print("no new OCR")
"""


def test_a_stop_signal_stops_for_good_and_restores_the_handlers(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={"WORK": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split("\n")[:4] == [
        "stopped True",
        "restored True",
        "no further step",
        "no new OCR",
    ], result.stdout + result.stderr

"""The OCR process's stage clock: exclusive time per stage, and every stage found in ocrmypdf."""

from __future__ import annotations

import json
import subprocess
import sys

from scanners.ocr_profile import STAGE_NAMES, StageClock


def test_every_stage_function_is_found_in_the_installed_ocrmypdf() -> None:
    # in a process of its own: installing wraps ocrmypdf's functions for good
    code = (
        "import json; from scanners.ocr_profile import StageClock; "
        "print(json.dumps(StageClock().install()))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []


def test_a_stage_inside_another_is_counted_once_in_the_inner_one() -> None:
    clock = StageClock()
    spins = {"inner": 0, "outer": 0}

    def spin(name: str, rounds: int) -> None:
        for _ in range(rounds):
            spins[name] += 1

    inner = clock.wrap("ocr", lambda: spin("inner", 200_000))

    def outer_body() -> None:
        spin("outer", 200_000)
        inner()

    outer = clock.wrap("rasterise", outer_body)
    outer()
    totals = clock.totals()
    assert set(totals["wall"]) == set(STAGE_NAMES) == set(totals["cpu"])
    assert totals["wall"]["ocr"] > 0 and totals["wall"]["rasterise"] > 0
    # nothing is counted twice: the stages add up to no more than the clock's whole time
    assert sum(totals["wall"].values()) <= clock.wall_since_start() + 0.01
    assert totals["wall"]["deskew"] == 0.0

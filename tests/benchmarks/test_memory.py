"""The benchmarks' memory figures: RSS summed over a real process tree read from /proc."""

from __future__ import annotations

import os
import subprocess
import sys

from benchmarks.memory import PeakRss, descendants, rss, tree_rss

HELD = 64 * 2**20  # bytes the child writes to, so they are resident
CHILD = f"import sys; held = b'x' * {HELD}; print('ready', flush=True); sys.stdin.read()"


def test_a_tree_counts_the_memory_its_children_hold() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        me = os.getpid()

        assert child.pid in descendants(me)
        assert rss([child.pid]) >= HELD
        assert tree_rss(me) >= rss([me]) + HELD
        with PeakRss(lambda: tree_rss(me)) as peak:
            pass
        assert peak.peak >= HELD
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(30)
    assert rss([child.pid]) == 0  # an ended process counts nothing

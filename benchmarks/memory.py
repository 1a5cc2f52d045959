"""Resident memory of process trees, read from /proc (psutil is not in the venv).

A server is rarely one process: `eakte serve` forks its workers, PostgreSQL's postmaster
forks a backend per connection, a JVM may start helpers. What a server costs is the sum of
RSS over the process and all its descendants. Shared pages (the code, PostgreSQL's shared
buffers) are counted once per process, so the sum overstates the real footprint a little,
the more the more processes share them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable


def _children_by_parent() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(b")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def descendants(root: int) -> list[int]:
    """`root` and every live process below it."""
    tree = _children_by_parent()
    pending, found = [root], []
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(tree.get(pid, ()))
    return found


def rss(pids: Iterable[int]) -> int:
    """Sum of RSS (bytes) of `pids`; processes that have ended count nothing."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
    return total


def tree_rss(root: int) -> int:
    """Sum of RSS (bytes) of `root` and all its live descendants."""
    return rss(descendants(root))


class PeakRss(threading.Thread):
    """Polls `measure()` (bytes) until stopped and keeps the highest value."""

    def __init__(self, measure: Callable[[], int], interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.measure, self.interval, self.peak = measure, interval, 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while True:
            self.peak = max(self.peak, self.measure())
            if self._stop_event.wait(self.interval):
                return

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak

    def __enter__(self) -> PeakRss:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


class TreeRssMonitor(PeakRss):
    """The peak summed RSS of the process tree below `root`."""

    def __init__(self, root: int, interval: float = 0.2) -> None:
        super().__init__(lambda: tree_rss(root), interval)
        self.root = root


def mib(value: int) -> float:
    return round(value / 2**20, 1)

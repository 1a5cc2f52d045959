"""A running `eakte` and the processes it started, as Linux's /proc shows them.

The OCR processes run in sessions of their own, so neither a process group nor a session
finds them: they are found by walking the parent links from the ingest down.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None when it is gone."""
    return _stat_of(Path(f"/proc/{pid}/stat"))


def alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    state = _stat(pid)
    return state is not None and state[0] not in ("Z", "X")


def command(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def descendants(pid: int) -> set[int]:
    """Every living process below `pid` (children, their children, ...)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (state := _stat(int(entry.name))) is not None:
            parents.setdefault(state[1], []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found and alive(child):
                found.add(child)
                todo.append(child)
    return found


def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    """Poll `condition` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def _threads_stopped(pid: int) -> bool:
    """Every thread of `pid` is stopped (or gone)."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return True
    states = {state[0] for task in tasks if (state := _stat_of(task / "stat")) is not None}
    return states <= {"T", "t", "Z", "X"}


def _stat_of(path: Path) -> tuple[str, int] | None:
    """(state, parent pid) from a /proc stat file, or None when its process is gone."""
    try:
        text = path.read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the command name may hold spaces
    return fields[0], int(fields[1])


def freeze(pid: int, timeout: float) -> bool:
    """SIGSTOP `pid` and wait until each of its threads has stopped; False if one still runs
    after `timeout` seconds. kill() returns before they have: the kernel wakes one thread,
    which then stops the others, and until then they run on (store a file, commit a row)."""
    os.kill(pid, signal.SIGSTOP)
    return wait_for(lambda: _threads_stopped(pid), timeout, interval=0.0005)


def kill_all(pids: set[int]) -> None:
    """SIGKILL each process still there: a failed test must not leave OCR running."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)

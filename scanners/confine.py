"""What an OCR process may take, and that it dies with the process that started it.

Run first thing in the OCR child process (`scanners.ocr_worker`); the limits are inherited by
everything it starts (tesseract, Ghostscript, unpaper), each of which gets the same bounds:

* memory: `RLIMIT_AS`, so that an input that slipped past intake's checks fails with a
  reason instead of taking the machine's memory;
* CPU time: `RLIMIT_CPU`, a backstop behind tesseract's own time per page and the caller's
  wall-clock time-out, for a process nobody is waiting for any more;
* its parent: `PR_SET_PDEATHSIG`, so that a `kill -9` of the ingest does not leave OCR
  running. The child is the leader of its own process group (the caller starts it in a new
  session, so that a time-out can end the whole group), and on its parent's death it ends that
  group: itself and the tools it started.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
from types import FrameType

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def confine(memory_limit_mb: int | None, cpu_limit_s: float | None, parent_pid: int) -> None:
    """Apply the limits to this process and tie its process group's life to `parent_pid`."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file when a limit ends it
    if memory_limit_mb is not None:
        limit = memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if cpu_limit_s is not None:
        seconds = max(1, round(cpu_limit_s))
        # SIGXCPU at the soft limit ends the process; SIGKILL a few seconds later if it is caught
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
    _die_with_parent(parent_pid)


def _die_with_parent(parent_pid: int) -> None:
    signal.signal(signal.SIGTERM, _end_group)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"prctl(PR_SET_PDEATHSIG) failed: {os.strerror(errno)}")
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        _end_group(signal.SIGTERM, None)


def _end_group(_signum: int, _frame: FrameType | None) -> None:
    """SIGTERM (the parent died, or someone asks it to stop): end this process group now,
    if it is this process's own (it leads it), else this process alone."""
    if os.getpgrp() == os.getpid():
        os.killpg(os.getpgrp(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)

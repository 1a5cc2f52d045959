"""The command line a process shows (`ps`, `pgrep -f`, /proc/PID/cmdline), rewritten in place.

An OCR process forked from the pre-loaded OCR server (`scanners.ocr_server`) would otherwise
show the server's command line; it shows `python -m scanners.ocr_worker JOB.json`, what it
does and for which job, as one started on its own does. Linux keeps a process's arguments in
one block of its memory (/proc/self/stat's arg_start..arg_end); the new arguments are written
over it, the rest filled with NULs, so the block must be long enough: the server is started
with room to spare (`ROOM`).
"""

from __future__ import annotations

import ctypes
import sys
from pathlib import Path

# Bytes of spare argument the OCR server is started with, for its children's command lines.
ROOM = 2048


def set_command_line(args: list[str]) -> bool:
    """Show `args` as this process's command line; False where it cannot (not Linux, no room)."""
    if not sys.platform.startswith("linux"):
        return False
    stat = Path("/proc/self/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # fields from the third on
    arg_start, arg_end = int(fields[48 - 3]), int(fields[49 - 3])  # man 5 proc
    room = arg_end - arg_start
    new = b"\0".join(arg.encode() for arg in args) + b"\0"
    if len(new) > room:
        return False
    ctypes.memmove(arg_start, new.ljust(room, b"\0"), room)
    return True

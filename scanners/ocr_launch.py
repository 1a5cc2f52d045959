"""Starting the OCR process of one document: forked from the pre-loaded OCR server.

`start` gives a process to wait for like a `subprocess.Popen` (`pid`, `returncode`,
`communicate(timeout)`), in a process group of its own, so a time-out or a stop ends it and
the tools it started with one `killpg`. On Linux it is forked from `scanners.ocr_server`,
started once per process on first use, which saves each document the interpreter's start
and the imports of ocrmypdf and pikepdf; elsewhere, or when that server cannot start, it is
`python -m scanners.ocr_worker` started anew, which gives the same result more slowly.

The server is this process's child and reaps the OCR processes, so their CPU time reaches
this process's own children's account (`resource.RUSAGE_CHILDREN`, what a benchmark or
`time` sees) when this process waits for the server at exit; the server's life ends with
this process's: it sees the socket between them close. A process whose server ended before
saying how it ended (`server_ended`) was ended by the server's death, not by its document.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Protocol

from scanners.proc_title import ROOM

# Seconds the server may take to import what it pre-loads before it is given up on.
_READY_S = 120.0


class OcrProcess(Protocol):
    pid: int

    @property
    def returncode(self) -> int | None: ...

    def communicate(
        self, input: str | None = None, timeout: float | None = None
    ) -> tuple[str, str]: ...


class ForkedProcess:
    """An OCR process forked by the server: its output and, once the server has reaped it,
    its exit status (negative: the signal that ended it), as `subprocess.Popen` gives them."""

    def __init__(self, pid: int, stdout: int, stderr: int, status: int) -> None:
        self.pid = pid
        self.args = [sys.executable, "-P", "-m", "scanners.ocr_worker"]
        self._returncode: int | None = None
        self.server_ended = False  # the server ended before it said how this process ended
        self._open = {stdout: bytearray(), stderr: bytearray(), status: bytearray()}
        self._out, self._err, self._status = stdout, stderr, status
        self._buffers = dict(self._open)

    @property
    def returncode(self) -> int | None:
        return self._returncode

    def communicate(
        self, input: str | None = None, timeout: float | None = None
    ) -> tuple[str, str]:
        """Read its output until it and every tool it started have closed it and the server
        has said how it ended; subprocess.TimeoutExpired after `timeout` seconds (call again
        to go on reading, as with Popen). `input` is there for Popen's sake: none is sent."""
        with selectors.DefaultSelector() as selector:
            for fd in self._open:
                selector.register(fd, selectors.EVENT_READ)
            deadline = None if timeout is None else time.monotonic() + timeout
            while self._open:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
                for key, _ in selector.select(left):
                    fd = int(key.fd)
                    chunk = os.read(fd, 65536)
                    if chunk:
                        self._open[fd] += chunk
                    else:
                        selector.unregister(fd)
                        os.close(fd)
                        del self._open[fd]
        status = bytes(self._buffers[self._status])
        # no word from the server: it ended, and its death signal ended this process too
        self.server_ended = not status
        self._returncode = int(json.loads(status)["returncode"]) if status else -signal.SIGKILL
        return _text(self._buffers[self._out]), _text(self._buffers[self._err])


def _text(data: bytearray) -> str:
    return bytes(data).decode(errors="replace")


class _Server:
    """The OCR server of this process, started on first use and restarted if it ended."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._failed = False
        self._owner = os.getpid()

    def available(self) -> bool:
        """Start the server if it is not running; False where it cannot run."""
        if not hasattr(os, "pidfd_open") or not sys.platform.startswith("linux"):
            return False
        with self._lock:
            if self._owner != os.getpid():  # a fork of the process that started the server:
                self._forget()  # the server is not this process's child
            if self._failed:
                return False
            if self._process is None or self._process.poll() is not None:
                self._start()
            return not self._failed

    def _start(self) -> None:
        self._close()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            process = subprocess.Popen(
                [sys.executable, "-P", "-m", "scanners.ocr_server", " " * ROOM],
                stdin=theirs.fileno(),
                # one thread: numpy's OpenBLAS and tesseract's OpenMP would start pools, and
                # a process that forks should have no threads but the forking one
                env=dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_THREAD_LIMIT="1"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # a terminal's Ctrl-C is for this process, not for it
            )
        ours.settimeout(_READY_S)
        try:
            ready = ours.recv(_MESSAGE)
        except OSError:
            ready = b""
        ours.settimeout(None)
        if not ready:
            self._failed = True  # each document then starts its own OCR process
            ours.close()
            with contextlib.suppress(OSError):
                process.kill()
            process.wait()
            return
        if self._process is None:
            atexit.register(self.close)
        self._process, self._control = process, ours

    def fork(self, job_file: str, env: dict[str, str]) -> ForkedProcess | None:
        """The OCR process of `job_file`, forked by the server; None if the server is gone."""
        with self._lock:
            if self._control is None:
                return None
            pipes = [os.pipe() for _ in range(3)]
            request = json.dumps({"job": job_file, "env": env, "cwd": os.getcwd()}).encode()
            try:
                socket.send_fds(self._control, [request], [w for _, w in pipes])
                reply = json.loads(self._control.recv(_MESSAGE) or b"{}")
            except OSError:
                reply = {}
            finally:
                for _, w in pipes:
                    os.close(w)
            if "pid" not in reply:
                for r, _ in pipes:
                    os.close(r)
                return None
            return ForkedProcess(int(reply["pid"]), *(r for r, _ in pipes))

    def _forget(self) -> None:
        if self._control is not None:
            self._control.close()  # this process's copy; the server goes on for its owner
        self._process, self._control, self._owner = None, None, os.getpid()

    def _close(self) -> None:
        if self._control is not None:
            self._control.close()  # the server ends its children and itself
            self._control = None
        if self._process is not None:
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def pid(self) -> int | None:
        with self._lock:
            running = self._process is not None and self._process.poll() is None
            return self._process.pid if running and self._process else None

    def close(self) -> None:
        """End the server and wait for it (at exit), so its children's CPU time is counted."""
        with self._lock:
            if self._owner == os.getpid():
                self._close()


_MESSAGE = 1 << 20
_server = _Server()


def prepare() -> None:
    """Have the server running before a lock is taken around `start` (its start takes a
    second or so)."""
    _server.available()


def server_pid() -> int | None:
    """The OCR server's process id, None when it is not running (for checks and tests)."""
    return _server.pid()


def server_ended(process: OcrProcess) -> bool:
    """The process was forked by a server that ended before it said how the process ended:
    its end is the server's (killed, out of memory), not its document's."""
    return isinstance(process, ForkedProcess) and process.server_ended


def start(job_file: str, env: dict[str, str]) -> OcrProcess:
    """Start the OCR process of `job_file` with environment `env`."""
    if _server.available():
        forked = _server.fork(job_file, env)
        if forked is not None:
            return forked
    return subprocess.Popen(
        # -P: the installation's modules, never a folder of the same name where eakte runs
        [sys.executable, "-P", "-m", "scanners.ocr_worker", job_file],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,  # a group of its own, so a time-out ends its tools too
    )

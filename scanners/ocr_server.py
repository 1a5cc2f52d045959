"""The pre-loaded OCR server: forks one fresh OCR process per document, already imported.

Starting `python -m scanners.ocr_worker` anew for every document cost about a core-second
each in interpreter start and imports (ocrmypdf, pikepdf, PIL), as much as a page's OCR. This
process imports them once and forks a child per job; the child is the same OCR process as one
started on its own (`scanners.ocr_worker.main`), with the same bounds (`scanners.confine`,
applied in the child after the fork), its own process group (set on both sides of the fork,
so the caller can end the group as soon as it has the pid), its command line naming its job
(`scanners.proc_title`), and a life tied to this server's, whose life is tied to the caller's.

Usage (by `scanners.ocr_launch` only): python -m scanners.ocr_server ROOM, with a
SOCK_SEQPACKET socket as standard input. A request is a JSON message {"job", "env", "cwd"}
with three file descriptors: the child's stdout, its stderr, and a pipe on which this
server writes {"returncode", "cpu"} when it has reaped the child, then closes it. The reply
is {"pid": N} or {"error": reason}. This server ends, ending every child's process group,
when the caller closes the socket, which its death does too.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import selectors
import signal
import socket
import sys
import tempfile
import traceback

import scanners.ocr_worker  # the imports this server exists to make once
from scanners import tesseract_engine
from scanners.ocr import OcrSettings
from scanners.proc_title import set_command_line

_MESSAGE = 1 << 20

# What ocrmypdf imports only once it runs (its renderer, fonts, optimiser, plugins; numpy,
# fontTools, fpdf): about 0.4 core-seconds that each forked child would otherwise spend again.
# Imports only: a module this ocrmypdf version lacks is skipped, and no OCR runs here, so no
# state of one document's run can reach another's.
PRELOAD = (
    "ocrmypdf.fpdf_renderer",
    "ocrmypdf.optimize",
    "ocrmypdf.font",
    "ocrmypdf._validation_coordinator",
    "ocrmypdf._exec.ghostscript",
    "ocrmypdf._exec.jbig2enc",
    "ocrmypdf._exec.pngquant",
    "numpy",
    "fontTools.subset",
    "fontTools.ttLib.tables.O_S_2f_2",
    "fontTools.ttLib.tables._f_p_g_m",
    "fontTools.ttLib.tables._g_a_s_p",
    "fontTools.ttLib.tables._h_h_e_a",
    "fontTools.ttLib.tables._l_o_c_a",
    "fontTools.ttLib.tables._p_r_e_p",
    "defusedxml.ElementTree",
    "PIL.features",
    "encodings.utf_16_be",
    "encodings.utf_32_be",
)


def preload() -> None:
    """Import what an OCR run would import, ocrmypdf's plugins and PIL's image formats, and
    load tesseract's models for the default languages (a job in others loads its own)."""
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    with contextlib.suppress(ImportError):
        from ocrmypdf._plugin_manager import get_plugin_manager

        get_plugin_manager([scanners.ocr_worker.confidence_plugin.__file__])
    from PIL import Image

    Image.init()
    # tesseract's models: 0.17 core-seconds per page for deu+eng when each run loaded them
    tesseract_engine.preload(OcrSettings().languages)


def ready_to_fork() -> None:
    """Preload, then collect and freeze every object the server holds. A child writes to
    what it touches, and the garbage collector touches everything it walks: a forked child
    that opened a PDF and collected twice over the server's 120,000 objects spent 0.18
    core-s, copying their pages; with them frozen, 0.03."""
    preload()
    gc.collect()
    gc.freeze()


class _Server:
    def __init__(self, control: socket.socket) -> None:
        self.control = control
        self.selector = selectors.DefaultSelector()
        self.selector.register(control, selectors.EVENT_READ)
        self.children: dict[int, tuple[int, int]] = {}  # pid: (pidfd, status pipe)

    def serve(self) -> None:
        self.control.send(json.dumps({"ready": os.getpid()}).encode())
        while True:
            for key, _ in self.selector.select():
                if key.fileobj is self.control:
                    if not self._request():
                        self._end()
                        return
                else:
                    self._reap(int(key.data))

    def _request(self) -> bool:
        """Fork the OCR process of one request; False when the caller has gone."""
        try:
            message, fds, _, _ = socket.recv_fds(self.control, _MESSAGE, 3)
        except ConnectionError:
            return False
        if not message:
            return False
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            self.control.send(json.dumps({"error": "a request without its 3 pipes"}).encode())
            return True
        request = json.loads(message)
        stdout, stderr, status = fds
        server = os.getpid()
        try:
            pid = os.fork()
        except OSError as exc:
            for fd in fds:
                os.close(fd)
            self.control.send(json.dumps({"error": f"fork failed: {exc}"}).encode())
            return True
        if pid == 0:
            self._child(request, server, stdout, stderr, status)  # never returns
        with contextlib.suppress(OSError):  # the child may have done it, or died already
            os.setpgid(pid, pid)
        os.close(stdout)
        os.close(stderr)
        pidfd = os.pidfd_open(pid)
        self.children[pid] = (pidfd, status)
        self.selector.register(pidfd, selectors.EVENT_READ, pid)
        self.control.send(json.dumps({"pid": pid}).encode())
        return True

    def _child(
        self, request: dict[str, object], server: int, stdout: int, stderr: int, status: int
    ) -> None:
        """In the forked child: become the job's OCR process; ends the process."""
        code = 1
        try:
            os.setpgid(0, 0)
            self.control.close()
            for pidfd, pipe in self.children.values():
                os.close(pidfd)
                os.close(pipe)
            os.close(status)
            os.dup2(stdout, 1)
            os.dup2(stderr, 2)
            os.close(stdout)
            os.close(stderr)
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
                signal.signal(signum, signal.SIG_DFL)
            os.environ.clear()
            os.environ.update({str(k): str(v) for k, v in dict(request["env"]).items()})  # type: ignore[call-overload]
            tempfile.tempdir = None  # TMPDIR of this job, not of the server
            os.chdir(str(request["cwd"]))
            job = str(request["job"])
            set_command_line([sys.executable, "-P", "-m", "scanners.ocr_worker", job])
            code = scanners.ocr_worker.main(job, parent_pid=server)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
        finally:
            with contextlib.suppress(BaseException):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)

    def _reap(self, pid: int) -> None:
        pidfd, status = self.children.pop(pid)
        self.selector.unregister(pidfd)
        os.close(pidfd)
        _, waited, usage = os.wait4(pid, 0)
        report = {
            "returncode": os.waitstatus_to_exitcode(waited),
            "cpu": round(usage.ru_utime + usage.ru_stime, 3),
        }
        with contextlib.suppress(OSError):  # the caller may have gone
            os.write(status, json.dumps(report).encode())
        os.close(status)

    def _end(self) -> None:
        """The caller has gone or is done: end every child's group, reap them, and leave."""
        for pid in self.children:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        for pid in list(self.children):
            self._reap(pid)


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the caller decides when OCR stops
    ready_to_fork()
    control = socket.socket(fileno=os.dup(0))
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    _Server(control).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())

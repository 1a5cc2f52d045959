"""Where the `eakte` command meets what its sub-commands raise.

An `EakteError` is the user's to fix (bad input, a configuration, the archive's state): its
message is printed and the command ends with exit status 2. Any other exception is a bug or
an unforeseen fault: exit status 1, one line on stderr saying so, and the full traceback in
`DATA/logs/eakte.log` once the command has read its settings (`settings_for`) and the data
directory exists, else on stderr above that line.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from common.errors import EakteError
from eakte.cli.common import (
    console,
    data_dir_of_command,
    head_at_start,
    settings_of_command,
    trusted_time_reported,
)
from eakte.cli.stamping import after_command

LOG_FILE = Path("logs") / "eakte.log"  # inside the data directory
_log = logging.getLogger("eakte.internal_errors")
_log.propagate = False  # the handler added for one error is the only place it goes
# How Typer itself ends a command: exit codes, usage errors, Ctrl-C and the end of input.
_TYPER_ENDINGS = (typer.Exit, typer.Abort, TyperException, EOFError)


class Commands(TyperGroup):
    """The root `eakte` group: every sub-command runs inside its `invoke`."""

    def invoke(self, ctx: typer.Context) -> Any:
        reset = data_dir_of_command.set(None)
        reset_settings = settings_of_command.set(None)
        reset_reported = trusted_time_reported.set(False)
        reset_head = head_at_start.set(None)
        started = datetime.now(UTC)
        try:
            try:
                return super().invoke(ctx)
            finally:  # also after a refusal: what was written before it gets its timestamp
                after_command(started)
        except _TYPER_ENDINGS:
            raise
        except EakteError as exc:  # one line, however narrow the terminal (or none)
            console.print(str(exc), style="red", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from exc
        except Exception as exc:
            where = _log_internal_error(
                exc, " ".join(filter(None, ["eakte", ctx.invoked_subcommand]))
            )
            summary = f"{type(exc).__name__}: {exc}".splitlines()[0]
            console.print(
                f"internal error, not a mistake in what you asked ({summary}); "
                f"the full traceback is {where}",
                style="red",
                markup=False,
                highlight=False,
                soft_wrap=True,  # one line, also for scripts reading stderr
            )
            raise typer.Exit(1) from exc
        finally:
            data_dir_of_command.reset(reset)
            settings_of_command.reset(reset_settings)
            trusted_time_reported.reset(reset_reported)
            head_at_start.reset(reset_head)


def _log_internal_error(exc: Exception, command: str) -> str:
    """Log the traceback; returns where it went, for the message."""
    data_dir = data_dir_of_command.get()
    if data_dir is not None and data_dir.is_dir():
        path = data_dir / LOG_FILE
        try:
            path.parent.mkdir(exist_ok=True)
            handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
        except OSError:
            pass  # a read-only data directory: stderr, below
        else:
            _emit(handler, exc, command)
            return f"in {path.absolute()}"
    _emit(logging.StreamHandler(sys.stderr), exc, command)
    return "above"


def _emit(handler: logging.Handler, exc: Exception, command: str) -> None:
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    _log.addHandler(handler)
    try:
        _log.error("internal error in `%s`", command, exc_info=exc)
    finally:
        _log.removeHandler(handler)
        with contextlib.suppress(OSError):  # a full disk: the message on stderr still goes out
            handler.close()

"""The errors the scanners raise: input that cannot become an archived document."""

from pathlib import Path

from common.errors import EakteError


class ScanError(EakteError):
    """Base of the scanners' errors."""


class RejectedInput(ScanError):
    """An input file that must go to quarantine; `reason` is shown to the scanning team.

    `keep_copy=False`: quarantine keeps the reason but no copy of the bytes (an input too
    large to copy, or not a regular file); the original stays where it is.
    """

    def __init__(self, path: Path, reason: str, *, keep_copy: bool = True) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.keep_copy = keep_copy

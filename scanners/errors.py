"""The errors the scanners raise: input that cannot become an archived document."""

from pathlib import Path

from common.errors import EakteError


class ScanError(EakteError):
    """Base of the scanners' errors."""


class RejectedInput(ScanError):
    """An input file that must go to quarantine; `reason` is shown to the scanning team."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

"""The one error the scanners raise for input that cannot become an archived document."""

from pathlib import Path


class RejectedInput(Exception):
    """An input file that must go to quarantine; `reason` is shown to the scanning team."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

"""The base of the archive's errors; each module names its concrete errors under it."""

from common.errors import EakteError


class ArchiveError(EakteError):
    """Base of the archive's errors: a request the archive refuses, with the reason."""

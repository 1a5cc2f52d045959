"""The base of every error eakte raises on purpose.

An `EakteError` says what is wrong with the input, the archive's state or the environment,
in a message meant for the person who ran the command or sent the request. Each package has
one base of its own below it (`scanners.errors.ScanError`, `classifiers.errors.ClassifierError`,
`archive.errors.ArchiveError`, `pipelines.errors.PipelineError`, `eakte.errors.ApplicationError`)
and names its concrete errors under that base. Any other exception escaping eakte code is a bug:
the command line and the HTTP API report it as an internal error, not as the user's mistake.
"""

from __future__ import annotations

__all__ = ["EakteError"]


class EakteError(Exception):
    """A problem eakte recognised and explains in its message; not a bug."""

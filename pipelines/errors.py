"""The base of the pipelines' errors; each module names its concrete errors under it."""

from common.errors import EakteError


class PipelineError(EakteError):
    """Base of the pipelines' errors: a batch that cannot be run as asked (e.g. its manifest)."""

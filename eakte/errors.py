"""The base of the application's own errors (configuration); each module names its own."""

from common.errors import EakteError


class ApplicationError(EakteError):
    """Base of the errors of the application around the libraries: its configuration."""

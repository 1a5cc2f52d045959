"""The base of the classifiers' errors; each module names its concrete errors under it."""

from common.errors import EakteError


class ClassifierError(EakteError):
    """Base of the classifiers' errors: a file plan, a model file or a model that cannot be used."""

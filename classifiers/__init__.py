"""Text -> document type, file-plan unit, extracted identifiers, with confidence.

A plain library: no Prefect, no environment, no imports of the other eakte packages.
"""

from classifiers.extract import Extraction, Identifier, extract
from classifiers.fileplan import (
    AktenplanUnit,
    DocTypeRule,
    FilePlan,
    FilePlanError,
    RetentionRule,
    load_file_plan,
)
from classifiers.rules import Classification, classify

__all__ = [
    "AktenplanUnit",
    "Classification",
    "DocTypeRule",
    "Extraction",
    "FilePlan",
    "FilePlanError",
    "Identifier",
    "RetentionRule",
    "classify",
    "extract",
    "load_file_plan",
]

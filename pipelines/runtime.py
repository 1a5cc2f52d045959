"""Process-wide set-up that must happen before Prefect is imported."""

from __future__ import annotations

import os


def prepare_prefect(verbose: bool = False) -> None:
    """Keep Prefect quiet and offline, unless the operator set otherwise.

    Without PREFECT_API_URL each batch starts a temporary local API server; with it, runs
    go to the Prefect server named there (see deploy/README.md).
    """
    # The first start of a temporary server creates its database; that can take a while.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")

"""Process-wide set-up that must happen before Prefect is imported."""

from __future__ import annotations

import os

from pipelines.orchestrator import ensure_local_server


def prepare_prefect(verbose: bool = False) -> None:
    """Point Prefect at a server and keep it quiet and offline, unless the operator set otherwise.

    PREFECT_API_URL names a shared server (see deploy/README.md); without it eakte uses its
    local background server (pipelines/orchestrator.py), or, with EAKTE_LOCAL_SERVER=0,
    Prefect's temporary per-run server.
    """
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    # The first start of a temporary server creates its database; that can take a while.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    if not os.environ.get("PREFECT_API_URL") and os.environ.get("EAKTE_LOCAL_SERVER", "1") != "0":
        os.environ["PREFECT_API_URL"] = ensure_local_server()

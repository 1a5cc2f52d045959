"""End-to-end fixtures: the real `eakte` command against a real Prefect server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.orchestrator import ensure_local_server, stop_local_server

ROOT = Path(__file__).resolve().parents[2]
EAKTE = [sys.executable, "-m", "eakte"]


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One Prefect server for the whole session, as in a scaled-out deployment.

    Started the way eakte starts its local server, in a Prefect home of its own; each
    `eakte ingest` then costs a flow run, not a server start.
    """
    saved = os.environ.get("PREFECT_HOME")
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    try:
        yield ensure_local_server()
    finally:
        stop_local_server()
        if saved is None:
            os.environ.pop("PREFECT_HOME", None)
        else:
            os.environ["PREFECT_HOME"] = saved


def run_eakte(
    *args: str, api: str | None, check: bool = True, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PREFECT_SERVER_ANALYTICS_ENABLED="false", COLUMNS="200")
    if api:
        env["PREFECT_API_URL"] = api
    else:
        env.pop("PREFECT_API_URL", None)
    result = subprocess.run(
        [*EAKTE, *args], capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"eakte {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}"
        )
    return result


def run_json(*args: str, api: str | None) -> dict:
    return json.loads(run_eakte(*args, "--json", api=api).stdout)


def copy_samples(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for sample in (ROOT / "eakte" / "samples").iterdir():
        shutil.copy2(sample, target / sample.name)
    return target


def run_eakte_locally(
    *args: str, prefect_home: Path, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """`eakte` as on a fresh station: no PREFECT_API_URL, so it starts its own local server."""
    env = dict(
        os.environ,
        PREFECT_HOME=str(prefect_home),
        COLUMNS="200",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    env.pop("PREFECT_API_URL", None)
    return subprocess.run(
        [*EAKTE, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )

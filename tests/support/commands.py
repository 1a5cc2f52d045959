"""Running `eakte`: the real command in a subprocess, or its Typer app in this process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from typer.testing import CliRunner, Result

from eakte.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
EAKTE = [sys.executable, "-m", "eakte"]

runner = CliRunner()


def invoke_eakte(*args: str, env: Mapping[str, str | None] | None = None) -> Result:
    """`eakte` in this process, through Typer's test runner: fast, and no Prefect involved."""
    return runner.invoke(app, list(args), env=env)


def run_eakte(
    *args: str,
    api: str | None,
    check: bool = True,
    timeout: float = 900,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """The real `eakte` in a subprocess; `env`: variables to set for it."""
    env = dict(os.environ, PREFECT_SERVER_ANALYTICS_ENABLED="false", COLUMNS="200", **(env or {}))
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


def start_eakte(
    *args: str, api: str, env: Mapping[str, str] | None = None
) -> subprocess.Popen[str]:
    """The real `eakte` started in a session of its own, its output piped, not waited for;
    `env`: variables to set for it."""
    return subprocess.Popen(
        [*EAKTE, *args],
        cwd=ROOT,
        env=dict(
            os.environ, PREFECT_API_URL=api, PREFECT_SERVER_ANALYTICS_ENABLED="false", **(env or {})
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def run_json(*args: str, api: str | None, env: Mapping[str, str] | None = None) -> dict:
    return json.loads(run_eakte(*args, "--json", api=api, env=env).stdout)


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

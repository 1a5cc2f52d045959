"""Without PREFECT_API_URL, eakte starts one local Prefect server and reuses it batch after batch."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.commands import run_eakte_locally

pytestmark = pytest.mark.slow


def _eakte(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return run_eakte_locally(*args, prefect_home=home, timeout=600)


def test_local_server_is_started_once_reused_and_stopped(tmp_path: Path) -> None:
    home = tmp_path / "prefect"
    empty = tmp_path / "empty"
    empty.mkdir()
    first = _eakte("ingest", str(empty), "--data", str(tmp_path / "data"), "--json", home=home)
    assert first.returncode == 0, first.stderr
    state = json.loads((home / "eakte-local-server.json").read_text())
    second = _eakte("ingest", str(empty), "--data", str(tmp_path / "data"), "--json", home=home)
    assert second.returncode == 0, second.stderr
    assert json.loads((home / "eakte-local-server.json").read_text()) == state  # reused
    assert json.loads(second.stdout)["counts"]["archived"] == 0
    # it runs what recording a batch needs, and none of the services for deployments,
    # schedules, workers or automations
    with urllib.request.urlopen(f"{state['api_url']}/admin/settings", timeout=30) as answer:
        services = json.load(answer)["server"]["services"]
    assert services["task_run_recorder"]["enabled"] and services["event_persister"]["enabled"]
    for unused in ("scheduler", "late_runs", "foreman", "triggers", "repossessor"):
        assert services[unused]["enabled"] is False, unused
    status = _eakte("server", "status", home=home)
    assert state["api_url"] in status.stdout
    assert _eakte("server", "stop", home=home).stdout.strip() == "stopped"
    assert _eakte("server", "status", home=home).returncode == 1
    assert _ended(int(state["pid"]))


def _ended(pid: int, timeout: float = 30) -> bool:
    """Gone, or a zombie waiting for a parent that left (the server outlives its starter)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text():
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.2)
    return False

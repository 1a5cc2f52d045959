"""A local Prefect server that eakte starts on first use and keeps for later batches.

Without an API, Prefect starts a temporary server for every flow run, which costs 10-20 s a
batch. A scanning station ingests box after box, so eakte starts one server in the
background the first time (nothing to start by hand), records it under PREFECT_HOME, and
reuses it; `eakte server stop` ends it. With PREFECT_API_URL set, that server is used instead.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

STATE_FILE = "eakte-local-server.json"
STARTUP_TIMEOUT_S = 180.0
# The local server records batches: their flow and task runs, and the events those send.
# Prefect's services for deployments and their schedules, workers, paused runs, concurrency
# leases, cancellations and automations have nothing to do there, yet poll the database or read
# every event: off, the server spent 0.73 core-s instead of 1.13 on a batch of 17 documents.
# An operator's own PREFECT_SERVER_SERVICES_* settings still win.
UNUSED_SERVICES = {
    f"PREFECT_SERVER_SERVICES_{name}_ENABLED": "false"
    for name in (
        "SCHEDULER",
        "LATE_RUNS",
        "FOREMAN",
        "PAUSE_EXPIRATIONS",
        "REPOSSESSOR",
        "CANCELLATION_CLEANUP",
        "TRIGGERS",
    )
}


def prefect_home() -> Path:
    return Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect")).expanduser()


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def running_server() -> dict[str, object] | None:
    """The recorded local server, if it answers."""
    state = prefect_home() / STATE_FILE
    try:
        info = json.loads(state.read_text())
    except (OSError, ValueError):
        return None
    return info if healthy(str(info["api_url"])) else None


def ensure_local_server() -> str:
    """The API URL of the local server, starting it if none answers."""
    home = prefect_home()
    home.mkdir(parents=True, exist_ok=True)
    with (home / f"{STATE_FILE}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two commands at once start one server, not two
        info = running_server()
        if info is not None:
            return str(info["api_url"])
        port = _free_port()
        api_url = f"http://127.0.0.1:{port}/api"
        log = (home / "eakte-local-server.log").open("ab")
        process = subprocess.Popen(
            [
                sys.executable,
                "-P",  # not the working directory's modules: those of the installation
                "-m",
                "prefect",
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # outlives this command, and Ctrl-C in it
            env={**UNUSED_SERVICES, **os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"},
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not healthy(api_url):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"the local Prefect server did not start; see {log.name}")
            time.sleep(0.3)
        state = {"pid": process.pid, "api_url": api_url, "started": time.time()}
        (home / STATE_FILE).write_text(json.dumps(state))
        return api_url


def stop_local_server() -> bool:
    """Stop the recorded local server; False if none was running."""
    info = running_server()
    state = prefect_home() / STATE_FILE
    if info is None:
        state.unlink(missing_ok=True)
        return False
    with contextlib.suppress(ProcessLookupError):
        os.killpg(int(info["pid"]), signal.SIGTERM)  # type: ignore[arg-type]
    deadline = time.monotonic() + 30
    while healthy(str(info["api_url"]), timeout=0.5) and time.monotonic() < deadline:
        time.sleep(0.3)
    state.unlink(missing_ok=True)
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

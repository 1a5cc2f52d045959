"""A real OpenSearch 2.19 node for the tests, built from its published Maven artefacts.

`deploy/opensearch-node` is a small launcher (a pom and one class) that puts the OpenSearch
server, its HTTP transport (netty4) and the common analysers on a classpath and starts one
node; Maven fetches the jars once into ~/.m2. The launcher is built once per version of its
files into ~/.cache/eakte (`EAKTE_CACHE`), so that later runs, and other worktrees, start at
once; `bash setup.sh --tests` builds it ahead (`python -m tests.support.opensearch build`),
so a test run downloads nothing.

A session starts one node (a 512 MB heap: on two cores it is green after about 6-10 s),
data in a temporary folder, HTTP on a free port of 127.0.0.1, and stops it at the end.
Tests that need the server down stop and start that node (`OpenSearchNode.down`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LAUNCHER = REPO / "deploy" / "opensearch-node"
VERSION = "2.19.6"
HEAP = "512m"
_MAIN = "eakte.opensearch.EakteNode"
_START_TIMEOUT = 180.0  # seconds; a loaded two-core machine, the first start of a JVM
_STOP_TIMEOUT = 60.0
# As OpenSearch's own jvm.options: netty without Unsafe tricks, log4j left to the node
_JVM_OPTIONS = (
    f"-Xms{HEAP}",
    f"-Xmx{HEAP}",
    "-XX:+UseG1GC",
    "-Djava.awt.headless=true",
    "-Dfile.encoding=UTF-8",
    "-Djava.locale.providers=SPI,COMPAT",
    "-Dio.netty.noUnsafe=true",
    "-Dio.netty.noKeySetOptimization=true",
    "-Dio.netty.recycler.maxCapacityPerThread=0",
    "-Dlog4j.shutdownHookEnabled=false",
    "-Dlog4j2.disable.jmx=true",
)


class NodeUnavailable(RuntimeError):
    """Java or Maven is missing, or the node did not build or start; the message says why."""


def cache_dir() -> Path:
    return Path(os.environ.get("EAKTE_CACHE") or Path.home() / ".cache" / "eakte")


def _launcher_digest() -> str:
    """A digest of the launcher's own files: a change to them builds it anew."""
    digest = hashlib.sha256()
    for path in sorted(p for p in LAUNCHER.rglob("*") if p.is_file() and "target" not in p.parts):
        digest.update(str(path.relative_to(LAUNCHER)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build(quiet: bool = True) -> Path:
    """The built launcher (its jar and lib/), building it when this version is not cached.

    Built into a temporary folder and renamed into place, so that two test runs building
    at once both end with a whole one.
    """
    target = cache_dir() / f"opensearch-node-{VERSION}-{_launcher_digest()}"
    if (target / "eakte-opensearch-node.jar").is_file():
        return target
    for tool in ("java", "mvn"):
        if shutil.which(tool) is None:
            raise NodeUnavailable(f"{tool} is not installed: run `bash setup.sh --tests`")
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="opensearch-node-", dir=target.parent))
    command = ["mvn", "-B", *(["-q"] if quiet else []), "-f", str(LAUNCHER / "pom.xml"),
               f"-Dnode.build={building}", "package"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        raise NodeUnavailable(
            f"building the OpenSearch launcher failed (mvn exit {done.returncode}):\n"
            f"{(done.stdout + done.stderr)[-3000:]}"
        )
    try:
        building.rename(target)
    except OSError:  # another run was quicker
        shutil.rmtree(building, ignore_errors=True)
    return target


def _request(url: str, timeout: float = 5.0) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        result: dict[str, object] = json.loads(answer.read())
        return result


@dataclass
class OpenSearchNode:
    """One node: `url` while it runs; `stop()` and `start()` keep its data and port."""

    home: Path
    launcher: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    started_in: float = 0.0  # seconds from the JVM's start to a green cluster
    starts: list[float] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the node and wait until its cluster is green."""
        port_file = self.home / "http.port"
        port_file.unlink(missing_ok=True)
        classpath = f"{self.launcher / 'eakte-opensearch-node.jar'}:{self.launcher / 'lib'}/*"
        log = (self.home / "node.log").open("ab")
        began = time.monotonic()
        self.process = subprocess.Popen(
            ["java", *_JVM_OPTIONS, "-cp", classpath, _MAIN, str(self.home), str(self.port)],
            stdin=subprocess.PIPE,  # the node ends when this process does (EakteNode)
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C of the test run reaches it through stop()
        )
        log.close()
        deadline = began + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise NodeUnavailable(
                    f"the OpenSearch node exited with {self.process.returncode}:\n{self.log()}"
                )
            if port_file.is_file():
                self.port = int(port_file.read_text())
                try:
                    health = _request(
                        f"{self.url}/_cluster/health?wait_for_status=green&timeout=2s", 10
                    )
                except (urllib.error.URLError, OSError):
                    health = {}
                if health.get("status") == "green":
                    self.started_in = time.monotonic() - began
                    self.starts.append(self.started_in)
                    return
            time.sleep(0.2)
        self.stop()
        raise NodeUnavailable(f"the OpenSearch node was not green in {_START_TIMEOUT:.0f} s")

    def stop(self) -> None:
        """SIGTERM, which closes the node (flushing what it holds); SIGKILL if it hangs."""
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process = None

    @contextmanager
    def down(self) -> Iterator[None]:
        """The node stopped for the block, and started again (same data, same URL) after it."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def log(self) -> str:
        path = self.home / "node.log"
        return path.read_text(errors="replace")[-4000:] if path.is_file() else ""


def start_node(home: Path) -> OpenSearchNode:
    """Build the launcher if needed and start a node whose data lives in `home`."""
    node = OpenSearchNode(home=home, launcher=build())
    node.start()
    return node


def main(argv: list[str]) -> int:
    """`python -m tests.support.opensearch build` (setup.sh --tests), or `run`: start a node
    in a temporary folder, print its URL and start time, keep it until Ctrl-C."""
    if argv[:1] == ["build"]:
        print(build(quiet=False))
        return 0
    if argv[:1] == ["run"]:
        with tempfile.TemporaryDirectory(prefix="eakte-opensearch-") as home:
            node = start_node(Path(home))
            print(f"{node.url} (green after {node.started_in:.1f} s); Ctrl-C stops it")
            try:
                signal.pause()
            except KeyboardInterrupt:
                pass
            finally:
                node.stop()
        return 0
    print("usage: python -m tests.support.opensearch build|run", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

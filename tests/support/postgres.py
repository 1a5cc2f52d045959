"""A throw-away PostgreSQL cluster for the tests, from Debian's `postgresql` binaries.

One cluster per test session, in a temporary directory on a free port, stopped (and the
directory removed) at the end. PostgreSQL refuses to run as root, so as root the cluster
belongs to the unprivileged `postgres` user the Debian package creates (`nobody` where there
is none) and every server command runs through `runuser`. The cluster is tuned for tests:
no fsync, no durable commits, since it is thrown away anyway (unless a test that crashes it
asks for a durable one).

Every test gets fresh databases copied from a template that is migrated once
(`CREATE DATABASE … TEMPLATE`), so a test pays for a file copy, not for the migrations.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

SUPERUSER = "postgres"
TEMPLATE = "eakte_template"
SERVER_PASSWORD = "geheim-7Qx"  # of the role `eakte` in the tests' own servers: never shown


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries are not installed (`bash setup.sh --tests` installs them)."""


def bin_dir() -> Path:
    """Debian's server binaries: /usr/lib/postgresql/<newest version>/bin (15 on bookworm)."""
    found = [d for d in Path("/usr/lib/postgresql").glob("*/bin") if (d / "initdb").is_file()]
    if not found:
        raise PostgresUnavailable(
            "PostgreSQL server binaries not found in /usr/lib/postgresql/<version>/bin "
            "(run `bash setup.sh --tests`, which installs Debian's postgresql)"
        )
    return max(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_user() -> str | None:
    """Whom the server runs as when we are root (None: as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise PostgresUnavailable("running as root, but there is no unprivileged user to run postgres")


class PostgresCluster:
    """A running cluster: URLs of its databases, databases made and dropped, stop and start."""

    def __init__(
        self, root: Path, port: int, bin_path: Path, user: str | None, durable: bool = False
    ) -> None:
        self.root = root
        self.port = port
        self.bin = bin_path
        self.user = user
        self.durable = durable
        self._names = itertools.count(1)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str, *, driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
            raise RuntimeError(
                f"{' '.join(args[:2])} failed ({result.returncode}):\n{result.stderr}\n{tail}"
            )
        return result

    def start(self) -> None:
        """Start the server (again) on its port; returns when it accepts connections."""
        fast = ("-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off")
        options = " ".join(
            (
                f"-p {self.port}",
                f"-k {self.root}",  # the Unix socket stays inside the cluster's directory
                "-c listen_addresses=127.0.0.1",
                "-c max_connections=300",
                "-c shared_buffers=64MB",
                *(() if self.durable else fast),
            )
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"),
                  "-o", options, "-w", "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; `immediate` is a crash (no shutdown checkpoint)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def is_running(self) -> bool:
        command = [str(self.bin / "pg_ctl"), "-D", str(self.data), "status"]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, capture_output=True).returncode == 0

    def admin(self) -> psycopg.Connection:
        """A superuser connection to the maintenance database, in autocommit mode."""
        return psycopg.connect(self.url("postgres", driver="postgresql"), autocommit=True)

    def create_database(self, template: str | None = TEMPLATE) -> str:
        """A new database (a copy of `template`; None: empty); returns its name."""
        name = f"eakte_t{os.getpid()}_{next(self._names)}"
        clause = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        with self.admin() as db:
            db.execute(f'CREATE DATABASE "{name}"{clause}')
        return name

    def drop_database(self, name: str) -> None:
        with self.admin() as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def destroy(self) -> None:
        if self.is_running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster(*, durable: bool = False) -> tuple[PostgresCluster, float]:
    """initdb + start a new cluster in a temporary directory; returns it and the seconds taken.
    `durable`: commits survive a crash (`stop("immediate")`), as on a real server; without
    it the cluster skips fsync and durable commits, for speed."""
    began = time.monotonic()
    path = bin_dir()
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="eakte-pg-"))
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    cluster = PostgresCluster(root, _free_port(), path, user, durable)
    cluster._run("initdb", "-D", str(cluster.data), "-U", SUPERUSER, "--auth=trust",
                 "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip
    for attempt in range(3):
        try:
            cluster.start()
            break
        except RuntimeError:  # the free port was taken in between: another one
            if attempt == 2:
                cluster.destroy()
                raise
            cluster.port = _free_port()
    return cluster, time.monotonic() - began

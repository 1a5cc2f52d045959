"""`eakte serve` with several worker processes over one archive, as a town hall runs it:
searches spread over the workers, every access logged, a clerk's session known to all."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from archive.access import create_token, read_access_log
from archive.search import IndexDoc
from archive.store import Archive
from eakte.web.connections import REQUESTS_PER_CONNECTION
from tests.support.commands import EAKTE, ROOT
from tests.support.web import form_token

pytestmark = pytest.mark.slow  # starts `eakte serve` with two worker processes


def _a_session_is_known_to_every_worker(base: str, secret: str) -> None:
    """Signed in through one worker, the session works on a fresh connection (whichever
    worker takes it), and signing out ends it on all of them. The cookie is sent by hand:
    it is `Secure`, which httpx keeps to https."""
    form = httpx.get(f"{base}/ui/anmelden")
    pre = form.cookies["__Host-eakte_anmeldung"]
    signed_in = httpx.post(
        f"{base}/ui/anmelden",
        data={"token": secret, "csrf": form_token(form.text)},
        headers={"Origin": base, "Cookie": f"__Host-eakte_anmeldung={pre}"},
    )
    assert signed_in.status_code == 303, signed_in.text
    cookie = {"Cookie": f"__Host-eakte_session={signed_in.cookies['__Host-eakte_session']}"}
    pages = [httpx.get(f"{base}/ui/", headers=cookie) for _ in range(12)]  # new connections
    assert [p.status_code for p in pages] == [200] * 12
    csrf = form_token(pages[0].text)
    out = httpx.post(f"{base}/ui/abmelden", data={"csrf": csrf}, headers={**cookie, "Origin": base})
    assert out.status_code == 303
    after = [httpx.get(f"{base}/ui/", headers=cookie) for _ in range(12)]
    assert [p.status_code for p in after] == [303] * 12


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(params=["embedded", "postgresql"])
def catalog_url(request: pytest.FixtureRequest) -> str | None:
    """The archive's catalog: the SQLite file (None), or a database on the PostgreSQL
    server, where the workers are separate processes sharing one server."""
    if request.param == "embedded":
        return None
    return str(request.getfixturevalue("postgres_url"))


def test_two_workers_answer_and_every_access_is_logged_by_shutdown(
    tmp_path: Path, catalog_url: str | None
) -> None:
    data = tmp_path / "data"
    archive = Archive(data, catalog_url=catalog_url)
    archive.index.add_many(
        IndexDoc(
            document_id=f"doc-{n}", title=f"Bauantrag {n}", doc_type="bauantrag",
            doc_label="Bauantrag", unit="6.1.1", status="archived",
            text=f"Bauantrag für das Wohnhaus Nummer {n}",
        )
        for n in range(30)
    )  # fmt: skip
    with archive.transaction() as s:
        secret = create_token(s, "Fachverfahren Bau", "case_system", ["6"])[1]
        clerk = create_token(s, "Sachbearbeiterin Bau", "clerk", ["6"])[1]
    archive.close()
    port = _free_port()
    server = subprocess.Popen(
        [*EAKTE, "serve", "--data", str(data), "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "EAKTE_ES_URL"},
            **({"EAKTE_DATABASE_URL": catalog_url} if catalog_url else {}),
        },
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
            time.sleep(0.2)
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {secret}"}) as http:
            pages = [
                http.get("/api/v1/search", params={"q": "Wohnhaus", "limit": 5}) for _ in range(40)
            ]
        assert all(p.status_code == 200 and p.json()["total"] == 30 for p in pages)
        # one keep-alive connection, ended after 25 requests so that it may go elsewhere
        closing = [n for n, p in enumerate(pages) if p.headers.get("connection") == "close"]
        assert closing == [REQUESTS_PER_CONNECTION - 1]
        _a_session_is_known_to_every_worker(base, clerk)
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=60)
    assert stderr.count("Started server process") >= 2  # two workers
    archive = Archive(data, catalog_url=catalog_url)
    with archive.transaction() as s:
        searches = [e for e in read_access_log(s, 1000) if e.action == "search"]
    assert len(searches) == 40  # written when the workers stopped, none lost

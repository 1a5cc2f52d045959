"""HTTPS in front of the session's real OpenSearch node, with a certificate from a private CA.

The node the tests start speaks plain HTTP (its security plugin is not on the classpath);
a town hall's search server is reached over TLS, often with a certificate from the town's own
CA, or through a TLS-terminating proxy. `tls_proxy` is that proxy: TLS on a free port of
127.0.0.1, each connection piped to the node as it is, and the CA (`ca.pem`) a client must
be given to trust it.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

_SERVER_EXTENSIONS = "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_server_pki(folder: Path) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate for 127.0.0.1 signed by it: (ca, cert, key)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "server.ext").write_text(_SERVER_EXTENSIONS)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
             "ca.pem", "-days", "30", "-subj", "/CN=Stadt Musterstadt Test Root CA", cwd=folder)  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
             "server.csr", "-subj", "/CN=127.0.0.1", cwd=folder)  # fmt: skip
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.pem", "-days", "30", "-extfile", "server.ext",
             cwd=folder)  # fmt: skip
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


@dataclass(frozen=True)
class TlsProxy:
    url: str  # https://127.0.0.1:port
    ca: Path  # the private CA that signed the proxy's certificate


def _pipe(source: socket.socket, target: socket.socket) -> None:
    with suppress(OSError):
        while chunk := source.recv(65536):
            target.sendall(chunk)
    with suppress(OSError):
        target.shutdown(socket.SHUT_WR)


def _serve(listener: socket.socket, context: ssl.SSLContext, upstream: int) -> None:
    while True:
        try:
            raw, _ = listener.accept()
        except OSError:  # closed: the proxy ends
            return
        try:
            client = context.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):  # a client that does not trust the CA hangs up
            raw.close()
            continue
        node = socket.create_connection(("127.0.0.1", upstream))
        threading.Thread(target=_pipe, args=(client, node), daemon=True).start()
        threading.Thread(target=_pipe, args=(node, client), daemon=True).start()


@contextmanager
def tls_proxy(folder: Path, upstream_port: int) -> Iterator[TlsProxy]:
    """HTTPS on a free local port, forwarded to plain HTTP on `upstream_port`."""
    ca, cert, key = make_server_pki(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    thread = threading.Thread(target=_serve, args=(listener, context, upstream_port), daemon=True)
    thread.start()
    try:
        yield TlsProxy(f"https://127.0.0.1:{port}", ca)
    finally:
        listener.close()
        thread.join(5)

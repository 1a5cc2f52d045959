"""A real RFC 3161 Time-Stamp Authority for the tests: a test CA and a TSA certificate made
with `openssl`, and a small HTTP server that answers each request with `openssl ts -reply`."""

from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_CONFIG = """\
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = {dir}/serial
crypto_device = builtin
signer_cert = {dir}/tsa.pem
certs = {dir}/tsa.pem
signer_key = {dir}/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
[ tsa_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
[ ca_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
"""


@dataclass
class LocalTsa:
    url: str
    ca: Path  # the trust anchor a verifier is configured with
    tsa_cert: Path
    server: ThreadingHTTPServer
    requests: list[bytes]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(folder: Path, name: str = "Test TSA") -> Path:
    """A CA and a TSA key and certificate signed by it, in `folder`; returns the config."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "tsa.cnf"
    config.write_text(_CONFIG.format(dir=folder), encoding="utf-8")
    (folder / "serial").write_text("01\n")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
             "ca.pem", "-days", "3650", "-subj", f"/CN={name} Root CA", "-config", str(config),
             "-extensions", "ca_ext", cwd=folder)  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr",
             "-subj", f"/O=Testbehoerde/CN={name}", cwd=folder)  # fmt: skip
    _openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "tsa.pem", "-days", "3650", "-extfile", str(config),
             "-extensions", "tsa_ext", cwd=folder)  # fmt: skip
    return config


def start_tsa(folder: Path, name: str = "Test TSA") -> LocalTsa:
    """Serve RFC 3161 over HTTP on a free local port until `stop()`."""
    config = make_pki(folder, name)
    requests: list[bytes] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            query = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:  # one openssl at a time: the serial file is shared
                requests.append(query)
                done = subprocess.run(
                    ["openssl", "ts", "-reply", "-config", str(config), "-queryfile",
                     "/dev/stdin", "-out", "/dev/stdout"],
                    input=query, capture_output=True, check=False,
                )  # fmt: skip
            if done.returncode != 0:
                self.send_response(400)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(done.stdout)))
            self.end_headers()
            self.wfile.write(done.stdout)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/tsa"
    return LocalTsa(url, folder / "ca.pem", folder / "tsa.pem", server, requests)

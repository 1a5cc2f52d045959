"""RFC 3161 timestamps: ask a Time-Stamp Authority, read a token, verify one against a trust anchor.

The structures come from asn1crypto; the signature is checked by OpenSSL (`openssl cms
-verify -purpose timestampsign`), which verifies the CMS signature (RSA, RSA-PSS, ECDSA), the
certificate path to the configured trust anchor and the TSA's timeStamping key usage. The
path is checked at the token's own time: an archived token stays valid after its TSA
certificate expires, which is what renewal (RFC 4998) relies on.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from asn1crypto import cms, tsp

from archive.errors import ArchiveError

__all__ = [
    "HASHES",
    "Stamp",
    "TimestampError",
    "digest",
    "read_token",
    "request_token",
    "verify_token",
]

HASHES: dict[str, Callable[[bytes], bytes]] = {
    "sha256": lambda b: hashlib.sha256(b).digest(),
    "sha384": lambda b: hashlib.sha384(b).digest(),
    "sha512": lambda b: hashlib.sha512(b).digest(),
}
"""The digest algorithms eakte timestamps with and accepts (asn1crypto's names)."""


class TimestampError(ArchiveError):
    """A TSA refused or could not be reached, or a token is unreadable or does not verify."""


@dataclass(frozen=True)
class Stamp:
    """What a timestamp token says: when, over which digest, signed by whom."""

    gen_time: datetime
    hash_name: str
    imprint: bytes
    tsa: str  # the signer's subject, for people to read
    serial: int

    def describe(self) -> str:
        return f"{self.gen_time.isoformat(timespec='seconds')} by {self.tsa}"


def digest(hash_name: str, data: bytes) -> bytes:
    try:
        return HASHES[hash_name](data)
    except KeyError:
        raise TimestampError(f"digest algorithm {hash_name!r} is not supported") from None


def request_token(
    url: str, imprint: bytes, hash_name: str = "sha256", timeout: float = 30
) -> bytes:
    """Ask the TSA at `url` to timestamp `imprint`; the TimeStampToken (DER ContentInfo).

    The reply must be granted, carry our nonce and stamp exactly our imprint: a TSA that
    answers for something else is refused.
    """
    if hash_name not in HASHES:
        raise TimestampError(f"digest algorithm {hash_name!r} is not supported")
    nonce = secrets.randbits(63)
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": hash_name},
                "hashed_message": imprint,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )
    http = urllib.request.Request(
        url,
        data=request.dump(),
        headers={"Content-Type": "application/timestamp-query"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(http, timeout=timeout) as answer:
            body = answer.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TimestampError(f"TSA {url} could not be reached: {exc}") from exc
    try:
        response = tsp.TimeStampResp.load(body)
        status = response["status"]["status"].native
        token = response["time_stamp_token"]
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampError(f"TSA {url} did not answer with an RFC 3161 response: {exc}") from exc
    if status not in ("granted", "granted_with_mods") or token.native is None:
        text = response["status"]["status_string"].native
        raise TimestampError(f"TSA {url} refused the request ({status}: {text})")
    der = token.dump()
    info = _tst_info(cms.ContentInfo.load(der))
    if info["nonce"].native != nonce:
        raise TimestampError(f"TSA {url} answered with another request's nonce")
    if info["message_imprint"]["hashed_message"].native != imprint:
        raise TimestampError(f"TSA {url} stamped another digest than the one asked for")
    return der


def read_token(token: bytes) -> Stamp:
    """What `token` states, without checking its signature (see `verify_token`)."""
    try:
        content = cms.ContentInfo.load(token)
        info = _tst_info(content)
        stamp = Stamp(
            gen_time=info["gen_time"].native.astimezone(UTC),
            hash_name=info["message_imprint"]["hash_algorithm"]["algorithm"].native,
            imprint=info["message_imprint"]["hashed_message"].native,
            tsa=_signer(content),
            serial=info["serial_number"].native,
        )
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise TimestampError(f"not an RFC 3161 timestamp token: {exc}") from exc
    return stamp


def verify_token(token: bytes, trust_anchor: Path) -> Stamp:
    """Check the token's signature and certificate path (to `trust_anchor`, PEM, at the
    token's time) with OpenSSL; returns what the signed content states.

    A token already verified in this process against the same anchor is not run again (many
    evidence records share one token)."""
    return _verify_once(token, trust_anchor.resolve())


@lru_cache(maxsize=1024)
def _verify_once(token: bytes, trust_anchor: Path) -> Stamp:
    stamp = read_token(token)
    openssl = shutil.which("openssl")
    if openssl is None:
        raise TimestampError("openssl is not installed: timestamps cannot be verified")
    if not trust_anchor.is_file():
        raise TimestampError(f"{trust_anchor}: TSA certificate file not found")
    with tempfile.TemporaryDirectory(prefix="eakte-ts-") as tmp:
        token_file, signed = Path(tmp) / "token.der", Path(tmp) / "tstinfo.der"
        token_file.write_bytes(token)
        done = subprocess.run(
            [openssl, "cms", "-verify", "-inform", "DER", "-in", str(token_file), "-binary",
             "-CAfile", str(trust_anchor), "-partial_chain", "-purpose", "timestampsign",
             "-attime", str(int(stamp.gen_time.timestamp())), "-out", str(signed)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            reason = _openssl_reason(done.stderr)
            raise TimestampError(f"timestamp of {stamp.describe()} does not verify: {reason}")
        signed_info = tsp.TSTInfo.load(signed.read_bytes())
    if signed_info["message_imprint"]["hashed_message"].native != stamp.imprint:
        raise TimestampError(f"timestamp of {stamp.describe()}: signed content differs")
    return stamp


def _tst_info(content: cms.ContentInfo) -> tsp.TSTInfo:
    encap = content["content"]["encap_content_info"]
    if encap["content_type"].native != "tst_info":
        raise ValueError("the signed content is not a TSTInfo")
    info = encap["content"].parsed
    if not isinstance(info, tsp.TSTInfo):
        info = tsp.TSTInfo.load(encap["content"].native)
    return info


def _signer(content: cms.ContentInfo) -> str:
    """The subject of the certificate that signed, else the TSA name in the token."""
    signed = content["content"]
    sid = signed["signer_infos"][0]["sid"]
    for choice in signed["certificates"] or []:
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if (
                cert.issuer == wanted["issuer"]
                and cert.serial_number == wanted["serial_number"].native
            ):
                return str(cert.subject.human_friendly)
        elif cert.key_identifier == sid.chosen.native:
            return str(cert.subject.human_friendly)
    tsa = _tst_info(content)["tsa"]
    return str(tsa.native) if tsa.native is not None else "an unnamed TSA"


def _openssl_reason(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if "Verify error:" in line:
            return line.split("Verify error:", 1)[1].strip()
    for line in reversed(lines):
        if ":error:" in line:
            return line.rsplit(":", 1)[-1].strip() or line
    return lines[-1] if lines else "openssl refused it"

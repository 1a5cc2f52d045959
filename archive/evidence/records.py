"""The archive's evidence records: one RFC 4998 record per archived blob, under DATA/evidence.

Sealing puts every blob that has no record yet into one hash tree and gets one archive
timestamp for its root; renewing gets one timestamp for a tree over every record's newest
token (timestamp renewal) or over every blob rehashed with a new algorithm together with its
record so far (hash-tree renewal). One TSA request serves any number of blobs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from archive.atomic import atomic_write_bytes
from archive.blobs import BlobStore
from archive.evidence import ers, hashtree
from archive.evidence.timestamps import (
    HASHES,
    Stamp,
    TimestampError,
    digest,
    read_token,
    request_token,
)

__all__ = ["EVIDENCE_DIR", "Evidence", "Sealed", "file_digest"]

EVIDENCE_DIR = "evidence"
_CHUNK = 1024 * 1024


def file_digest(path: Path, known: dict[str, bytes] | None = None) -> Callable[[str], bytes]:
    """`hash_name -> digest of the file`, computed once per algorithm, streamed; `known`
    digests (a blob's SHA-256 is its checked name) are not computed again."""
    cache: dict[str, bytes] = dict(known or {})

    def compute(hash_name: str) -> bytes:
        if hash_name not in cache:
            import hashlib

            if hash_name not in HASHES:
                raise TimestampError(f"digest algorithm {hash_name!r} is not supported")
            state = hashlib.new(hash_name)
            with path.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    state.update(chunk)
            cache[hash_name] = state.digest()
        return cache[hash_name]

    return compute


@dataclass(frozen=True)
class Sealed:
    """What one sealing or renewal did: how many records, under which timestamp."""

    records: int
    stamp: Stamp | None  # None: there was nothing to do


class Evidence:
    """The evidence records of the blobs of the archive in `data_dir` (its blob store in
    `blob_dir` when that is set apart)."""

    def __init__(self, data_dir: Path, blob_dir: Path | None = None) -> None:
        self.root = data_dir / EVIDENCE_DIR
        self.blobs = BlobStore(blob_dir or data_dir / "blobs")

    def path(self, sha256: str) -> Path:
        self.blobs.path(sha256)  # checks the name
        return self.root / f"{sha256}.ers"

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def read(self, sha256: str) -> bytes | None:
        path = self.path(sha256)
        return path.read_bytes() if path.is_file() else None

    def recorded(self) -> list[str]:
        """The blob hashes that have an evidence record."""
        if not self.root.is_dir():
            return []
        return sorted(p.stem for p in self.root.glob("*.ers"))

    def unsealed(self) -> list[str]:
        """Blobs in the store without an evidence record yet."""
        have = set(self.recorded())
        return [sha for sha in self.blobs if sha not in have]

    def seal(self, tsa_url: str, blobs: Iterable[str] | None = None) -> Sealed:
        """Give each of `blobs` (default: every blob without one) an evidence record under one
        archive timestamp over the SHA-256 hash tree of their contents (their names, checked
        when they were stored). Each record proves its own blob only."""
        wanted = sorted(set(self.unsealed() if blobs is None else blobs))
        wanted = [sha for sha in wanted if not self.has(sha)]
        if not wanted:
            return Sealed(0, None)
        leaves = {bytes.fromhex(sha): sha for sha in wanted}
        token, paths = self._stamp(tsa_url, "sha256", list(leaves))
        for leaf, sha in leaves.items():
            atomic_write_bytes(self.path(sha), ers.new_record("sha256", paths[leaf], token))
        return Sealed(len(wanted), read_token(token))

    def renew_timestamps(self, tsa_url: str) -> Sealed:
        """Timestamp renewal of every record: one new archive timestamp over all newest tokens,
        before their signature algorithms or TSA keys weaken."""
        records = {sha: self.path(sha).read_bytes() for sha in self.recorded()}
        if not records:
            return Sealed(0, None)
        leaves: dict[str, bytes] = {}
        by_algorithm: dict[str, list[str]] = {}
        for sha, der in records.items():
            hash_name, leaves[sha] = ers.timestamp_renewal_leaf(der)
            by_algorithm.setdefault(hash_name, []).append(sha)
        last: Stamp | None = None
        for hash_name, shas in sorted(by_algorithm.items()):
            token, paths = self._stamp(tsa_url, hash_name, [leaves[s] for s in shas])
            for sha in shas:
                renewed = ers.renew_timestamp(records[sha], paths[leaves[sha]], token)
                atomic_write_bytes(self.path(sha), renewed)
            last = read_token(token)
        return Sealed(len(records), last)

    def renew_hashtrees(self, tsa_url: str, hash_name: str) -> Sealed:
        """Hash-tree renewal with `hash_name`: each blob, rehashed, together with its record
        so far, goes into a new tree; each record gets a new chain. A record whose blob is gone
        (destroyed by an approved disposal) cannot be renewed and is left as it is."""
        if hash_name not in HASHES:
            raise TimestampError(f"digest algorithm {hash_name!r} is not supported")
        leaves: dict[str, bytes] = {}
        records: dict[str, bytes] = {}
        for sha in self.recorded():
            blob = self.blobs.path(sha)
            if not blob.is_file():
                continue
            records[sha] = self.path(sha).read_bytes()
            leaves[sha] = ers.hashtree_renewal_leaf(
                records[sha], hash_name, file_digest(blob)(hash_name)
            )
        if not leaves:
            return Sealed(0, None)
        token, paths = self._stamp(tsa_url, hash_name, list(leaves.values()))
        for sha, leaf in leaves.items():
            renewed = ers.renew_hashtree(records[sha], hash_name, paths[leaf], token)
            atomic_write_bytes(self.path(sha), renewed)
        return Sealed(len(leaves), read_token(token))

    def verify(self, trust_anchor: Path | None) -> tuple[int, list[str]]:
        """Verify every record against its blob; (records verified, problems). A record whose
        blob was destroyed by an approved disposal is skipped: there is nothing left to prove."""
        checked, problems = 0, []
        for sha in self.recorded():
            blob = self.blobs.path(sha)
            if not blob.is_file():
                continue
            report = ers.verify_record(
                self.path(sha).read_bytes(),
                file_digest(blob, {"sha256": bytes.fromhex(sha)}),
                trust_anchor,
                name=f"evidence record {self.path(sha).name}",
            )
            if report.ok:
                checked += 1
            else:
                problems.append(f"evidence record of blob {sha}: {report.problem}")
        return checked, problems

    @staticmethod
    def _stamp(
        tsa_url: str, hash_name: str, leaves: list[bytes]
    ) -> tuple[bytes, dict[bytes, list[list[bytes]]]]:
        root, paths = hashtree.build_separate(leaves, lambda b: digest(hash_name, b))
        return request_token(tsa_url, root, hash_name), paths

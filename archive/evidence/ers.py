"""RFC 4998 Evidence Records: the ASN.1 structures (asn1crypto), renewal and verification.

An evidence record proves that a data object existed unchanged since its first archive
timestamp. Each ArchiveTimeStamp covers a hash-tree root with an RFC 3161 token. Timestamp
renewal adds an ArchiveTimeStamp over the hash of the previous token to the same chain (before
its signature algorithm weakens); hash-tree renewal starts a new chain over
H(H(data) + H(all chains so far)) with a new digest algorithm (before the old one weakens).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from asn1crypto import algos, cms, core

from archive.evidence import hashtree
from archive.evidence.timestamps import (
    Stamp,
    TimestampError,
    digest,
    read_token,
    verify_token,
)

__all__ = [
    "EvidenceRecord",
    "EvidenceReport",
    "hashtree_renewal_leaf",
    "new_record",
    "renew_hashtree",
    "renew_timestamp",
    "timestamp_renewal_leaf",
    "verify_record",
]


class PartialHashtree(core.SequenceOf):
    _child_spec = core.OctetString


class ReducedHashtree(core.SequenceOf):
    _child_spec = PartialHashtree


class ArchiveTimeStamp(core.Sequence):
    _fields: ClassVar[list[Any]] = [
        ("digest_algorithm", algos.DigestAlgorithm, {"implicit": 0, "optional": True}),
        ("attributes", cms.CMSAttributes, {"implicit": 1, "optional": True}),
        ("reduced_hashtree", ReducedHashtree, {"implicit": 2, "optional": True}),
        ("time_stamp", cms.ContentInfo),
    ]


class ArchiveTimeStampChain(core.SequenceOf):
    _child_spec = ArchiveTimeStamp


class ArchiveTimeStampSequence(core.SequenceOf):
    _child_spec = ArchiveTimeStampChain


class CryptoInfos(core.SequenceOf):
    _child_spec = cms.CMSAttribute


class EncryptionInfo(core.Sequence):
    _fields: ClassVar[list[Any]] = [
        ("encryption_info_type", core.ObjectIdentifier),
        ("encryption_info_value", core.Any),
    ]


class DigestAlgorithms(core.SequenceOf):
    _child_spec = algos.DigestAlgorithm


class EvidenceRecord(core.Sequence):
    """EvidenceRecord ::= SEQUENCE { version, digestAlgorithms, cryptoInfos [0],
    encryptionInfo [1], archiveTimeStampSequence } (RFC 4998, IMPLICIT TAGS)."""

    _fields: ClassVar[list[Any]] = [
        ("version", core.Integer),
        ("digest_algorithms", DigestAlgorithms),
        ("crypto_infos", CryptoInfos, {"implicit": 0, "optional": True}),
        ("encryption_info", EncryptionInfo, {"implicit": 1, "optional": True}),
        ("archive_time_stamp_sequence", ArchiveTimeStampSequence),
    ]


def _ats(hash_name: str, reduced: Sequence[Sequence[bytes]], token: bytes) -> ArchiveTimeStamp:
    value = {
        "digest_algorithm": {"algorithm": hash_name},
        "time_stamp": cms.ContentInfo.load(token),
    }
    if reduced:
        value["reduced_hashtree"] = [list(level) for level in reduced]
    return ArchiveTimeStamp(value)


def _with_algorithm(record: EvidenceRecord, hash_name: str) -> list[algos.DigestAlgorithm]:
    known = list(record["digest_algorithms"])
    if hash_name not in [a["algorithm"].native for a in known]:
        known.append(algos.DigestAlgorithm({"algorithm": hash_name}))
    return known


def load(der: bytes, name: str = "evidence record") -> EvidenceRecord:
    """Parse a DER EvidenceRecord; ValueError names what is wrong."""
    try:
        record = EvidenceRecord.load(der, strict=True)
        for chain in record["archive_time_stamp_sequence"]:  # parse now, not on first use
            for ats in chain:
                ats["time_stamp"]["content_type"].native  # noqa: B018
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{name}: not an RFC 4998 evidence record ({exc})") from exc
    if record["version"].native != 1:
        raise ValueError(f"{name}: evidence record version {record['version'].native}, not 1")
    if not len(record["archive_time_stamp_sequence"]):
        raise ValueError(f"{name}: the evidence record has no archive timestamp")
    return record


def new_record(hash_name: str, reduced: Sequence[Sequence[bytes]], token: bytes) -> bytes:
    """A record with one chain of one archive timestamp: `token` over the root `reduced` reaches."""
    record = EvidenceRecord(
        {
            "version": 1,
            "digest_algorithms": [{"algorithm": hash_name}],
            "archive_time_stamp_sequence": [[_ats(hash_name, reduced, token)]],
        }
    )
    return bytes(record.dump())


def _last_ats(record: EvidenceRecord) -> ArchiveTimeStamp:
    return record["archive_time_stamp_sequence"][-1][-1]


def _ats_hash_name(ats: ArchiveTimeStamp) -> str:
    if ats["digest_algorithm"].native is not None:
        return str(ats["digest_algorithm"]["algorithm"].native)
    return read_token(ats["time_stamp"].dump()).hash_name


def timestamp_renewal_leaf(der: bytes) -> tuple[str, bytes]:
    """The digest algorithm of the newest chain and the hash a timestamp renewal must cover:
    the hash of the newest archive timestamp's token."""
    record = load(der)
    last = _last_ats(record)
    hash_name = _ats_hash_name(last)
    return hash_name, digest(hash_name, last["time_stamp"].dump())


def renew_timestamp(der: bytes, reduced: Sequence[Sequence[bytes]], token: bytes) -> bytes:
    """Append an archive timestamp to the newest chain (timestamp renewal, RFC 4998 5.2)."""
    record = load(der)
    hash_name, _ = timestamp_renewal_leaf(der)
    chains = list(record["archive_time_stamp_sequence"])
    chains[-1] = ArchiveTimeStampChain([*chains[-1], _ats(hash_name, reduced, token)])
    return _rebuilt(record, chains, list(record["digest_algorithms"]))


def _rebuilt(record: EvidenceRecord, chains: list[Any], algorithms: list[Any]) -> bytes:
    """`record` with new chains and algorithms; the parts kept are copied as they were encoded
    (re-encoding a whole record with asn1crypto's force=True takes minutes)."""
    value: dict[str, Any] = {
        "version": 1,
        "digest_algorithms": algorithms,
        "archive_time_stamp_sequence": chains,
    }
    for optional in ("crypto_infos", "encryption_info"):
        if record[optional].native is not None:
            value[optional] = record[optional]
    return bytes(EvidenceRecord(value).dump())


def hashtree_renewal_leaf(der: bytes, hash_name: str, data_hash: bytes) -> bytes:
    """H(H(data) + H(DER of every chain so far)): what a hash-tree renewal with `hash_name`
    covers for a data object whose `hash_name` digest is `data_hash` (RFC 4998 5.2)."""
    record = load(der)
    chains = record["archive_time_stamp_sequence"]
    return digest(hash_name, data_hash + digest(hash_name, chains.dump()))


def renew_hashtree(
    der: bytes, hash_name: str, reduced: Sequence[Sequence[bytes]], token: bytes
) -> bytes:
    """Start a new chain (hash-tree renewal): `token` over the root of the renewal leaves."""
    record = load(der)
    chains = [
        *record["archive_time_stamp_sequence"],
        ArchiveTimeStampChain([_ats(hash_name, reduced, token)]),
    ]
    return _rebuilt(record, chains, _with_algorithm(record, hash_name))


@dataclass
class EvidenceReport:
    """What verifying an evidence record found: each timestamp, and the first failure."""

    stamps: list[Stamp] = field(default_factory=list)
    problem: str | None = None
    signatures_checked: bool = True

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_record(
    der: bytes,
    data_digest: Callable[[str], bytes],
    trust_anchor: Path | None,
    name: str = "evidence record",
) -> EvidenceReport:
    """Verify an evidence record for a data object (RFC 4998 section 5.3).

    `data_digest(hash_name)` returns the data object's digest. Every archive timestamp's
    hash tree must lead to its token's imprint; the first of a chain from the data (the first
    chain) or from the data and the chains before it (hash-tree renewal), each later one from
    the token before it (timestamp renewal). Each token's signature is checked against
    `trust_anchor`; without one only the hashes are checked, and the report says so.
    """
    report = EvidenceReport(signatures_checked=trust_anchor is not None)
    try:
        record = load(der, name)
    except ValueError as exc:
        report.problem = str(exc)
        return report
    chains = record["archive_time_stamp_sequence"]
    for c, chain in enumerate(chains):
        if not len(chain):
            report.problem = f"chain {c + 1} has no archive timestamp"
            return report
        previous: ArchiveTimeStamp | None = None
        for a, ats in enumerate(chain):
            where = f"archive timestamp {a + 1} of chain {c + 1}"
            try:
                hash_name = _ats_hash_name(ats)
                if previous is not None:
                    value = digest(hash_name, previous["time_stamp"].dump())
                elif c == 0:
                    value = data_digest(hash_name)
                else:
                    before = ArchiveTimeStampSequence(list(chains)[:c])
                    value = digest(
                        hash_name, data_digest(hash_name) + digest(hash_name, before.dump())
                    )
                token = ats["time_stamp"].dump()
                stamp = read_token(token)
                if stamp.hash_name != hash_name:
                    report.problem = (
                        f"{where}: its token uses {stamp.hash_name}, the timestamp says {hash_name}"
                    )
                    return report
                tree = [list(level.native) for level in ats["reduced_hashtree"] or []]
                try:
                    root = hashtree.reduce(value, tree, partial(digest, hash_name))
                except ValueError:
                    root = None
                if root != stamp.imprint:
                    covers = "the data" if previous is None else "the timestamp before it"
                    report.problem = (
                        f"{where} ({stamp.describe()}) does not cover {covers}: the hash "
                        "does not lead to the timestamped value (the data or the record "
                        "was changed)"
                    )
                    return report
                if trust_anchor is not None:
                    verify_token(token, trust_anchor)
            except TimestampError as exc:
                report.problem = f"{where}: {exc}"
                return report
            report.stamps.append(stamp)
            previous = ats
    return report

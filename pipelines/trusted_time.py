"""Trusted time at the end of a batch or a records command: the audit chain's head gets an
RFC 3161 timestamp and every archived blob without one gets an RFC 4998 evidence record.

What happened is returned as a report, and said plainly when nothing could be timestamped
(no TSA configured, or the TSA could not be reached): nothing pretends to be timestamped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archive.evidence.audit_stamps import newest_stamp, stamp_head
from archive.evidence.records import Evidence
from archive.evidence.timestamps import TimestampError
from pipelines.settings import Settings

NOT_CONFIGURED = (
    "not timestamped: no Time-Stamp Authority is configured (tsa_url in eakte.toml or "
    "EAKTE_TSA_URL)"
)


def timestamp_archive(
    data_dir: Path,
    chain_head: tuple[int, str],
    settings: Settings,
    *,
    seal_blobs: bool,
    head_before: int,
) -> dict[str, Any]:
    """Timestamp the audit chain's head, `chain_head` = (id, hash) as the caller read it from
    the catalog (and, with `seal_blobs`, seal the archive's unsealed blobs).

    `head_before` is the newest event id when the command began. If events up to it have no
    timestamp (forged, or written while the TSA was down), the head is not timestamped: that
    would vouch for them unseen. `eakte audit stamp` does it once someone has checked them.

    Returns {"configured", "audit": {event_id, at, tsa} | None, "evidence": {records, at,
    tsa} | None, "problems": [...], "note": text}; a TSA that fails is a problem in the
    report, not an error: the records written stay, and the next command timestamps them.
    """
    report: dict[str, Any] = {
        "configured": bool(settings.tsa_url),
        "audit": None,
        "evidence": None,
        "problems": [],
    }
    url = settings.tsa_url
    if not url:
        report["note"] = NOT_CONFIGURED
        return report
    if seal_blobs:
        try:
            sealed = Evidence(data_dir, settings.blob_dir).seal(url)
        except TimestampError as exc:
            report["problems"].append(f"archived files not sealed: {exc}")
        else:
            if sealed.stamp is not None:
                report["evidence"] = {
                    "records": sealed.records,
                    "at": sealed.stamp.gen_time.isoformat(),
                    "tsa": sealed.stamp.tsa,
                }
    newest = newest_stamp(data_dir)
    covered = newest.event_id if newest else 0
    if head_before > covered:
        report["problems"].append(
            f"audit trail not timestamped: event(s) {covered + 1} to {head_before}, written "
            "before this command, have no timestamp; check them (`eakte audit verify`) and "
            "cover them with `eakte audit stamp` once you are sure they are genuine"
        )
        report["note"] = describe(report)
        return report
    try:
        stamped = stamp_head(data_dir, url, chain_head)
    except TimestampError as exc:
        report["problems"].append(f"audit trail not timestamped: {exc}")
    else:
        if stamped is not None:
            report["audit"] = {
                "event_id": stamped.event_id,
                "at": stamped.stamp.gen_time.isoformat(),
                "tsa": stamped.stamp.tsa,
            }
    report["note"] = describe(report)
    return report


def describe(report: dict[str, Any]) -> str:
    """One line for people: what was timestamped, by whom, or why nothing was."""
    if not report["configured"]:
        return NOT_CONFIGURED
    parts = []
    if report["audit"]:
        audit = report["audit"]
        parts.append(
            f"audit trail timestamped up to event {audit['event_id']} at {audit['at']} "
            f"by {audit['tsa']}"
        )
    if report["evidence"]:
        evidence = report["evidence"]
        parts.append(f"{evidence['records']} archived file(s) sealed with evidence records")
    parts.extend(report["problems"])
    return "; ".join(parts) if parts else "nothing new to timestamp"

"""`eakte evidence`: RFC 4998 evidence records of the archived files: export, verify, seal, renew."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from eakte.cli.common import (
    DataOption,
    console,
    open_archive,
    out,
    require_archive,
    settings_for,
)
from eakte.cli.records import fail
from pipelines.settings import Settings

evidence_app = typer.Typer(
    help="Evidence records (RFC 4998) that prove an archived file unchanged."
)

CertificateOption = Annotated[
    Path | None,
    typer.Option(
        "--tsa-certificate",
        help="The TSA's certificate or CA (PEM) to trust (default: the configured one).",
    ),
]


@evidence_app.command("export")
def evidence_export(
    document_id: Annotated[str, typer.Argument(help="The document's id.")],
    output: Annotated[
        Path | None, typer.Option("--out", help="Write here (default DOCUMENT_ID.ers).")
    ] = None,
    original: Annotated[
        bool, typer.Option("--original", help="The record of the original scan, not the PDF/A.")
    ] = False,
    data: DataOption = None,
) -> None:
    """Write the evidence record (DER, RFC 4998) of a document's current PDF/A (or scan)."""
    from archive.evidence.records import Evidence

    settings = settings_for(data)
    archive = open_archive(settings)
    try:
        document = archive.get(document_id)
    finally:
        archive.close()
    if document is None:
        fail(f"no document {document_id}")
    sha = document.sha256_original if original else document.sha256_pdfa
    record = Evidence(settings.data_dir, settings.blob_dir).read(sha)
    what = "original scan" if original else "PDF/A"
    if record is None:
        fail(
            f"document {document_id}: its {what} has no evidence record yet (sealed at the end "
            "of each batch when a TSA is configured; `eakte evidence seal` seals it now)"
        )
    target = output or Path(f"{document_id}.ers")
    target.write_bytes(record)
    out.print(f"evidence record of the {what} of {document_id} (sha256 {sha}) written to {target}")


@evidence_app.command("verify")
def evidence_verify(
    record_file: Annotated[Path, typer.Argument(help="The evidence record (.ers, DER).")],
    data_file: Annotated[
        Path, typer.Option("--data-file", help="The file the record is about, e.g. the PDF.")
    ],
    tsa_certificate: CertificateOption = None,
    data: DataOption = None,
) -> None:
    """Check that FILE.ers proves DATA-FILE: every hash and timestamp in it (exit 1 if not)."""
    from archive.evidence.ers import verify_record
    from archive.evidence.records import file_digest

    for path in (record_file, data_file):
        if not path.is_file():
            fail(f"{path}: file not found")
    trust = tsa_certificate or settings_for(data).tsa_certificate
    if trust is None:
        fail(
            "no TSA certificate to trust: give --tsa-certificate or configure tsa_certificate "
            "(EAKTE_TSA_CERTIFICATE)"
        )
    report = verify_record(
        record_file.read_bytes(), file_digest(data_file), trust, name=str(record_file)
    )
    for number, stamp in enumerate(report.stamps, 1):
        out.print(
            f"  timestamp {number}: {stamp.describe()} ({stamp.hash_name})",
            highlight=False,
            soft_wrap=True,
        )
    if not report.ok:
        console.print(
            f"[red]{record_file} does not prove {data_file}: {report.problem}[/red]",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)
    first = report.stamps[0].gen_time.isoformat(timespec="seconds")
    out.print(
        f"{record_file} proves {data_file}: unchanged since {first} "
        f"({len(report.stamps)} timestamp(s), signatures checked against {trust})",
        highlight=False,
        soft_wrap=True,
    )


@evidence_app.command("seal")
def evidence_seal(data: DataOption = None) -> None:
    """Give every archived file that has none an evidence record now (one TSA request)."""
    from archive.evidence.records import Evidence

    settings = settings_for(data)
    sealed = Evidence(settings.data_dir, settings.blob_dir).seal(_tsa_url(settings))
    if sealed.stamp is None:
        out.print("every archived file already has an evidence record")
    else:
        out.print(f"{sealed.records} archived file(s) sealed: {sealed.stamp.describe()}")


@evidence_app.command("renew")
def evidence_renew(
    hash_tree: Annotated[
        bool,
        typer.Option(
            "--hash-tree",
            help="Rehash every file with --digest and start new chains (before the digest "
            "algorithm weakens); default: timestamp renewal (before the TSA's keys weaken).",
        ),
    ] = False,
    digest: Annotated[
        str, typer.Option("--digest", help="Digest for --hash-tree: sha256, sha384, sha512.")
    ] = "sha512",
    data: DataOption = None,
) -> None:
    """Renew every evidence record with one new archive timestamp (RFC 4998 section 5.2)."""
    from archive.evidence.records import Evidence

    settings = settings_for(data)
    url = _tsa_url(settings)
    evidence = Evidence(settings.data_dir, settings.blob_dir)
    sealed = evidence.renew_hashtrees(url, digest) if hash_tree else evidence.renew_timestamps(url)
    kind = f"hash-tree renewal ({digest})" if hash_tree else "timestamp renewal"
    if sealed.stamp is None:
        out.print(f"no evidence record to renew ({kind})")
    else:
        out.print(f"{kind} of {sealed.records} evidence record(s): {sealed.stamp.describe()}")


def _tsa_url(settings: Settings) -> str:
    require_archive(settings)
    url = settings.tsa_url
    if not url:
        from pipelines.trusted_time import NOT_CONFIGURED

        fail(f"nothing done: {NOT_CONFIGURED}")
    return url

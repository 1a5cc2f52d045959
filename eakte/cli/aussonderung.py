"""`eakte aussonderung`: the hand-over of due files to the municipal archive with xdomea
(0501 offer, 0502 appraisal, 0503 transfer, 0506 confirmation)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from eakte.cli.common import (
    DataOption,
    out,
)
from eakte.cli.records import TokenOption, fail, records_context, records_decision, todays_date

if TYPE_CHECKING:
    pass


aussonderung_app = typer.Typer(help="Hand-over to the archive with xdomea (0501-0506).")


VersionOption = Annotated[
    str, typer.Option("--xdomea-version", help="xdomea version: 3.1.0 or 3.0.0.")
]


OutOption = Annotated[Path, typer.Option("--out", help="Folder for the messages.")]


@aussonderung_app.command("offer")
def aussonderung_offer(
    out_dir: OutOption = Path("aussonderung"),
    version: VersionOption = "3.1.0",
    data: DataOption = None,
) -> None:
    """Offer every due file (not on hold) to the archive: a 0501 Anbieteverzeichnis."""
    from archive.aussonderung.transfer import offer

    _check_version(version)
    with records_context(data) as r:
        message = offer(
            r.archive, r.rules, out_dir, r.party(True), r.party(False),
            today=todays_date(), version=version,
        )  # fmt: skip
    if message is None:
        out.print("no file is due to be offered")
        return
    out.print(
        f"{message.path} offers {len(message.aktenzeichen)} Akten (process {message.process_id})"
    )


@aussonderung_app.command("appraise")
def aussonderung_appraise(
    message: Annotated[Path, typer.Argument(metavar="FILE", help="The archive's 0502.")],
    token: TokenOption = None,
    data: DataOption = None,
) -> None:
    """Apply the archive's appraisal (0502 Bewertungsverzeichnis): A archive, V destroy."""
    from archive.aussonderung.transfer import appraise

    with records_decision(data, token) as r:
        applied = appraise(r.archive, _readable(message), by=r.actor)
    for az, decision in sorted(applied.items()):
        out.print(f"{az}: {'archivwürdig (A)' if decision == 'A' else 'vernichten (V)'}")


@aussonderung_app.command("transfer")
def aussonderung_transfer(
    out_dir: OutOption = Path("aussonderung"),
    version: VersionOption = "3.1.0",
    data: DataOption = None,
) -> None:
    """Hand the files appraised A over: a 0503 package (XML and the PDF/A files)."""
    from archive.aussonderung.transfer import transfer

    _check_version(version)
    with records_context(data) as r:
        written = transfer(
            r.archive, r.rules, out_dir, r.party(True), r.party(False), version=version
        )
    if not written:
        out.print("no file is ready to be handed over")
    for message in written:
        out.print(f"{message.path}: {len(message.aktenzeichen)} Akten")


@aussonderung_app.command("confirm")
def aussonderung_confirm(
    message: Annotated[Path, typer.Argument(metavar="FILE", help="The archive's 0506.")],
    token: TokenOption = None,
    data: DataOption = None,
) -> None:
    """Apply the archive's import confirmation (0506)."""
    from archive.aussonderung.transfer import confirm

    with records_decision(data, token) as r:
        imported, failed = confirm(r.archive, _readable(message), by=r.actor)
    for az, archive_id in imported.items():
        kennung = f" als {archive_id}" if archive_id else ""
        out.print(f"{az}: vom Archiv übernommen{kennung}")
    for az, reason in failed.items():
        out.print(f"{az}: nicht übernommen ({reason}); wird erneut abgegeben")


def _check_version(version: str) -> None:
    from archive.records.xdomea import VERSIONS

    if version not in VERSIONS:
        fail(f"unknown xdomea version {version!r}: {', '.join(VERSIONS)}")


def _readable(path: Path) -> Path:
    if not path.is_file():
        fail(f"{path}: no such file")
    return path

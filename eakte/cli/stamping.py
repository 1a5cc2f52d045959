"""After every command: the audit chain's head gets a trusted timestamp if the command wrote
events, or the command says plainly that nothing was timestamped (no TSA configured).

Runs in the command line's boundary (eakte.cli.boundary), so no records command can forget
it; `eakte ingest` timestamps inside its batch and reports that itself.
"""

from __future__ import annotations

from datetime import datetime

from archive.evidence.audit_stamps import read_chain_head
from eakte.cli.common import console, head_at_start, settings_of_command, trusted_time_reported
from eakte.cli.views import print_trusted_time
from pipelines.settings import catalog_url
from pipelines.trusted_time import NOT_CONFIGURED, timestamp_archive


def after_command(started: datetime) -> None:
    """Timestamp the chain head the command left, if it has none yet; print what happened."""
    settings = settings_of_command.get()
    if settings is None or trusted_time_reported.get():
        return
    event_id, event_hash, at = read_chain_head(catalog_url(settings))
    if event_id == 0:
        return
    wrote = at is not None and at >= started
    if not settings.tsa_url:
        if wrote:
            console.print(f"[yellow]trusted time:[/] {NOT_CONFIGURED}", highlight=False)
        return
    report = timestamp_archive(
        settings.data_dir,
        (event_id, event_hash),
        settings,
        seal_blobs=False,
        head_before=head_at_start.get() or 0,
    )
    if report["audit"] or report["problems"]:
        print_trusted_time(console, report)

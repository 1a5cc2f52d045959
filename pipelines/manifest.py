"""The batch manifest: `batch.toml` (or `batch.yaml`) in a scan folder says who scanned what, how.

The scanning team writes it once per box. Its facts go into every document's transfer note
(Transfervermerk, BSI TR-03138), and its `default_aktenzeichen` files documents in which no
Aktenzeichen was read. A broken manifest refuses the whole batch before any document is
touched, because archiving a box under a wrong operator or Akte is worse than not archiving it.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from classifiers.fileplan import FilePlan, field_problems, load_file_plan
from pipelines.errors import PipelineError

__all__ = [
    "MANIFEST_NAMES",
    "PROTECTION_NEEDS",
    "BatchManifest",
    "ManifestError",
    "ScanProfile",
    "find_batch_manifest",
    "find_manifest",
    "is_manifest",
    "load_batch_manifest",
    "load_manifest",
]

# File names a manifest may have; `pipelines.inputs.discover` never takes them for scans.
MANIFEST_NAMES = ("batch.toml", "batch.yaml", "batch.yml")

ProtectionNeed = Literal["normal", "high", "very_high"]
#: Schutzbedarf levels (BSI IT-Grundschutz), lowest first.
PROTECTION_NEEDS: tuple[ProtectionNeed, ...] = ("normal", "high", "very_high")


class ManifestError(PipelineError):
    """A manifest that cannot be used; the message names the file and the problem."""


class _Strict(BaseModel):
    # Numbers are taken as text: `organisation_unit: 63` in YAML means the Amt "63".
    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True
    )


_Text = Field(default=None, min_length=1, max_length=200)


class ScanProfile(_Strict):
    """The scanner settings used for the whole batch (resolution, colour mode, duplex)."""

    dpi: int | None = Field(default=None, ge=50, le=2400)
    colour: Literal["bw", "grey", "colour"] | None = None
    duplex: bool | None = None


_DOCUMENT_ID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class BatchManifest(_Strict):
    """What the scanning team states about one batch; every field may be left out."""

    operator: str | None = _Text
    organisation_unit: str | None = _Text
    scanner: str | None = _Text
    box: str | None = _Text
    shelf: str | None = _Text
    # where the batch was scanned (TR-03138 transfer note): the place and the workstation
    scan_place: str | None = _Text
    workstation: str | None = _Text
    # the procedure documentation (Verfahrensdokumentation) the scanning followed: title, version
    procedure_documentation: str | None = _Text
    default_aktenzeichen: str | None = _Text
    # Schutzbedarf (BSI IT-Grundschutz); None: not stated, which is not the same as "normal".
    protection_need: ProtectionNeed | None = None
    profile: ScanProfile = ScanProfile()
    # Rescans: file name in the batch folder -> the id of the archived document it is a new
    # version of (e.g. a page was unreadable). The old version's files are kept.
    replaces: dict[str, Annotated[str, StringConstraints(pattern=_DOCUMENT_ID)]] = {}
    source: str | None = None  # the file it was read from; set by `load_manifest` only


def is_manifest(path: Path) -> bool:
    """True for a file named like a manifest: never a scan, so never a batch input.

    Exact names only: `Batch.TOML` is neither read nor skipped, so it shows up in the report
    (quarantined, not a document) instead of being silently ignored.
    """
    return path.name in MANIFEST_NAMES


def find_manifest(folder: Path) -> Path | None:
    """The manifest directly in `folder`; ManifestError if there is more than one."""
    found = [folder / name for name in MANIFEST_NAMES if (folder / name).is_file()]
    if len(found) > 1:
        raise ManifestError(
            f"{folder}: more than one batch manifest ({', '.join(p.name for p in found)}); keep one"
        )
    return found[0] if found else None


def load_manifest(
    path: Path,
    plan: FilePlan | None = None,
    *,
    operator_required_from: ProtectionNeed = "high",
) -> BatchManifest:
    """Read and check one manifest; with `plan`, also check it against the file plan.

    From the protection need `operator_required_from` up, the operator must be named: a
    replacement scan of such records must show who made it (TR-03138). Every problem is a
    ManifestError naming the file and the field, because the person who fixes it edits that
    file, not the code.
    """
    data = _read(path)
    if "source" in data:  # set by this loader, so that a note names the file it came from
        raise ManifestError(f"{path}: invalid batch manifest: source: unknown field")
    try:
        manifest = BatchManifest.model_validate({**data, "source": str(path)})
    except ValidationError as exc:
        raise ManifestError(
            f"{path}: invalid batch manifest: {field_problems(exc, 'manifest')}"
        ) from exc
    need = manifest.protection_need
    if (
        need is not None
        and manifest.operator is None
        and PROTECTION_NEEDS.index(need) >= PROTECTION_NEEDS.index(operator_required_from)
    ):
        raise ManifestError(
            f"{path}: operator: required at protection need {need!r} (required from"
            f" {operator_required_from!r} on): name who scanned the batch"
        )
    if plan is not None:
        _check_against_plan(path, manifest, plan)
    return manifest


def find_batch_manifest(paths: Iterable[str | Path]) -> Path | None:
    """The manifest in the deepest folder holding all of `paths` (folders or files), if any.

    Given the folders named on the command line, that is the box's folder even when the scans
    lie in sub-folders; given only the files of a batch (as the flow is), their common folder.
    """
    resolved = [Path(p).resolve() for p in paths]
    folders = sorted({str(p if p.is_dir() else p.parent) for p in resolved})
    return find_manifest(Path(os.path.commonpath(folders))) if folders else None


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{path}: not UTF-8 text: {exc}") from exc
    if path.suffix.lower() == ".toml":
        try:
            data: object = tomllib.loads(raw)
        except tomllib.TOMLDecodeError as exc:
            raise ManifestError(f"{path}: invalid TOML: {exc}") from exc
    else:
        try:
            import yaml  # PyYAML comes with Prefect; imported only for YAML manifests
        except ImportError as exc:
            raise ManifestError(f"{path}: YAML is not supported here; use batch.toml") from exc
        try:
            data = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise ManifestError(f"{path}: invalid YAML: {exc}") from exc
        data = {} if data is None else data
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: a batch manifest must be a table of fields")
    return data


def _check_against_plan(path: Path, manifest: BatchManifest, plan: FilePlan) -> None:
    scopes = plan.organisation_scopes
    # A plan without organisation units has nothing to check the Amt against: free text.
    if (
        manifest.organisation_unit is not None
        and scopes
        and manifest.organisation_unit not in scopes
    ):
        raise ManifestError(
            f"{path}: organisation_unit: {manifest.organisation_unit!r} is not an organisation"
            f" unit of the file plan ({', '.join(sorted(scopes))})"
        )
    # A mistyped default would file every unread document of the box into a wrong Akte.
    akz = manifest.default_aktenzeichen
    if akz is not None and not re.fullmatch(plan.aktenzeichen_pattern, akz):
        raise ManifestError(
            f"{path}: default_aktenzeichen: {akz!r} does not match the file plan's"
            f" Aktenzeichen pattern {plan.aktenzeichen_pattern}"
        )


def load_batch_manifest(
    paths: Iterable[str | Path],
    file_plan: Path | None,
    *,
    operator_required_from: ProtectionNeed = "high",
) -> BatchManifest | None:
    """The checked manifest of a batch (see `find_batch_manifest`); ManifestError if broken.

    The file plan (`None`: the bundled one) is read only when there is a manifest to check.
    """
    path = find_batch_manifest(paths)
    if path is None:
        return None
    return load_manifest(
        path, load_file_plan(file_plan), operator_required_from=operator_required_from
    )

"""Which files a batch consists of: files named, and every regular file below folders named.

What a scan folder holds besides scans is not read, but named in the batch report with the
reason (`Inputs.skipped`), so that the scanning team sees everything the folder held:

- Symbolic links are not followed (not to a file, not to a folder): a link can point anywhere
  on the machine (/etc/passwd, another office's share), and a scan folder is the scanning
  team's statement of what this box holds. A folder or file *named on the command line* is
  taken as named, link or not, like `find -H`.
- Hidden files and folders (name starting with a dot) are left alone: scanners and operating
  systems put their own files there (.DS_Store, ._name AppleDouble files, a scan still being
  written under a temporary dot-name), and ingesting a half-written scan would archive it for
  good. A real scan with a dot-name is renamed and ingested with the next run.
- Named pipes, sockets and devices are never opened (a pipe would block the batch for ever).
- A name that is not valid UTF-8 cannot be recorded in the catalog as it is: it is named, with
  its undecodable bytes written as `\\xNN`, for someone to rename.

Batch manifests (`batch.toml`, ...) describe the batch and are never inputs.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.manifest import is_manifest

LINK = "symbolic link, not followed: only files inside the scan folder are ingested"
HIDDEN_FILE = (
    "hidden file (name starts with a dot), not ingested: scanners and operating systems leave "
    "such files (.DS_Store, ._name, a scan still being written); rename it to ingest it"
)
HIDDEN_FOLDER = "hidden folder (name starts with a dot), not searched; rename it to ingest it"
NOT_UTF8 = "name is not valid UTF-8, so it cannot be recorded as it is; rename it"
_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


@dataclass(frozen=True)
class Inputs:
    """The batch's inputs in order, and what else was found, each with why it is left alone."""

    files: list[Path] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # shown name -> reason


def discover(paths: list[Path], exclude: Path | None = None) -> Inputs:
    """Every regular, visible file under `paths`, sorted, each once; `exclude` is passed over.

    Everything else found under the folders is in `skipped` with its reason.
    """
    found: dict[Path, None] = {}
    inputs = Inputs()
    skip = exclude.resolve() if exclude else None
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        root = path.resolve()  # named on the command line: taken as named, even a link
        if root.is_dir():
            _walk(root, skip, found, inputs.skipped)
        elif shown(root) != str(root):
            inputs.skipped[shown(root)] = NOT_UTF8
        elif not is_manifest(root) and not _excluded(root, skip):
            found.setdefault(root, None)
    inputs.files.extend(found)
    return inputs


def shown(path: Path | str) -> str:
    """A path as text that prints and stores everywhere: undecodable bytes as `\\xNN`."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _walk(
    folder: Path, skip: Path | None, found: dict[Path, None], skipped: dict[str, str]
) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: os.fsencode(e.name))
    except OSError as exc:
        skipped[shown(folder)] = f"folder cannot be read: {exc.strerror or exc}"
        return
    for entry in entries:
        path = Path(entry.path)
        if _excluded(path, skip) or is_manifest(path):
            continue
        if entry.is_symlink():
            skipped[shown(path)] = LINK
        elif shown(entry.name) != entry.name:
            skipped[shown(path)] = NOT_UTF8
        elif entry.name.startswith("."):
            is_folder = entry.is_dir(follow_symlinks=False)
            skipped[shown(path)] = HIDDEN_FOLDER if is_folder else HIDDEN_FILE
        elif entry.is_dir(follow_symlinks=False):
            _walk(path, skip, found, skipped)
        elif entry.is_file(follow_symlinks=False):
            found.setdefault(path, None)
        else:
            skipped[shown(path)] = f"not a regular file ({_kind(entry)}), not read"


def _excluded(path: Path, skip: Path | None) -> bool:
    return skip is not None and (path == skip or skip in path.parents)


def _kind(entry: os.DirEntry[str]) -> str:
    mode = entry.stat(follow_symlinks=False).st_mode
    return next((name for test, name in _KINDS if test(mode)), "not a file")

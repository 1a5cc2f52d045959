"""Which files a batch consists of: files named, and every file below folders named."""

from __future__ import annotations

from pathlib import Path

from pipelines.manifest import is_manifest


def discover(paths: list[Path], exclude: Path | None = None) -> list[Path]:
    """Every regular, non-hidden file under `paths`, sorted, each once; `exclude` is skipped.

    Batch manifests (`batch.toml`, ...) describe the batch and are never inputs.
    """
    found: dict[Path, None] = {}
    skip = exclude.resolve() if exclude else None
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        candidates = sorted(path.rglob("*")) if path.is_dir() else [path]
        for candidate in candidates:
            resolved = candidate.resolve()
            if skip and (resolved == skip or skip in resolved.parents):
                continue
            if any(part.startswith(".") for part in candidate.relative_to(path).parts if part):
                continue
            if candidate.is_file() and not is_manifest(candidate):
                found.setdefault(resolved, None)
    return list(found)

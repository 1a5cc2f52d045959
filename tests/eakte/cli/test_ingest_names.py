"""A batch's id names its folder in DATA/quarantine: whatever `--batch` says, the id is one
safe folder name, and the same name always gives the same id (so a rerun resumes)."""

from __future__ import annotations

import re

import pytest

from eakte.cli.ingest import batch_id_for

SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@pytest.mark.parametrize(
    "name",
    ["..", ".", "/", "a/../../b", "../../etc", "x\0y", "\0", "..\0..", "ÄÖÜ", "Коробка",
     "K" * 300, "." * 300, "a/" * 200, "\n", " - . - "],
)  # fmt: skip
def test_any_batch_name_gives_one_safe_folder_name(name: str) -> None:
    derived = batch_id_for(name)
    assert SAFE.fullmatch(derived), derived
    assert derived not in (".", "..") and "/" not in derived
    assert batch_id_for(name) == derived  # a rerun with the same name resumes the same batch


def test_ordinary_names_keep_their_readable_id() -> None:
    assert batch_id_for("Karton 17") == "Karton-17"
    assert batch_id_for("karton-17") == "karton-17"
    assert batch_id_for("Коробка") != batch_id_for("Ящик")

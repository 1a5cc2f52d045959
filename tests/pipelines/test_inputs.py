from pathlib import Path

import pytest

from pipelines.inputs import discover


def test_folders_are_walked_recursively_and_hidden_files_skipped(tmp_path: Path) -> None:
    (tmp_path / "box" / "folder").mkdir(parents=True)
    (tmp_path / "box" / "a.pdf").write_bytes(b"x")
    (tmp_path / "box" / "folder" / "b.tif").write_bytes(b"x")
    (tmp_path / "box" / ".DS_Store").write_bytes(b"x")
    (tmp_path / "box" / "data").mkdir()
    (tmp_path / "box" / "data" / "blob").write_bytes(b"x")
    found = discover(
        [tmp_path / "box", tmp_path / "box" / "a.pdf"], exclude=tmp_path / "box" / "data"
    )
    assert [p.name for p in found] == ["a.pdf", "b.tif"]


def test_missing_path_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nirgends"):
        discover([tmp_path / "nirgends"])

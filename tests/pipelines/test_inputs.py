import os
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
    assert [p.name for p in found.files] == ["a.pdf", "b.tif"]


def test_missing_path_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nirgends"):
        discover([tmp_path / "nirgends"])


@pytest.fixture
def box(tmp_path: Path) -> Path:
    """A scan folder with links out of it, hidden files and things that are not files."""
    outside = tmp_path / "anderswo"
    (outside / "akten").mkdir(parents=True)
    (outside / "fremd.pdf").write_bytes(b"%PDF-1.7 outside")
    (outside / "akten" / "drin.pdf").write_bytes(b"%PDF-1.7 outside too")
    box = tmp_path / "karton"
    (box / ".versteckt").mkdir(parents=True)
    (box / ".versteckt" / "scan.pdf").write_bytes(b"%PDF-1.7")
    (box / "scan.pdf").write_bytes(b"%PDF-1.7 inside")
    (box / ".versteckter-scan.pdf").write_bytes(b"%PDF-1.7")
    (box / "._scan.pdf").write_bytes(b"\0\5\26\7")  # macOS AppleDouble
    (box / "passwort").symlink_to("/etc/passwd")
    (box / "fremd.pdf").symlink_to(outside / "fremd.pdf")
    (box / "akten").symlink_to(outside / "akten")
    (box / "kaputt.pdf").symlink_to(tmp_path / "gibt-es-nicht.pdf")
    (box / "schleife").symlink_to(box)
    os.mkfifo(box / "rohr")
    return box


def test_symbolic_links_are_not_followed_and_each_gets_a_reason(box: Path) -> None:
    found = discover([box])
    assert found.files == [box.resolve() / "scan.pdf"]
    links = ("passwort", "fremd.pdf", "akten", "kaputt.pdf", "schleife")
    for name in links:
        assert "symbolic link, not followed" in found.skipped[str(box.resolve() / name)], name
    assert not any("anderswo" in source for source in found.skipped)  # never resolved


def test_hidden_files_and_folders_are_named_with_the_reason(box: Path) -> None:
    skipped = discover([box]).skipped
    for name in (".versteckter-scan.pdf", "._scan.pdf"):
        assert skipped[str(box.resolve() / name)].startswith("hidden file"), name
    assert skipped[str(box.resolve() / ".versteckt")].startswith("hidden folder")
    assert not any(source.endswith(".versteckt/scan.pdf") for source in skipped)  # one line


def test_a_named_pipe_is_not_opened(box: Path) -> None:
    assert (
        "not a regular file (a named pipe)" in discover([box]).skipped[str(box.resolve() / "rohr")]
    )


def test_a_name_that_is_not_utf8_is_named_readably(tmp_path: Path) -> None:
    box = tmp_path / "karton"
    box.mkdir()
    (Path(os.fsdecode(bytes(box) + b"/scan-\xe4.pdf"))).write_bytes(b"%PDF")
    for named in ([box], [Path(os.fsdecode(bytes(box) + b"/scan-\xe4.pdf"))]):
        found = discover(named)
        assert found.files == []
        [(source, reason)] = found.skipped.items()
        assert source.endswith("scan-\\xe4.pdf") and "not valid UTF-8" in reason
        source.encode("utf-8")  # printable and storable as it is


def test_a_folder_named_on_the_command_line_may_itself_be_a_link(tmp_path: Path, box: Path) -> None:
    (tmp_path / "aktuell").symlink_to(box)
    assert discover([tmp_path / "aktuell"]).files == [box.resolve() / "scan.pdf"]

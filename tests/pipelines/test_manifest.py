"""The batch manifest: read, checked against the file plan, never taken for a scan."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers.fileplan import FilePlan, load_file_plan
from pipelines.inputs import discover
from pipelines.manifest import (
    BatchManifest,
    ManifestError,
    find_batch_manifest,
    find_manifest,
    load_batch_manifest,
    load_manifest,
)

FULL = """
operator = "M. Muster"
organisation_unit = "63"
scanner = "Fujitsu fi-7160"
box = "Karton 17"
shelf = "Regal B-04"
default_aktenzeichen = "63-BG-2019-0042"
protection_need = "high"

[profile]
dpi = 300
colour = "grey"
duplex = true
"""


@pytest.fixture(scope="module")
def plan() -> FilePlan:
    return load_file_plan()


def _write(folder: Path, text: str, name: str = "batch.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_full_manifest_is_read(tmp_path: Path, plan: FilePlan) -> None:
    path = _write(tmp_path, FULL)
    manifest = load_manifest(path, plan)
    assert manifest.operator == "M. Muster"
    assert manifest.organisation_unit == "63"
    assert manifest.scanner == "Fujitsu fi-7160"
    assert (manifest.box, manifest.shelf) == ("Karton 17", "Regal B-04")
    assert manifest.default_aktenzeichen == "63-BG-2019-0042"
    assert manifest.protection_need == "high"
    assert (manifest.profile.dpi, manifest.profile.colour, manifest.profile.duplex) == (
        300,
        "grey",
        True,
    )
    assert manifest.source == str(path)


def test_minimal_manifest_leaves_the_rest_unstated(tmp_path: Path, plan: FilePlan) -> None:
    manifest = load_manifest(_write(tmp_path, 'operator = "M. Muster"\n'), plan)
    assert manifest.operator == "M. Muster"
    assert manifest.protection_need is None and manifest.scanner is None
    assert manifest.profile.dpi is None and manifest.default_aktenzeichen is None


def test_yaml_manifest_reads_like_toml(tmp_path: Path, plan: FilePlan) -> None:
    pytest.importorskip("yaml")
    text = "operator: M. Muster\norganisation_unit: 63\nprofile:\n  dpi: 300\n  colour: bw\n"
    manifest = load_manifest(_write(tmp_path, text, "batch.yaml"), plan)
    assert manifest.organisation_unit == "63"  # a bare number in YAML still names the Amt
    assert manifest.profile.colour == "bw"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('operator = "M. Muster"\nscaner = "fi-7160"\n', "scaner"),
        ('protection_need = "medium"\n', "protection_need"),
        ('[profile]\ncolour = "sepia"\n', "profile.colour"),
        ("[profile]\ndpi = 12\n", "profile.dpi"),
        ('operator = ""\n', "operator"),
        ('organisation_unit = "99"\n', "organisation_unit"),
        ('default_aktenzeichen = "Karton 17"\n', "default_aktenzeichen"),
        ('source = "x"\n', "source"),
        ('operator = "unterminated\n', "invalid TOML"),
    ],
)
def test_problems_name_the_file_and_the_field(
    tmp_path: Path,
    plan: FilePlan,
    text: str,
    field: str,
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ManifestError) as raised:
        load_manifest(path, plan)
    message = str(raised.value)
    assert str(path) in message and field in message, message


def test_organisation_unit_is_free_text_when_the_plan_has_none(
    tmp_path: Path,
    plan: FilePlan,
) -> None:
    bare = plan.model_copy(update={"organisation_units": []})
    assert load_manifest(_write(tmp_path, 'organisation_unit = "99"\n'), bare).organisation_unit
    assert load_manifest(tmp_path / "batch.toml").organisation_unit == "99"  # no plan: unchecked


def test_two_manifests_in_one_folder_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, 'operator = "A"\n')
    _write(tmp_path, "operator: B\n", "batch.yml")
    with pytest.raises(ManifestError, match="more than one batch manifest"):
        find_manifest(tmp_path)


def test_manifest_is_not_an_input_and_is_found_for_the_batch(tmp_path: Path) -> None:
    box = tmp_path / "karton-17"
    (box / "mappe").mkdir(parents=True)
    (box / "a.pdf").write_bytes(b"%PDF")
    (box / "mappe" / "b.tif").write_bytes(b"II*")
    (box / "mappe" / "batch.yaml").write_text("operator: X\n")  # never a scan, wherever it is
    manifest = _write(box, FULL)
    sources = discover([box, manifest]).files
    assert [p.name for p in sources] == ["a.pdf", "b.tif"]
    assert find_batch_manifest([str(s) for s in sources]) == manifest.resolve()
    assert find_batch_manifest([]) is None


def test_the_named_folder_holds_the_manifest_even_when_scans_lie_deeper(tmp_path: Path) -> None:
    box = tmp_path / "karton-17"
    (box / "mappe").mkdir(parents=True)
    (box / "mappe" / "b.tif").write_bytes(b"II*")
    manifest = _write(box, FULL)
    assert find_batch_manifest([box]) == manifest.resolve()  # what the CLI knows
    assert find_batch_manifest([box / "mappe" / "b.tif"]) is None  # only the files: too deep
    assert load_batch_manifest([box], None).operator == "M. Muster"  # type: ignore[union-attr]


def test_an_empty_model_is_a_batch_without_statements() -> None:
    assert BatchManifest().model_dump(exclude_none=True) == {"profile": {}, "replaces": {}}


def test_rescans_name_the_document_they_replace(tmp_path: Path, plan: FilePlan) -> None:
    doc_id = "6f1c0a4e-1111-2222-3333-444455556666"
    path = _write(tmp_path, f'[replaces]\n"bescheid-nachscan.pdf" = "{doc_id}"\n')
    assert load_manifest(path, plan).replaces == {"bescheid-nachscan.pdf": doc_id}
    (tmp_path / "b").mkdir()
    bad = _write(tmp_path / "b", '[replaces]\n"x.pdf" = "../../catalog"\n')
    with pytest.raises(ManifestError, match=r"batch\.toml.*replaces"):
        load_manifest(bad, plan)


def test_the_scanning_place_and_procedure_documentation_are_read(
    tmp_path: Path, plan: FilePlan
) -> None:
    path = _write(tmp_path, FULL.replace(
        "[profile]",
        'scan_place = "Rathaus, Raum 1.12"\nworkstation = "Scan-PC 2"\n'
        'procedure_documentation = "VD Ersetzendes Scannen, Version 2.1 vom 01.02.2026"\n\n'
        "[profile]",
    ))  # fmt: skip
    manifest = load_manifest(path, plan)
    assert (manifest.scan_place, manifest.workstation) == ("Rathaus, Raum 1.12", "Scan-PC 2")
    assert manifest.procedure_documentation.startswith("VD Ersetzendes Scannen")


@pytest.mark.parametrize(
    ("need", "required_from", "refused"),
    [
        ("high", "high", True),
        ("very_high", "high", True),
        ("normal", "high", False),
        ("normal", "normal", True),
        ("very_high", "very_high", True),
        ("high", "very_high", False),
    ],
)
def test_the_operator_is_required_from_the_configured_protection_need(
    tmp_path: Path, plan: FilePlan, need: str, required_from: str, refused: bool
) -> None:
    path = _write(tmp_path, f'protection_need = "{need}"\nscanner = "Fujitsu fi-7160"\n')
    if refused:
        with pytest.raises(ManifestError, match=rf"{path}: operator: .*required.*{need}"):
            load_manifest(path, plan, operator_required_from=required_from)
    else:
        assert load_manifest(path, plan, operator_required_from=required_from).operator is None
    stated = _write(tmp_path, f'protection_need = "{need}"\noperator = "M. Muster"\n')
    assert load_manifest(stated, plan, operator_required_from=required_from).operator


def test_by_default_the_operator_is_required_from_high(tmp_path: Path) -> None:
    _write(tmp_path, 'protection_need = "high"\n')
    with pytest.raises(ManifestError, match="operator"):
        load_batch_manifest([tmp_path], None)

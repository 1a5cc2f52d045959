"""The ingest flow records its parameters as Prefect would, without importing FastAPI."""

from __future__ import annotations

import threading
from pathlib import Path

from prefect.flows import Flow

from pipelines.flow import ingest_batch
from pipelines.flow_parameters import IngestFlow
from pipelines.manifest import BatchManifest, ScanProfile
from pipelines.settings import Settings
from tests.support.commands import run_eakte


def _parameters(tmp_path: Path) -> dict[str, object]:
    """An ingest's parameters with every kind of value a field of them can hold."""
    settings = Settings(
        data_dir=tmp_path / "data",
        blob_dir=tmp_path / "blobs",
        file_plan=None,
        languages=("deu", "eng"),
        review_threshold=0.75,
        user="Müller",
    )
    manifest = BatchManifest(
        operator="Frau Özdemir",
        organisation_unit=63,  # a number in YAML: taken as text
        protection_need="high",
        profile=ScanProfile(dpi=300, colour="grey", duplex=True),
        replaces={"seite-2.tif": "0b5c8a0e-7d1f-5c3e-9a4b-2f6e8d1c3a5b"},
        source=str(tmp_path / "batch.toml"),
    )
    return {
        "sources": [str(tmp_path / "inbox" / "ä 1.tif"), str(tmp_path / "inbox" / "b.pdf")],
        "batch_id": "Karton-7",
        "batch_name": "Karton 7",
        "settings": settings,
        "manifest": manifest,
        "skipped": {str(tmp_path / "inbox" / ".hidden"): "hidden file"},
    }


def test_the_parameters_are_recorded_as_prefects_own_serialisation_records_them(
    tmp_path: Path,
) -> None:
    flow = IngestFlow(ingest_batch, name="eakte-ingest")
    parameters = _parameters(tmp_path)
    assert flow.serialize_parameters(parameters) == Flow.serialize_parameters(flow, parameters)
    empty = {**parameters, "manifest": None, "skipped": None, "sources": []}
    assert flow.serialize_parameters(empty) == Flow.serialize_parameters(flow, empty)


def test_a_value_without_json_form_is_recorded_by_its_type_name_as_prefect_does(
    tmp_path: Path,
) -> None:
    flow = IngestFlow(ingest_batch, name="eakte-ingest")
    parameters = {**_parameters(tmp_path), "skipped": threading.Lock()}
    recorded = flow.serialize_parameters(parameters)
    assert recorded["skipped"] == "<lock>"
    assert recorded == Flow.serialize_parameters(flow, parameters)


def test_an_ingest_does_not_import_fastapi(tmp_path: Path, prefect_api: str) -> None:
    """FastAPI is for `eakte serve`; an ingest's flow run must not load it (0.1 core-s)."""
    (tmp_path / "inbox").mkdir()
    result = run_eakte(
        "ingest",
        str(tmp_path / "inbox"),
        "--data",
        str(tmp_path / "data"),
        "--json",
        api=prefect_api,
        env={"PYTHONPROFILEIMPORTTIME": "1"},
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert "pipelines.flow" in imported  # the flow ran in this process
    assert not {name for name in imported if name.split(".")[0] == "fastapi"}

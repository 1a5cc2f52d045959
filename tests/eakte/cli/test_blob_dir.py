"""EAKTE_BLOB_DIR puts the blob store on a path of its own (storage several machines share):
the archive stores there, and `eakte verify` checks there."""

from __future__ import annotations

from pathlib import Path

from archive.blobs import BlobStore
from archive.store import Archive
from tests.support.commands import invoke_eakte
from tests.support.documents import store_document


def test_blobs_go_to_the_blob_dir_and_verify_checks_them_there(tmp_path: Path) -> None:
    data, shared = tmp_path / "data", tmp_path / "nfs" / "eakte-blobs"
    archive = Archive(data, blob_dir=shared)
    archive.start_batch("karton-1", "Karton 1")
    document = store_document(archive, tmp_path, "eins", "schriftverkehr", "archived")
    stored = archive.get(document)
    archive.close()
    assert stored is not None
    blobs = {stored.sha256_original, stored.sha256_pdfa}
    assert set(BlobStore(shared)) == blobs
    assert not (data / "blobs").exists()  # nothing in the data directory

    env = {"EAKTE_CONFIG": str(tmp_path / "none.toml"), "EAKTE_DATABASE_URL": None}
    with_dir = invoke_eakte(
        "verify", "--data", str(data), env={**env, "EAKTE_BLOB_DIR": str(shared)}
    )
    assert with_dir.exit_code == 0, with_dir.output
    without = invoke_eakte("verify", "--data", str(data), env={**env, "EAKTE_BLOB_DIR": None})
    said = " ".join(without.output.split())
    assert without.exit_code == 1
    assert all(f"blob {sha} is missing" in said for sha in blobs), said

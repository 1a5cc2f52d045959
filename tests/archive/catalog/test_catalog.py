"""The catalog schema: archives made by older versions are upgraded when they are opened."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, text

from archive.catalog import catalog_engine, upgrade
from archive.store import Archive
from tests.support.catalogs import connect, empty_catalog_url


def test_an_archive_of_revision_0001_is_upgraded_on_opening(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    engine = catalog_engine(empty_catalog_url(data))
    upgrade(engine, "0001")
    at = datetime(2025, 1, 2, tzinfo=UTC)
    with engine.begin() as connection:
        assert "label_source" not in {
            c["name"] for c in inspect(connection).get_columns("documents")
        }
        connection.execute(
            text("INSERT INTO batches (id, name, started_at) VALUES ('b1', 'Karton 1', :at)"),
            {"at": at},
        )
        connection.execute(
            text(
                "INSERT INTO documents (id, sha256_original, sha256_pdfa, source_name,"
                " source_kind, batch_id, status, doc_type, doc_label, aktenplan_unit, tax_secret,"
                " confidence, title, page_count, ocr_applied, file_plan_version, facts,"
                " archived_at) VALUES ('d1', :sha, :sha2, 'alt.pdf', 'pdf', 'b1', 'archived',"
                " 'bauantrag', 'Bauantrag', '6.1.3', :no, 0.9, 'Bauantrag', 1, :yes, 'v1', '{}', :at)"
            ),
            {"sha": "a" * 64, "sha2": "b" * 64, "at": at, "no": False, "yes": True},
        )
        connection.execute(
            text(
                "INSERT INTO pages (document_id, number, source, text)"
                " VALUES ('d1', 1, 'ocr', 'Antrag auf Baugenehmigung')"
            )
        )
    engine.dispose()

    archive = Archive(data)
    try:
        with connect(data) as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("documents")}
        assert {"label_source", "reviewed_by", "reviewed_at"} <= columns
        doc = archive.get("d1")
        assert doc is not None
        assert (doc.label_source, doc.reviewed_by, doc.reviewed_at) == ("rule", None, None)
        assert doc.text == "Antrag auf Baugenehmigung"  # pages survived the upgrade
        # Documents filed by the rules before the upgrade are confirmed training data.
        assert list(archive.training_documents()) == [
            ("d1", "Antrag auf Baugenehmigung", "bauantrag")
        ]
    finally:
        archive.close()

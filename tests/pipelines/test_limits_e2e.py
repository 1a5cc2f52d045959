"""A batch with the tiny files that cost gigabytes or days: each quarantined before OCR with
the limit it broke, the batch goes on, and the archive verifies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanmaker import write_scan
from tests.support.commands import run_eakte, run_json
from tests.support.hostile_pdfs import huge_page_pdf, many_pages_pdf, user_unit_pdf

pytestmark = pytest.mark.slow


def test_hostile_sizes_are_quarantined_with_their_limit_and_the_batch_goes_on(
    tmp_path: Path, prefect_api: str
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    many_pages_pdf(inbox / "a-20000-seiten.pdf")
    user_unit_pdf(inbox / "b-userunit.pdf")
    huge_page_pdf(inbox / "c-riesig.pdf")
    lines = ["Stadt Musterstadt - Bauaufsicht", "Bauantrag Nummer 7", "Hiermit beantrage ich"]
    write_scan([lines], inbox / "d-antrag.png", "png", seed=7)
    data = tmp_path / "data"

    report = run_json("ingest", str(inbox), "--data", str(data), "--batch", "gr", api=prefect_api)

    by_name = {Path(d["source"]).name: d for d in report["documents"]}
    assert by_name["d-antrag.png"]["status"] in ("archived", "needs_review")
    many, unit, huge = (
        by_name[n] for n in ("a-20000-seiten.pdf", "b-userunit.pdf", "c-riesig.pdf")
    )
    assert many["status"] == unit["status"] == huge["status"] == "quarantined"
    assert "20000 pages, more than the limit of 2000" in many["reason"]
    assert "UserUnit 75000" in unit["reason"] and "larger than 5 m" in unit["reason"]
    assert "megapixels" in huge["reason"] and "limit of 250 megapixels" in huge["reason"]
    for line in (many, unit):  # refused at intake, before an OCR process was started
        assert "OCR" not in line["reason"]
    assert (data / "work").is_dir() and not any((data / "work").iterdir())
    run_eakte("verify", "--data", str(data), api=prefect_api)


def test_the_page_limit_is_a_setting(tmp_path: Path, prefect_api: str) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_scan([["Seite eins"], ["Seite zwei"], ["Seite drei"]], inbox / "drei.tif", "tiff")
    result = run_eakte(
        "ingest", str(inbox), "--data", str(tmp_path / "data"), "--json",
        api=prefect_api, env={"EAKTE_MAX_PAGES": "2"},
    )  # fmt: skip
    line = json.loads(result.stdout)["documents"][0]
    assert line["status"] == "quarantined"
    assert "3 pages, more than the limit of 2 pages" in line["reason"]

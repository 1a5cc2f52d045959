"""The file plan as records management reads it: which unit an Aktenzeichen names."""

from __future__ import annotations

from classifiers.fileplan import load_file_plan
from pipelines.records_plan import filing_plan


def test_the_aktenzeichen_names_the_unit_of_its_akte() -> None:
    filing = filing_plan(load_file_plan())
    assert filing.units_for("63-BG-1990-0200") == ["6.1.3"]  # whatever is filed into it
    assert filing.units_for("22-GS-2009-00017") == ["9.2.1"]
    assert filing.units_for("10-RB-2023-0042") == ["0.3.1"]
    assert filing.units_for("63-XY-2020-0001") == []  # no unit: assigned by hand
    bau = filing.rules["6.1.3"]
    assert "Ablehnung des Bauantrags" in bau.events and "Rücknahme des Bauantrags" in bau.events

"""The file plan loads, is consistent, and bad plans fail with the file named."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from classifiers.fileplan import FilePlan, FilePlanError, load_file_plan
from scanmaker import DOC_TYPES

REQUIRED_KEYS = set(DOC_TYPES)  # the types the sample generator writes documents for
TAX_KEYS = {k for k in REQUIRED_KEYS if k.endswith("steuerbescheid")}


def _default_toml() -> str:
    return resources.files("classifiers").joinpath("default_fileplan.toml").read_text("utf-8")


def test_default_plan_loads_with_required_types(plan: FilePlan) -> None:
    keys = {t.key for t in plan.types}
    assert len(plan.types) >= 12
    assert keys >= REQUIRED_KEYS
    assert plan.fallback_type == "schriftverkehr"
    assert 0 < plan.review_threshold < 1


def test_every_type_files_into_an_existing_unit(plan: FilePlan) -> None:
    for t in plan.types:
        assert plan.unit(t.unit).id == t.unit
        assert t.strong or t.key == plan.fallback_type


def test_tax_types_are_secret_and_kept_ten_years_from_closing(plan: FilePlan) -> None:
    for key in TAX_KEYS:
        t = plan.doc_type(key)
        assert t.tax, key
        rule = plan.unit(t.unit).retention
        assert (rule.years, rule.trigger) == (10, "closing")
        # § 147 AO binds taxpayers, not the tax office's own files: the plan recommends
        assert "147" not in rule.legal_basis and "§§ 169-171" in rule.legal_basis
        assert rule.legal_basis.startswith("Empfehlung, vom Registraturverantwortlichen")
    assert not plan.doc_type("bauantrag").tax


def test_building_records_are_event_based_or_permanent(plan: FilePlan) -> None:
    for key in ("baugenehmigung", "bauzeichnung", "standsicherheitsnachweis", "abnahmeschein"):
        rule = plan.unit(plan.doc_type(key).unit).retention
        assert rule.years is None or (rule.trigger == "event" and rule.events)
        assert rule.legal_basis


def test_schriftverkehr_six_years(plan: FilePlan) -> None:
    rule = plan.unit(plan.doc_type("schriftverkehr").unit).retention
    assert rule.years == 6


def test_default_aktenzeichen_pattern(plan: FilePlan) -> None:
    import re

    pattern = re.compile(plan.aktenzeichen_pattern)
    assert pattern.search("Az.: 63-BG-2024-0117")
    assert pattern.search("22-GS-2024-00012")
    assert not pattern.search("6-BG-2024-0117")
    assert not pattern.search("63-BAUGEN-2024-0117")


def test_lookups_raise_keyerror(plan: FilePlan) -> None:
    with pytest.raises(KeyError):
        plan.unit("99.99")
    with pytest.raises(KeyError):
        plan.doc_type("nope")


def test_explicit_path_loads_same_plan(tmp_path: Path, plan: FilePlan) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(_default_toml(), encoding="utf-8")
    assert load_file_plan(path) == plan


def _write_modified(tmp_path: Path, old: str, new: str) -> Path:
    text = _default_toml()
    assert old in text
    path = tmp_path / "broken_plan.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('unit = "9.2.1"', 'unit = "9.9.9"', "unknown unit"),
        ('key = "gewerbesteuerbescheid"', 'key = "grundsteuerbescheid"', "duplicate type keys"),
        ('id = "9.2.2"', 'id = "9.2.1"', "duplicate unit ids"),
        ('fallback_type = "schriftverkehr"', 'fallback_type = "sonstiges"', "fallback_type"),
        ("aktenzeichen_pattern = '", "aktenzeichen_pattern = '(", "regex"),
        ('key = "bauantrag"', 'key = "Bau Antrag"', "types.5.key"),
        ('trigger = "closing"', 'trigger = "sometime"', "trigger"),
        ('iban_countries = ["DE"]', 'iban_countries = ["Deutschland"]', "iban_countries"),
        ('units = ["9.2", "0.3.1"]', 'units = ["9.20"]', "unknown Aktenplan unit '9.20'"),
        ('id = "63"', 'id = "22"', "duplicate organisation unit ids"),
    ],
)
def test_bad_plan_names_file_and_problem(tmp_path: Path, old: str, new: str, problem: str) -> None:
    path = _write_modified(tmp_path, old, new)
    with pytest.raises(FilePlanError) as info:
        load_file_plan(path)
    message = str(info.value)
    assert str(path) in message
    assert problem in message


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "syntax.toml"
    bad.write_text("name = ", encoding="utf-8")
    with pytest.raises(FilePlanError, match=r"syntax\.toml.*invalid TOML"):
        load_file_plan(bad)
    missing = tmp_path / "missing.toml"
    with pytest.raises(FilePlanError, match=r"missing\.toml"):
        load_file_plan(missing)


def test_event_trigger_requires_event_name(tmp_path: Path) -> None:
    named = 'events = ["Abriss des Gebäudes (Beseitigung der baulichen Anlage)"], legal_basis'
    path = _write_modified(tmp_path, named, "legal_basis")
    with pytest.raises(FilePlanError, match=r"broken_plan\.toml.*needs 'events'"):
        load_file_plan(path)


def test_one_event_as_older_plans_wrote_it_is_still_read(tmp_path: Path) -> None:
    named = 'events = ["Abriss des Gebäudes (Beseitigung der baulichen Anlage)"]'
    path = _write_modified(tmp_path, named, 'event = "Abriss"')
    assert load_file_plan(path).unit("6.1.4").retention.events == ["Abriss"]


def test_no_statute_for_taxpayers_or_merchants_is_cited_as_binding(plan: FilePlan) -> None:
    for unit in plan.units:
        basis = unit.retention.legal_basis
        assert "147" not in basis and "HGB" not in basis, unit.id
        assert basis.startswith("Empfehlung, vom Registraturverantwortlichen zu bestätigen"), (
            unit.id
        )


def test_a_broken_unit_pattern_is_named(tmp_path: Path) -> None:
    path = _write_modified(
        tmp_path, "aktenzeichen_pattern = '63-BG-", "aktenzeichen_pattern = '(63-BG-"
    )
    with pytest.raises(
        FilePlanError, match=r"broken_plan\.toml.*unit 6\.1\.3: aktenzeichen_pattern"
    ):
        load_file_plan(path)


def test_plan_is_frozen(plan: FilePlan) -> None:
    with pytest.raises(ValueError):
        plan.name = "other"  # type: ignore[misc]


def test_default_toml_is_plain_toml() -> None:
    data = tomllib.loads(_default_toml())
    assert {t["key"] for t in data["types"]} >= REQUIRED_KEYS


def test_iban_countries_default_to_germany_and_are_configurable(
    tmp_path: Path, plan: FilePlan
) -> None:
    assert plan.iban_countries == ["DE"]
    path = _write_modified(tmp_path, 'iban_countries = ["DE"]', 'iban_countries = ["DE", "AT"]')
    assert load_file_plan(path).iban_countries == ["DE", "AT"]


def test_organisation_units_resolve_to_aktenplan_units(plan: FilePlan) -> None:
    scopes = plan.organisation_scopes
    assert scopes["63"] == ("6.1", "0.3.1") and scopes["22"] == ("9.2", "0.3.1")
    building = {t.unit for t in plan.types if t.unit.startswith("6.")}
    assert building and all(u.startswith("6.1.") for u in building)

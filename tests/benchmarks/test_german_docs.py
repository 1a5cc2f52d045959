"""The generator of German municipal documents: deterministic, complete, and honest truth."""

from __future__ import annotations

import re
from pathlib import Path

from stdnum import iban as std_iban
from stdnum.de import idnr as std_idnr
from stdnum.de import stnr as std_stnr

from benchmarks.german_docs import TYPES, generate, main, write_folder
from classifiers.fileplan import load_file_plan
from pipelines.labelled import read_labelled_folder


def test_same_seed_same_documents_other_seed_others() -> None:
    first, again, other = generate(40, seed=3), generate(40, seed=3), generate(40, seed=4)
    assert first == again
    assert {d.text for d in first}.isdisjoint({d.text for d in other})


def test_every_type_of_the_default_plan_is_generated() -> None:
    plan_types = {t.key for t in load_file_plan().types}
    assert set(TYPES) == plan_types
    docs = generate(3 * len(TYPES), seed=1)
    assert {d.doc_type for d in docs} == plan_types


def test_truth_holds_only_valid_identifiers_that_are_printed() -> None:
    checks = {
        "steuer_idnr": std_idnr.is_valid,
        "iban": lambda v: std_iban.is_valid(v) and v.startswith("DE"),
        "steuernummer": std_stnr.is_valid,
    }
    for doc in generate(300, seed=5):
        digits_only = re.sub(r"[\s/]", "", doc.text)
        for kind, values in doc.truth.items():
            for value in values:
                if kind in checks:
                    assert checks[kind](value), (kind, value)
                    assert re.sub(r"[\s/]", "", value) in digits_only, (kind, value)
                elif kind == "aktenzeichen":
                    assert value in doc.text


def test_decoys_are_printed() -> None:
    """Foreign IBANs, DE IBANs failing mod 97, IdNrs with a wrong check digit, birthdays."""
    text = "\n".join(d.text for d in generate(600, seed=6))
    ibans = {
        std_iban.compact(m)
        for m in re.findall(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?", text)
    }
    assert any(i[:2] != "DE" and std_iban.is_valid(i) for i in ibans)
    assert any(i[:2] == "DE" and not std_iban.is_valid(i) for i in ibans)
    grouped = re.findall(r"(?:Identifikationsnummer|Steuer-IdNr\.): ([\d ]+)", text)
    assert any(not std_idnr.is_valid(n.replace(" ", "")) for n in grouped)
    assert "geb. am" in text and "zahlbar bis" in text and "Eingegangen am" in text


def test_noise_changes_words_but_not_identifiers() -> None:
    clean, noisy = generate(20, seed=8, noise=0.0), generate(20, seed=8, noise=0.05)
    assert [d.truth for d in clean] == [d.truth for d in noisy]
    assert sum(a.text != b.text for a, b in zip(clean, noisy, strict=True)) >= 18


def test_written_folder_is_a_labelled_folder(tmp_path: Path) -> None:
    docs = generate(26, seed=2)
    write_folder(docs, tmp_path / "set")
    read = read_labelled_folder(tmp_path / "set")
    assert read.problems == []
    assert sorted(read.labels) == sorted(d.doc_type for d in docs)
    assert sorted(t.strip() for t in read.texts) == sorted(d.text.strip() for d in docs)


def test_command_line_writes_the_folder(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--out", str(tmp_path / "out"), "--n", "13", "--seed", "1"]) == 0
    assert len(list((tmp_path / "out").rglob("*.txt"))) == 13
    assert "13 documents" in capsys.readouterr().out

"""The `eakte` command's error boundary: a user's error exits 2 with its message; a bug exits 1
as an internal error, its traceback in DATA/logs/eakte.log (on stderr without a data directory).

`data` (conftest.py) is an empty archive.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import classifiers.fileplan
from archive.search import SearchQueryError
from eakte.cli.app import app

runner = CliRunner()


def _fileplan_raising(exc: Exception, data: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    """`eakte fileplan` with EAKTE_DATA=data, raising `exc` where it reads the file plan."""

    def fail(*_args: object, **_kwargs: object) -> None:
        raise exc

    monkeypatch.setenv("EAKTE_DATA", str(data))
    monkeypatch.setattr(classifiers.fileplan, "load_file_plan", fail)
    return runner.invoke(app, ["fileplan"])


def test_a_bug_is_an_internal_error_with_its_traceback_in_the_data_directory(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _fileplan_raising(RuntimeError("the plan reader broke"), data, monkeypatch)
    assert result.exit_code == 1
    log = data / "logs" / "eakte.log"
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("internal error") and "RuntimeError: the plan reader broke" in line
    assert line.endswith(f"the full traceback is in {log}")
    assert "Traceback" not in result.output
    logged = log.read_text(encoding="utf-8")
    assert "internal error in `eakte fileplan`" in logged
    assert "Traceback" in logged and "RuntimeError: the plan reader broke" in logged


def test_without_a_data_directory_the_traceback_goes_to_stderr(
    tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _fileplan_raising(KeyError("unit"), tmp_path / "nowhere", monkeypatch)
    assert result.exit_code == 1
    assert "Traceback" in result.stderr and "KeyError: 'unit'" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("internal error") and last.endswith("the full traceback is above")
    assert not (tmp_path / "nowhere").exists()


def test_a_user_error_is_its_message_and_exit_2(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _fileplan_raising(SearchQueryError("cannot read the query '('"), data, monkeypatch)
    assert result.exit_code == 2
    assert result.stderr.strip() == "cannot read the query '('"
    assert not (data / "logs").exists()


def test_a_real_user_error_reaches_the_boundary(data: Path) -> None:
    result = runner.invoke(app, ["search", "(Bauantrag", "--data", str(data)])
    assert result.exit_code == 2
    assert "cannot read the query" in result.stderr and "internal error" not in result.stderr


def test_usage_errors_and_exits_stay_typers_own(data: Path) -> None:
    result = runner.invoke(app, ["search", "--limit", "0", "x", "--data", str(data)])
    assert result.exit_code == 2 and "internal error" not in result.output
    missing = runner.invoke(app, ["show", "no-such-id", "--data", str(data)])
    assert missing.exit_code == 1 and "internal error" not in missing.output

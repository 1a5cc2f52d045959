"""Property: whatever a scan folder holds, every entry gets its report line and the archive
verifies clean afterwards.

Random file names (1 to 255 bytes of any Unicode but "/" and NUL, control characters
included, dot-names too; now and then bytes that are not UTF-8) with random bytes (some behind a PDF, TIFF, PNG or JPEG signature),
through the real `eakte ingest` command and Prefect flow, in this process so that an example
costs a flow run, not an interpreter start. Random bytes are rejected fast, without OCR.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.inputs import shown
from pipelines.manifest import is_manifest
from tests.support.commands import invoke_eakte

pytestmark = pytest.mark.slow

MAX_NAME_BYTES = 255
_ALPHABET = st.characters(blacklist_characters="/\0", blacklist_categories=("Cs",))
_SIGNATURES = (b"%PDF-1.7\n", b"II*\x00", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0")


def _fit(name: str) -> str:
    """Cut to 255 bytes of UTF-8 between characters, as a file system allows."""
    while len(name.encode()) > MAX_NAME_BYTES:
        name = name[:-1]
    return name


def _usable(name: str) -> bool:
    return name not in (".", "..") and not is_manifest(Path(name))


names = st.one_of(
    st.integers(1, MAX_NAME_BYTES)  # every length equally likely, the longest ones included
    .flatmap(lambda n: st.text(_ALPHABET, min_size=n, max_size=n))
    .map(_fit),
    # now and then raw bytes, as a Windows share or an old scanner may write them
    st.binary(min_size=1, max_size=MAX_NAME_BYTES)
    .filter(lambda b: b"/" not in b and b"\0" not in b)
    .map(os.fsdecode),
).filter(_usable)
contents = st.one_of(
    st.binary(max_size=2048),
    st.builds(lambda sig, rest: sig + rest, st.sampled_from(_SIGNATURES), st.binary(max_size=2048)),
)


@settings(max_examples=8, deadline=None)
@given(st.dictionaries(names, contents, min_size=1, max_size=6))
def test_every_input_gets_a_line_and_the_archive_verifies(
    prefect_api: str, files: dict[str, bytes]
) -> None:
    env = {"PREFECT_API_URL": prefect_api, "COLUMNS": "200"}
    with tempfile.TemporaryDirectory(prefix="eakte-random-") as tmp:
        inbox, data = Path(tmp) / "karton", Path(tmp) / "data"
        inbox.mkdir()
        for name, content in files.items():
            (inbox / name).write_bytes(content)
        result = invoke_eakte("ingest", str(inbox), "--data", str(data), "--json", env=env)
        assert result.exit_code == 0, result.output[-3000:]
        report = json.loads(result.stdout)
        lines = {os.path.basename(line["source"]): line for line in report["documents"]}
        assert set(lines) == {shown(name) for name in files}
        assert sum(report["counts"].values()) == len(files)
        for name in files:
            line = lines[shown(name)]
            assert line["status"] in ("archived", "needs_review", "quarantined", "skipped"), line
            if line["status"] in ("quarantined", "skipped"):
                assert line["reason"], line
            if line["quarantine_copy"]:
                assert Path(line["quarantine_copy"]).read_bytes() == files[name]
            assert (inbox / name).read_bytes() == files[name]  # the original is never altered
        verified = invoke_eakte("verify", "--data", str(data), env=env)
        assert verified.exit_code == 0, verified.output[-3000:]

"""One blob store, several writers: processes (as on machines sharing the store over a network
filesystem) storing the same and different blobs at the same time lose none and tear none.

The store takes no locks: each copy goes to a temporary file of its own beside the blob,
is fsynced and renamed over the blob's name, so a reader sees no blob or a whole one, and
two writers of the same blob both leave the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
from pathlib import Path

from archive.blobs import BlobStore

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 30
SHARED_FILES = 2  # per round, new files both writers store at the same moment, in that order
OWN_FILES = 2  # per writer and round, files only it stores

# One writer: each round it waits for the other at a barrier, then both store the round's
# shared files at once, then their own. After each blob it stores it reads it back, and it
# reads every blob of the round the other writer stores that exists already: a blob that
# exists must be whole. It prints every blob found missing or not hashing to its name.
WRITER = """
import hashlib, json, sys, time
from pathlib import Path
from archive.blobs import BlobStore
store, sources, me, other = BlobStore(Path(sys.argv[1])), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
digests = json.loads((sources / "digests.json").read_text())
bad = 0
def check(name, must_exist):
    global bad
    blob = store.path(digests[name])
    try:
        data = blob.read_bytes()
    except FileNotFoundError:
        if must_exist:
            print(f"missing: {name}", flush=True)
            bad += 1
        return
    if hashlib.sha256(data).hexdigest() != digests[name]:
        print(f"torn: {name} ({len(data)} bytes)", flush=True)
        bad += 1
for n in range(int(sys.argv[5])):
    (sources / f"at-{n}-{me}").touch()
    while not (sources / f"at-{n}-{other}").exists():
        time.sleep(0.0002)
    theirs = sorted(name for name in digests if name.startswith((f"shared-{n}-", f"{other}-{n}-")))
    for source in sorted(sources.glob(f"shared-{n}-*")) + sorted(sources.glob(f"{me}-{n}-*")):
        store.put(source)
        check(source.name, must_exist=True)
        for name in theirs:
            check(name, must_exist=False)
sys.exit(1 if bad else 0)
"""


def _write(path: Path, rng: random.Random, size: tuple[int, int]) -> str:
    """A file of random bytes of a size in `size`; returns its hash."""
    data = rng.randbytes(rng.randrange(*size))
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def test_two_writer_processes_store_the_same_and_different_blobs_at_once(
    tmp_path: Path,
) -> None:
    sources, root = tmp_path / "sources", tmp_path / "shared-storage" / "blobs"
    sources.mkdir()
    rng = random.Random(16)
    digests = {}
    for n in range(ROUNDS):
        for i in range(SHARED_FILES):  # large enough that the two copies overlap
            name = f"shared-{n}-{i}"
            digests[name] = _write(sources / name, rng, (1 << 20, 3 << 20))
        for writer in ("a", "b"):
            for i in range(OWN_FILES):
                name = f"{writer}-{n}-{i}"
                digests[name] = _write(sources / name, rng, (1 << 10, 1 << 20))
    (sources / "digests.json").write_text(json.dumps(digests))
    expected = set(digests.values())
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(root), str(sources), name, other, str(ROUNDS)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name, other in (("a", "b"), ("b", "a"))
    ]
    outputs = [w.communicate(timeout=600)[0] for w in writers]
    assert [w.returncode for w in writers] == [0, 0], outputs

    store = BlobStore(root)
    assert set(store) == expected  # none missing, none extra
    assert all(store.verify(digest) for digest in expected)  # none torn
    assert all(not store.path(d).stat().st_mode & 0o222 for d in expected)  # all read-only
    leftovers = [p for p in root.rglob(".*") if p.is_file()]
    assert leftovers == []  # every temporary copy was renamed or removed

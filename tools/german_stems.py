"""Write archive/data/german_stems.txt: the stems that compound parts are indexed by.

    python -m tools.german_stems [--tessdata /usr/share/tesseract-ocr/5/tessdata]

The words come from the German word list inside tesseract's `deu.traineddata` (Apache 2.0),
which every eakte machine has: plain lower-case or capitalised words of at least four
letters, no acronyms, cut with the same German stemmer as the search index. Run it again
after an upgrade of tantivy's stemmer; the index then rebuilds itself (its schema version).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
from pathlib import Path

from archive.search import MIN_PART
from archive.search.compounds import stems_of

OUT = Path(__file__).resolve().parents[1] / "archive" / "search" / "data" / "german_stems.txt"
_WORD = re.compile(r"^[A-ZÄÖÜ]?[a-zäöüß]{3,}$")


def tesseract_words(tessdata: Path) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        prefix = f"{tmp}/deu."
        subprocess.run(
            ["combine_tessdata", "-u", str(tessdata / "deu.traineddata"), prefix],
            check=True,
            capture_output=True,
        )
        words = Path(tmp) / "words.txt"
        subprocess.run(
            ["dawg2wordlist", prefix + "lstm-unicharset", prefix + "lstm-word-dawg", str(words)],
            check=True,
            capture_output=True,
        )
        return words.read_text(encoding="utf-8").split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    found = sorted(Path("/usr/share/tesseract-ocr").glob("*/tessdata"))
    parser.add_argument("--tessdata", type=Path, default=found[-1] if found else None)
    args = parser.parse_args()
    words = [w for w in tesseract_words(args.tessdata) if _WORD.fullmatch(w)]
    stems = sorted({s for w in words for s in stems_of(w) if len(s) >= MIN_PART})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(stems) + "\n", encoding="utf-8")
    print(f"{len(stems)} stems from {len(words)} words -> {OUT}")


if __name__ == "__main__":
    main()

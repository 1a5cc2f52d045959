"""Made-up letters whose headings name no type: only their vocabulary tells the types apart.

What a classifier must learn, since no rule can file them.
"""

from __future__ import annotations

import random
from pathlib import Path

TEMPLATES = {
    "hundesteuerbescheid": "Ihr Tier {w} ist gemeldet. Die Marke gehört an das Halsband. Halter {n}, Rasse {w}.",
    "grundsteuerbescheid": "Für das Grundstück Flur {n} wurde der Messbetrag mit dem Hebesatz {n} berechnet. {w}",
    "bauantrag": "Hiermit reiche ich die Bauvorlagen für das Vorhaben {w} auf Flurstück {n} zur Prüfung ein.",
}
WORDS = ("Nord", "Süd", "Linde", "Eiche", "Rex", "Bello", "Anbau", "Garage", "Mühle", "Hof")


def letter_texts(doc_type: str, count: int, seed: int) -> list[str]:
    rng = random.Random(f"{doc_type}-{seed}")
    return [
        TEMPLATES[doc_type].format(w=rng.choice(WORDS), n=rng.randint(1, 9999))
        + f" Vorgang {rng.randint(1, 10**6)}."
        for _ in range(count)
    ]


def labelled_folder(root: Path, per_type: int, seed: int, types=TEMPLATES) -> Path:  # type: ignore[no-untyped-def]
    """A labelled folder: one subfolder a type, `per_type` text files in each."""
    for doc_type in types:
        (root / doc_type).mkdir(parents=True)
        for i, text in enumerate(letter_texts(doc_type, per_type, seed)):
            (root / doc_type / f"{i:03}.txt").write_text(text, "utf-8")
    return root

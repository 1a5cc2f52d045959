"""When two names are the same person: the identity key of a name.

Names are compared by what a reader sees, not by their code points, so that "Registratur-A"
written with a non-breaking hyphen (U+2011) or with Cyrillic letters (U+0435, U+0410) is not a
second person beside "Registratur-A". The key is Unicode NFKC, without invisible format
characters, with runs of white space made one space, case-folded, then the confusable
skeleton of Unicode Technical Standard #39, computed by ICU's SpoofChecker (PyICU, with the
confusables data of the ICU the system provides).
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any

from archive.errors import ArchiveError


class IdentityError(ArchiveError):
    """A name that identifies nobody (empty, or nothing but invisible characters)."""


@cache
def _spoof_checker() -> Any:
    import icu  # PyICU: ICU's UTS #39 implementation

    return icu.SpoofChecker()


def identity_key(name: str) -> str:
    """The form under which two names that look alike are equal; empty names raise."""
    text = unicodedata.normalize("NFKC", name or "")
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")  # ZWSP, soft hyphen, bidi
    text = " ".join(text.split()).casefold()
    if not text:
        raise IdentityError(f"{name!r} names nobody: a person's name must be visible")
    skeleton = _spoof_checker().getSkeleton(0, text)
    return unicodedata.normalize("NFKC", skeleton).casefold()


def same_person(first: str, second: str) -> bool:
    """Whether two names look alike and so must be taken for one person."""
    return identity_key(first) == identity_key(second)

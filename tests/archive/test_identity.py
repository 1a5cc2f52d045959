"""Names that look alike are one person: the identity key (NFKC, casefold, UTS #39 skeleton)."""

from __future__ import annotations

import pytest

from archive.identity import IdentityError, identity_key, same_person


@pytest.mark.parametrize(
    "look_alike",
    [
        "Registratur\u2011A",  # NON-BREAKING HYPHEN
        "R\u0435gistratur-\u0410",  # CYRILLIC SMALL LETTER IE, CAPITAL A
        "registratur-a",
        "REGISTRATUR-A",
        "Regis\u200btratur-A",  # ZERO WIDTH SPACE
        "\uff32egistratur-A",  # FULLWIDTH LATIN CAPITAL LETTER R (NFKC)
        " Registratur-A ",
    ],
)
def test_look_alikes_are_the_same_person(look_alike: str) -> None:
    assert same_person("Registratur-A", look_alike)


@pytest.mark.parametrize("other", ["Registratur-B", "Registratur A2", "Anna Schmidt"])
def test_different_names_are_different_people(other: str) -> None:
    assert not same_person("Registratur-A", other)


def test_spaces_are_one_space_and_german_letters_fold() -> None:
    assert identity_key("Anna\u00a0 Schmidt") == identity_key("anna schmidt")
    assert same_person("Straße", "STRASSE")


@pytest.mark.parametrize("nobody", ["", "   ", "\u200b", "\u00ad\u200d"])
def test_a_name_that_shows_nothing_names_nobody(nobody: str) -> None:
    with pytest.raises(IdentityError, match="names nobody"):
        identity_key(nobody)

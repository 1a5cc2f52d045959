"""Hash trees as RFC 4998 builds and reduces them."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive.evidence import hashtree


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


@given(st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=40))
def test_every_leaf_reaches_the_root_through_its_reduced_tree(leaves: list[bytes]) -> None:
    root, paths = hashtree.build(leaves, sha256)
    assert set(paths) == set(leaves)
    for leaf in leaves:
        assert hashtree.reduce(leaf, paths[leaf], sha256) == root


@given(st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=40, unique=True))
def test_separate_paths_prove_their_own_leaf_only(leaves: list[bytes]) -> None:
    root, paths = hashtree.build_separate(leaves, sha256)
    for leaf in leaves:
        assert paths[leaf][0] == [leaf]
        assert hashtree.reduce(leaf, paths[leaf], sha256) == root
    if len(leaves) > 1:
        with pytest.raises(ValueError):
            hashtree.reduce(leaves[1], paths[leaves[0]], sha256)


def test_a_changed_leaf_or_sibling_misses_the_root() -> None:
    leaves = [sha256(bytes([i])) for i in range(5)]
    root, paths = hashtree.build(leaves, sha256)
    with pytest.raises(ValueError, match="not in the first list"):
        hashtree.reduce(sha256(b"other"), paths[leaves[0]], sha256)
    tampered = [list(level) for level in paths[leaves[0]]]
    tampered[-1][0] = sha256(b"forged sibling")
    assert hashtree.reduce(leaves[0], tampered, sha256) != root


def test_a_single_leaf_is_its_own_root_and_a_one_element_list_is_hashed_again() -> None:
    leaf = sha256(b"one document")
    assert hashtree.build([leaf], sha256) == (leaf, {leaf: []})
    assert hashtree.reduce(leaf, [[leaf]], sha256) == sha256(leaf)  # BSI vector dbl.ers

"""Merkle hash trees as RFC 4998 (section 4) builds and reduces them.

A group of sibling hashes is hashed as the concatenation of its members sorted in binary
ascending order, so a verifier needs no left/right flags. A node without a sibling moves up a
level unchanged. A reduced hash tree is what one leaf needs to reach the root: the first list
holds the leaf and its sibling, each further list the sibling one level up; verifying adds the
hash computed so far to the next list (a one-element list is hashed again, as the BSI vector
`dbl.ers` shows).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = ["build", "build_separate", "reduce"]

Hash = Callable[[bytes], bytes]


def _group(hash_: Hash, members: Sequence[bytes]) -> bytes:
    return hash_(b"".join(sorted(members)))


def build(leaves: Sequence[bytes], hash_: Hash) -> tuple[bytes, dict[bytes, list[list[bytes]]]]:
    """The root over `leaves` (duplicates counted once) and each leaf's reduced hash tree.

    A single leaf is its own root, with an empty reduced tree: the timestamp covers it directly.
    """
    leaves = sorted(set(leaves))
    if not leaves:
        raise ValueError("a hash tree needs at least one leaf")
    levels = [leaves]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append(
            [_group(hash_, below[i : i + 2]) if i + 1 < len(below) else below[i]
             for i in range(0, len(below), 2)]
        )  # fmt: skip
    paths: dict[bytes, list[list[bytes]]] = {}
    for position, leaf in enumerate(leaves):
        path: list[list[bytes]] = []
        for level in levels[:-1]:
            sibling = position ^ 1
            if sibling < len(level):
                path.append([leaf, level[sibling]] if not path else [level[sibling]])
            position //= 2
        paths[leaf] = path
    return levels[-1][0], paths


def build_separate(
    leaves: Sequence[bytes], hash_: Hash
) -> tuple[bytes, dict[bytes, list[list[bytes]]]]:
    """Like `build`, but each leaf's first list holds the leaf alone (hashed again on its way
    up, as in the BSI vector `dbl.ers`): a record proves its own data object only, not also
    the sibling it was paired with (RFC 4998 treats a first list as one group of data)."""
    wrapped = {hash_(leaf): leaf for leaf in set(leaves)}
    root, paths = build(list(wrapped), hash_)
    return root, {
        leaf: [[leaf], *[[level[-1]] for level in paths[node]]] for node, leaf in wrapped.items()
    }


def reduce(value: bytes, tree: Sequence[Sequence[bytes]], hash_: Hash) -> bytes:
    """The root that `value` reaches through a reduced hash tree (RFC 4998 section 4.3).

    Raises ValueError when `value` is not in the tree's first list.
    """
    if not tree:
        return value
    if value not in tree[0]:
        raise ValueError("the hash is not in the first list of the reduced hash tree")
    current = _group(hash_, list(tree[0]))
    for members in tree[1:]:
        current = _group(hash_, [*members, current])
    return current

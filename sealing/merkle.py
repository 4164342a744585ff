"""The seal's digests: a hash per teacher's snapshot (a leaf) and a Merkle root over a 学年.

A single teacher's 学分证明书 can prove its place in the sealed year with `proof(...)` (the
sibling hashes up the tree) without the rest of the year: `verify(leaf, proof, root)`.

- A leaf is SHA-256 of 0x00 + the canonical serialisation of the snapshot (`canonical_bytes`:
  JSON, keys sorted, no spaces, UTF-8; credits as one-decimal strings, counts as integers).
- An inner node is SHA-256 of 0x01 + left + right (the prefixes keep a leaf from ever passing
  for a node). An odd node at the end of a level is carried up unchanged (never paired with
  itself, so two different leaf lists cannot share a root).
- Leaves are ordered by teacher id; the root of no leaves is SHA-256 of the empty string.
Hashes are lower-case hex strings throughout. Pure Python: no Django.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
VERSION = 1


def _value(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return format(value.quantize(Decimal("0.1")), "f")
    if isinstance(value, int):
        return value
    return str(value)


def snapshot_payload(*, teacher_id: int, start_year: int, figures: Mapping) -> dict:
    """The canonical content of a teacher's sealed snapshot: who, which 学年, every figure."""
    payload = {"v": VERSION, "teacher": int(teacher_id), "year": int(start_year)}
    payload.update({name: _value(value) for name, value in figures.items()})
    return payload


def canonical_bytes(payload: Mapping) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def leaf_hash(payload: Mapping) -> str:
    return hashlib.sha256(LEAF_PREFIX + canonical_bytes(payload)).hexdigest()


def node_hash(left: str, right: str) -> str:
    return hashlib.sha256(NODE_PREFIX + bytes.fromhex(left) + bytes.fromhex(right)).hexdigest()


def _levels(leaves: Sequence[str]) -> list[list[str]]:
    level = list(leaves)
    levels = [level]
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        levels.append(nxt)
        level = nxt
    return levels


def merkle_root(leaves: Sequence[str]) -> str:
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    return _levels(leaves)[-1][0]


def proof(leaves: Sequence[str], index: int) -> list[dict]:
    """The audit path of leaf `index`: [{"side": "left"|"right", "hash": …}, …] from the leaf up."""
    if not 0 <= index < len(leaves):
        raise IndexError("叶子序号超出范围。")
    return path_in(tree(leaves), index)


def tree(leaves: Sequence[str]) -> list[list[str]]:
    """Every level of the tree, leaves first: built once to take many paths (`path_in`)."""
    return _levels(leaves)


def path_in(levels: Sequence[Sequence[str]], index: int) -> list[dict]:
    """The audit path of leaf `index` in a tree from `tree(leaves)`."""
    path = []
    for level in levels[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append({"side": "left" if sibling < index else "right", "hash": level[sibling]})
        index //= 2
    return path


def verify(leaf: str, path: Sequence[Mapping], root: str) -> bool:
    """Does `leaf` with its audit path lead to `root`?"""
    node = leaf
    try:
        for step in path:
            node = node_hash(step["hash"], node) if step["side"] == "left" else node_hash(node, step["hash"])
    except (KeyError, TypeError, ValueError):
        return False
    return node == root

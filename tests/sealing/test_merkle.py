"""sealing.merkle: every leaf's proof verifies against the root; a changed figure, a wrong
position or another root does not."""

import hashlib
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sealing import merkle as M


def _leaf(teacher_id, total="72.0"):
    return M.leaf_hash(M.snapshot_payload(teacher_id=teacher_id, start_year=2017,
                                          figures={"total": Decimal(total), "year_ok": True, "open_entries": 0}))


@given(st.integers(min_value=1, max_value=70))
def test_every_leafs_proof_verifies_and_a_changed_total_does_not(n):
    leaves = [_leaf(i) for i in range(n)]
    root = M.merkle_root(leaves)
    for i, leaf in enumerate(leaves):
        path = M.proof(leaves, i)
        assert M.verify(leaf, path, root)
        assert not M.verify(_leaf(i, "72.1"), path, root)
        if n > 1:
            assert not M.verify(leaves[(i + 1) % n], path, root)


def test_the_serialisation_is_canonical_and_names_the_teacher_and_year():
    a = M.snapshot_payload(teacher_id=7, start_year=2017, figures={"total": Decimal("72"), "regulated": Decimal("48.00")})
    b = M.snapshot_payload(teacher_id=7, start_year=2017, figures={"regulated": Decimal("48.0"), "total": Decimal("72.0")})
    assert M.canonical_bytes(a) == M.canonical_bytes(b) == (
        b'{"regulated":"48.0","teacher":7,"total":"72.0","v":1,"year":2017}')
    assert M.leaf_hash(a) == hashlib.sha256(b"\x00" + M.canonical_bytes(a)).hexdigest()
    assert M.leaf_hash(a) != M.leaf_hash(M.snapshot_payload(teacher_id=8, start_year=2017, figures={}))


def test_a_leaf_cannot_pass_for_a_node_and_odd_leaves_are_not_duplicated():
    leaves = [_leaf(i) for i in range(3)]
    root = M.merkle_root(leaves)
    assert root == M.node_hash(M.node_hash(leaves[0], leaves[1]), leaves[2])
    assert M.merkle_root(leaves + [leaves[2]]) != root
    assert M.merkle_root([]) == hashlib.sha256(b"").hexdigest()
    assert M.merkle_root(leaves[:1]) == leaves[0]
    with pytest.raises(IndexError):
        M.proof(leaves, 3)
    assert not M.verify(leaves[0], [{"side": "sideways"}], root)

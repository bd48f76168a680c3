"""Align: a passage keeps the words before an edit at its start, however the LCS pairs them."""

from __future__ import annotations

from provenance.align import align_region
from provenance.config import Config
from provenance.normalize import word_hashes

REST = " ".join(f"w{i}" for i in range(20))


def test_the_words_before_an_edit_at_the_start_stay_in_the_passage():
    """``x y z`` opens the copy, then an edit; ``x`` and ``y`` also stand
    before the copy in b, and the LCS pairs the three words one by one there
    (an alignment as long as the contiguous one)."""
    a = f"p1 p2 p3 p4 x y z EDIT {REST}"
    b = f"q1 x q2 q3 y x y z CHANGED {REST}"
    [passage] = align_region(word_hashes(a), word_hashes(b), Config())
    assert (passage.a_start, passage.b_start) == (4, 5)  # where "x y z" starts in each
    assert (passage.a_end, passage.b_end) == (len(a.split()), len(b.split()))
    assert passage.matched == 3 + 20

"""Sentences: a text → its sentences as word ranges, and a crude stem of every word.

The rewritten-reuse channel (:mod:`provenance.rewrite`) compares sentences
as bags of stems, so that reordered, inflected or partly replaced words still
meet. A stem is the first :data:`STEM_CHARS` characters of the normalised
word: a language-independent stand-in for a stemmer ("governments",
"governor" and "governed" share "gover"). A sentence ends at ``.``, ``!``,
``?`` (and their CJK forms) or a line break; sentences of fewer than
:data:`MIN_SENTENCE_WORDS` words (headings, "U.S." split at its dots) join
the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from provenance.normalize import stem_hashes, word_offsets

STEM_CHARS = 5
MIN_SENTENCE_WORDS = 6
_ENDS = np.array([ord(c) for c in ".!?\n\u3002\uff01\uff1f"], dtype=np.uint32)


@dataclass(frozen=True, eq=False)
class Sentences:
    """The sentences of one text.

    Attributes:
        starts, ends: word range ``[start, end)`` of each sentence.
        stems: stem hash of every word of the text.
    """

    starts: np.ndarray
    ends: np.ndarray
    stems: np.ndarray

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def sentence_of_word(self) -> np.ndarray:
        """The sentence number of every word."""
        return np.repeat(np.arange(len(self.starts)), self.ends - self.starts)


@lru_cache(maxsize=512)
def sentences_of(text: str) -> Sentences:
    """Split a text into sentences (word ranges) and stem its words.

    Cached by text: a document met in many candidate pairs is split once.

    >>> s = sentences_of("The first sentence has seven words here. Short. The second one is long enough too")
    >>> s.starts.tolist(), s.ends.tolist()
    ([0, 7], [7, 15])
    """
    starts, ends = word_offsets(text)
    stems = stem_hashes(text, STEM_CHARS)
    n = len(starts)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Sentences(empty, empty, stems)
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    marks = np.concatenate(([0], np.cumsum(np.isin(codes, _ENDS))))
    # Word i ends a sentence when a terminator lies between its end and the next word's start.
    gap_ends = np.concatenate((starts[1:], [len(codes)]))
    breaks = np.flatnonzero(marks[gap_ends] > marks[ends]) + 1
    bounds = [0]
    for b in breaks.tolist():
        if b - bounds[-1] >= MIN_SENTENCE_WORDS:
            bounds.append(b)
    if bounds[-1] != n:
        if n - bounds[-1] < MIN_SENTENCE_WORDS and len(bounds) > 1:
            bounds[-1] = n  # a short tail joins the sentence before it
        else:
            bounds.append(n)
    edges = np.array(bounds, dtype=np.int64)
    return Sentences(edges[:-1], edges[1:], stems)

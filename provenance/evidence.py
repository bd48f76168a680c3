"""Evidence: is a short shared passage reuse, or coincidence?

Two unrelated texts on one topic share short stretches by chance: a quoted
slogan, a stock sentence, fifteen words of which half agree. The more two
texts share, the less chance explains it, so the evidence asked of a pair of
documents falls with the length of what they share:

- when their passages together hold at least ``2 * min_tokens`` words (30 by
  default; each passage counted on its shorter side), every one of them is
  reported from ``min_similarity`` up;
- below that, each must have at least two thirds of ``min_tokens`` (10)
  of its words aligned equal (similarity times length): fifteen words of
  which half agree are coincidence, fifteen of which 12 agree are not
  (students' lightly edited sentences in the Clough & Stevenson corpus);
- and a short passage is still not reuse when both texts quote it (it sits
  inside quotation marks in each): a shared quotation, a slogan, is
  attributed speech, not a lifted passage.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import regex

from provenance.config import Config

_OPEN = "\"\u201c\u201e\u00ab\u300c"
_CLOSE = "\"\u201d\u00bb\u300d"
_QUOTED_RE = regex.compile(rf"[{_OPEN}][^{_OPEN}{_CLOSE}\n]*[{_CLOSE}]")
_SLACK = 3  # characters of punctuation allowed between a passage and its quotation marks


def short(words: int, config: Config) -> bool:
    """Whether a passage of ``words`` words (shorter side) counts as short.

    >>> from provenance.config import Config
    >>> short(29, Config()), short(30, Config())
    (True, False)
    """
    return words < 2 * config.min_tokens


def quoted(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` lies inside one pair of quotation marks.

    >>> t = 'He said "we will build the bridge by May" and left.'
    >>> quoted(t, t.index("we"), t.index("May") + 3), quoted(t, 0, 7)
    (True, False)
    """
    lo = max(0, start - 400)
    for m in _QUOTED_RE.finditer(text, lo, min(len(text), end + 400)):
        if m.start() <= start and end <= m.end() and start - m.start() <= _SLACK + 1 and m.end() - end <= _SLACK + 1:
            return True
    return False


class Shared(NamedTuple):
    """A passage two texts share: its words (shorter side), similarity and character spans."""

    words: int
    similarity: float
    span_a: tuple[int, int]
    span_b: tuple[int, int]


def convincing(passages: Sequence[Shared], text_a: str, text_b: str, config: Config) -> list[bool]:
    """Which of the passages two texts share are evidence of reuse (the rule above).

    >>> from provenance.config import Config
    >>> a = 'Crowds chanted "no more war in our streets today" outside the hall.'
    >>> b = 'The banner read "no more war in our streets today" in red letters.'
    >>> slogan = Shared(7, 1.0, (a.index("no"), a.index("today") + 5), (b.index("no"), b.index("today") + 5))
    >>> convincing([slogan], a, b, Config())
    [False]
    >>> loose, close = Shared(15, 0.5, (0, 80), (0, 80)), Shared(12, 0.9, (0, 80), (0, 80))
    >>> convincing([loose, close], "x" * 80, "y" * 80, Config())
    [False, True]
    >>> convincing([loose, loose], "x" * 80, "y" * 80, Config())
    [True, True]
    """
    if not short(sum(p.words for p in passages), config):
        return [True] * len(passages)
    return [
        p.similarity * p.words >= 2 * config.min_tokens / 3 and not (quoted(text_a, *p.span_a) and quoted(text_b, *p.span_b))
        for p in passages
    ]

"""Tokenise: text → words with character offsets, normalised for matching only.

Matching works on words: runs of Unicode letters and digits. Punctuation,
quotes, dashes and every kind of space (no-break included) only separate
words, so curly and straight quotes or an en dash and a hyphen never make two
texts differ. Each word is compared in Unicode NFKC form, case folded; the
offsets still point into the original, unnormalised text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np

WORD_RE = re.compile(r"\w+")
_SPLIT_RE = re.compile(r"(\w+)")
_NON_WORD_RE = re.compile(r"\W")
_CHUNK_CHARS = 1 << 20

_QUOTES_DASHES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
        "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ",
    }
)


def normalize(text: str) -> str:
    """Normalise text the way matching sees it: NFKC, case folded, quotes,
    dashes and no-break spaces unified.

    >>> normalize("Russia\u2019s \u201cAlliance\u201d \u2014 Ｆｕｌｌ\u00a0text")
    'russia\\'s "alliance" - full text'
    """
    return unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES_DASHES)


def normalize_word(word: str) -> str:
    """One word as matching compares it.

    >>> normalize_word("Straße"), normalize_word("ﬁrst")
    ('strasse', 'first')
    """
    return unicodedata.normalize("NFKC", word).casefold()


class _WordHashes(dict[str, int]):
    """Cache of word → 64-bit hash of its normalised form (stable across runs)."""

    def __missing__(self, word: str) -> int:
        if len(self) > 2_000_000:  # bound memory on huge vocabularies
            self.clear()
        digest = hashlib.blake2b(normalize_word(word).encode("utf-8", "surrogatepass"), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        self[word] = value
        return value


_HASHES = _WordHashes()


def word_hashes(text: str) -> np.ndarray:
    """Hash of every word of a text, in order (uint64).

    Two texts that differ only in case, Unicode form, punctuation or spacing
    give the same array.

    >>> bool((word_hashes("The  Cat’s") == word_hashes("the cat's")).all())
    True
    """
    if len(text) <= _CHUNK_CHARS:
        return _hash_words(text)
    # Long texts go in pieces cut between words, so that the word list (a
    # Python object per word) never holds more than one piece.
    parts, start = [], 0
    while start < len(text):
        cut = _NON_WORD_RE.search(text, min(len(text), start + _CHUNK_CHARS))
        end = cut.start() if cut else len(text)
        parts.append(_hash_words(text[start:end]))
        start = end
    return np.concatenate(parts)


def _hash_words(text: str) -> np.ndarray:
    words = WORD_RE.findall(text)
    return np.fromiter(map(_HASHES.__getitem__, words), dtype=np.uint64, count=len(words))


def word_offsets(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end character offsets of every word of a text.

    >>> starts, ends = word_offsets("Hi, you!")
    >>> starts.tolist(), ends.tolist()
    ([0, 4], [2, 7])
    """
    # re.split with a group alternates separators and words; their lengths,
    # summed, give every offset without a Python-level loop over matches.
    parts = _SPLIT_RE.split(text)
    lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    bounds = np.cumsum(lengths)
    return bounds[0:-1:2].copy(), bounds[1::2].copy()

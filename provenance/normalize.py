"""Tokenise: text → words with character offsets, normalised for matching only.

Matching works on words: runs of Unicode letters and digits. Punctuation,
quotes, dashes and every kind of space (no-break included) only separate
words, so curly and straight quotes or an en dash and a hyphen never make two
texts differ. Each word is compared in Unicode NFKC form, case folded; the
offsets still point into the original, unnormalised text.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import regex

# Words are runs of letters, digits and combining marks: with the marks, a
# word written decomposed (NFD: "e" + U+0301) is one word, as it is composed,
# and Indic vowel signs stay inside their words. (The stdlib's \w has no marks;
# the regex module has Unicode property classes.)
WORD_RE = regex.compile(r"[\w\p{M}]+")
_SPLIT_RE = regex.compile(r"([\w\p{M}]+)")
_NON_WORD_RE = regex.compile(r"[^\w\p{M}]")
_CHUNK_CHARS = 1 << 20

def normalize_word(word: str) -> str:
    """One word as matching compares it.

    >>> normalize_word("Straße"), normalize_word("ﬁrst")
    ('strasse', 'first')
    """
    return unicodedata.normalize("NFKC", word).casefold()


# A word's hash is a polynomial over the code points of its normalised form,
# modulo 2**64, then mixed with MurmurHash3's 64-bit finalizer. The same value
# is computed two ways: per distinct word in Python (any text), and for whole
# texts at once with numpy when every word character is ASCII (most English
# text, curly quotes and dashes included), which is several times faster.
_BASE = 0x100000001B3  # odd, so its powers are invertible modulo 2**64
_MASK = (1 << 64) - 1
_BASE_INV = pow(_BASE, -1, 1 << 64)
_FAST_MAX = 1 << 21  # longest text piece the precomputed power tables cover


def _fmix64(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _MASK
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _MASK
    return h ^ (h >> 33)


def hash_word(word: str) -> int:
    """The 64-bit hash of a word as matching sees it (normalised first).

    >>> hash_word("Cat") == hash_word("cat") == hash_word("ＣＡＴ")
    True
    """
    h = 0
    power = 1
    for ch in normalize_word(word):
        h = (h + ord(ch) * power) & _MASK
        power = (power * _BASE) & _MASK
    return _fmix64(h)


class _WordHashes(dict[str, int]):
    """Cache of word → hash_word(word)."""

    def __missing__(self, word: str) -> int:
        if len(self) > 2_000_000:  # bound memory on huge vocabularies
            self.clear()
        value = hash_word(word)
        self[word] = value
        return value


_HASHES = _WordHashes()


def _powers(base: int) -> np.ndarray:
    out = np.full(_FAST_MAX + 1, base, dtype=np.uint64)
    out[0] = 1
    return np.cumprod(out, dtype=np.uint64)  # wraps modulo 2**64, as intended


_POW: np.ndarray | None = None
_POW_INV: np.ndarray | None = None
_ASCII_WORD = np.array([chr(c).isalnum() or c == 95 for c in range(128)] + [False], dtype=bool)
_ASCII_LOWER = np.array([ord(chr(c).lower()) for c in range(128)] + [0] * 128, dtype=np.uint64)


def word_hashes(text: str) -> np.ndarray:
    """Hash of every word of a text, in order (uint64).

    Two texts that differ only in case, Unicode form, punctuation or spacing
    give the same array.

    >>> bool((word_hashes("The  Cat’s") == word_hashes("the cat's")).all())
    True
    >>> int(word_hashes("naïve Cat")[1]) == hash_word("cat")
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


def _ascii_words_codes(text: str) -> np.ndarray | None:
    """The code points of a text whose word characters are all ASCII, else None."""
    if len(text) > _FAST_MAX:
        return None
    if text.isascii():  # most text: one byte per character, a quarter of the memory traffic
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    high = codes[codes >= 128]
    if len(high) and any(WORD_RE.match(chr(c)) for c in np.unique(high).tolist()):
        return None
    return codes


def _ascii_word_bounds(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of every word, as ``WORD_RE`` finds them."""
    is_word = _ASCII_WORD[codes] if codes.dtype == np.uint8 else _ASCII_WORD[np.minimum(codes, 128)]
    if not len(is_word):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    # Where word and non-word characters change: starts and ends alternate.
    change = np.flatnonzero(is_word[1:] != is_word[:-1]) + 1
    if is_word[0]:
        change = np.concatenate(([0], change))
    if is_word[-1]:
        change = np.concatenate((change, [len(is_word)]))
    return change[0::2], change[1::2]


def _hash_words(text: str) -> np.ndarray:
    codes = _ascii_words_codes(text)
    if codes is not None:
        return _ascii_word_hashes(codes)
    words = WORD_RE.findall(text)
    return np.fromiter(map(_HASHES.__getitem__, words), dtype=np.uint64, count=len(words))


def stem_hashes(text: str, chars: int) -> np.ndarray:
    """Hash of the first ``chars`` characters of every normalised word, in
    order: a crude stem that needs no language ("Govern", "governments" and
    "governor" agree at 5). Same values as ``hash_word`` of the prefix.

    >>> h = stem_hashes("Governments govern, governor", 5)
    >>> len(set(h.tolist())), int(h[0]) == hash_word("gover")
    (1, True)
    """
    codes = _ascii_words_codes(text)
    if codes is not None:
        return _ascii_word_hashes(codes, chars)
    words = WORD_RE.findall(text)
    return np.fromiter((_HASHES[normalize_word(w)[:chars]] for w in words), dtype=np.uint64, count=len(words))


def _ascii_word_hashes(codes: np.ndarray, chars: int | None = None) -> np.ndarray:
    """hash_word of every word (or of its first ``chars`` characters), for a
    text whose word characters are all ASCII."""
    global _POW, _POW_INV
    if _POW is None or _POW_INV is None:
        _POW, _POW_INV = _powers(_BASE), _powers(_BASE_INV)
    starts, ends = _ascii_word_bounds(codes)
    if chars is not None:
        ends = np.minimum(ends, starts + chars)
    if not len(starts):
        return np.zeros(0, dtype=np.uint64)
    if codes.dtype == np.uint8:
        lower = _ASCII_LOWER[codes]
    else:
        lower = codes.astype(np.uint64)
        upper = (codes >= 65) & (codes <= 90)
        lower[upper] += np.uint64(32)
    n = len(codes)
    with np.errstate(over="ignore"):
        prefix = np.cumsum(lower * _POW[:n], dtype=np.uint64)
        before = np.where(starts > 0, prefix[np.maximum(starts - 1, 0)], np.uint64(0))
        h = (prefix[ends - 1] - before) * _POW_INV[starts]
        h ^= h >> np.uint64(33)
        h *= np.uint64(0xFF51AFD7ED558CCD)
        h ^= h >> np.uint64(33)
        h *= np.uint64(0xC4CEB9FE1A85EC53)
        h ^= h >> np.uint64(33)
    return h


def word_offsets(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end character offsets of every word of a text.

    >>> starts, ends = word_offsets("Hi, you!")
    >>> starts.tolist(), ends.tolist()
    ([0, 4], [2, 7])
    """
    codes = _ascii_words_codes(text)
    if codes is not None:
        starts, ends = _ascii_word_bounds(codes)
        return starts.astype(np.int64), ends.astype(np.int64)
    # re.split with a group alternates separators and words; their lengths,
    # summed, give every offset without a Python-level loop over matches.
    parts = _SPLIT_RE.split(text)
    lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    bounds = np.cumsum(lengths)
    return bounds[0:-1:2].copy(), bounds[1::2].copy()

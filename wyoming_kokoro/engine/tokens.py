"""Kokoro's phoneme vocabulary, and the cutting of long phoneme strings into pieces the model accepts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..vocab import VOCAB

#: The most phoneme ids one inference takes (the model adds a 0 at each end: 512 positions), and the number
#: of style rows in a voice pack.
MAX_IDS = 510

# Where to cut a string that is too long, best first: after a sentence, after a clause, between words.
_SENTENCE_ENDS = frozenset(".!?…")
_CLAUSE_ENDS = frozenset(",;:—)”\"")


@dataclass
class Tokens:
    """Phoneme ids of one text, with the symbols that are not in the vocabulary (counted, never hidden)."""

    ids: list[int]
    phonemes: str  # the phonemes that made it into ids, one character per id
    dropped: Counter = field(default_factory=Counter)


def tokenize(phonemes: str, vocab: dict[str, int] = VOCAB) -> Tokens:
    """Map each phoneme symbol to its id; symbols outside the vocabulary are counted in ``dropped``."""
    ids: list[int] = []
    kept: list[str] = []
    dropped: Counter = Counter()
    for symbol in phonemes:
        token_id = vocab.get(symbol)
        if token_id is None:
            dropped[symbol] += 1
        else:
            ids.append(token_id)
            kept.append(symbol)
    return Tokens(ids, "".join(kept), dropped)


def _best_cut(text: str, limit: int) -> int:
    """Index at which to end the first piece of ``text`` (longer than ``limit``): a natural boundary if any."""
    window = text[: limit + 1]
    for boundary in (_SENTENCE_ENDS, _CLAUSE_ENDS):
        # A boundary is punctuation followed by a space; prefer one in the second half of the window, so that
        # pieces stay long enough to keep natural prosody.
        cuts = [i + 1 for i in range(len(window) - 1) if window[i] in boundary and window[i + 1] == " "]
        good = [c for c in cuts if c >= limit // 2]
        if good:
            return good[-1]
    space = window.rfind(" ")
    if space > 0:
        return space
    for boundary in (_SENTENCE_ENDS, _CLAUSE_ENDS):
        cuts = [i + 1 for i in range(len(window) - 1) if window[i] in boundary]
        if cuts:
            return cuts[-1]
    return limit  # one "word" longer than the model's window: cut it, losing nothing


def split_phonemes(phonemes: str, limit: int = MAX_IDS) -> list[str]:
    """Cut a phoneme string (of in-vocabulary symbols) into pieces of at most ``limit`` symbols.

    Cuts fall after sentences, then clauses, then between words; nothing is dropped but the spaces at a cut.
    """
    if limit < 1:
        raise ValueError(f"limit must be positive, got {limit}")
    pieces: list[str] = []
    rest = phonemes.strip()
    while len(rest) > limit:
        cut = _best_cut(rest, limit)
        piece = rest[:cut].strip()
        if piece:
            pieces.append(piece)
        rest = rest[cut:].strip()
    if rest:
        pieces.append(rest)
    return pieces

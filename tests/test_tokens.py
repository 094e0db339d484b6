"""Kokoro's phoneme vocabulary, tokenization, and the cutting of long phoneme strings (pure, no model)."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from wyoming_kokoro.engine.tokens import MAX_IDS, VOCAB, Tokens, split_phonemes, tokenize

SENTENCE_ENDS = ".!?…"
CLAUSE_ENDS = ",;:—)”\""


# --------------------------------------------------------------------------
# The vocabulary
# --------------------------------------------------------------------------


def test_vocabulary_has_114_symbols_with_unique_ids():
    assert len(VOCAB) == 114
    assert len(set(VOCAB.values())) == 114
    assert all(len(symbol) == 1 for symbol in VOCAB)
    # 0 is the pad/boundary id the model puts at both ends; Kokoro's ids run up to 177 (n_token 178).
    assert 0 not in VOCAB.values()
    assert min(VOCAB.values()) == 1
    assert max(VOCAB.values()) == 177


@pytest.mark.parametrize(
    ("symbol", "token_id"),
    [
        (";", 1),
        (":", 2),
        (",", 3),
        (".", 4),
        ("!", 5),
        ("?", 6),
        ("—", 9),
        ("…", 10),
        ('"', 11),
        ("“", 14),
        ("”", 15),
        (" ", 16),
        ("\u0303", 17),  # combining tilde (nasal vowels)
        ("A", 24),
        ("O", 31),
        ("ᵊ", 42),
        ("a", 43),
        ("h", 50),
        ("z", 68),
        ("ɑ", 69),
        ("ə", 83),
        ("ɜ", 87),
        ("ɡ", 92),  # U+0261, not the ASCII g
        ("ɹ", 123),
        ("ʃ", 131),
        ("ʔ", 148),
        ("ˈ", 156),
        ("ˌ", 157),
        ("ː", 158),
        ("↘", 173),
        ("ᵻ", 177),
    ],
)
def test_vocabulary_ids_are_those_of_kokoro_config(symbol, token_id):
    assert VOCAB[symbol] == token_id


@pytest.mark.parametrize("symbol", ["g", "0", "1", "X", "\n", "\t", "❓", "ʀ", "-", "'"])
def test_symbols_not_in_kokoro_vocabulary(symbol):
    assert symbol not in VOCAB


# --------------------------------------------------------------------------
# tokenize
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phonemes", "ids", "kept", "dropped"),
    [
        ("", [], "", {}),
        ("həlˈO wˈɜɹld.", [50, 83, 54, 156, 31, 16, 65, 156, 87, 123, 54, 46, 4], "həlˈO wˈɜɹld.", {}),
        ("a❓b", [43, 44], "ab", {"❓": 1}),
        ("aXbXc", [43, 44, 45], "abc", {"X": 2}),
        ("12 3", [16], " ", {"1": 1, "2": 1, "3": 1}),
        ("ɑ̃", [69, 17], "ɑ̃", {}),  # a nasal vowel is two symbols
        ("gɡ", [92], "ɡ", {"g": 1}),  # ASCII g is not Kokoro's ɡ
        ("a\nb\tc", [43, 44, 45], "abc", {"\n": 1, "\t": 1}),
        ("❓❓❓", [], "", {"❓": 3}),
    ],
)
def test_tokenize(phonemes, ids, kept, dropped):
    tokens = tokenize(phonemes)
    assert isinstance(tokens, Tokens)
    assert tokens.ids == ids
    assert tokens.phonemes == kept
    assert tokens.dropped == Counter(dropped)


def test_tokenize_with_another_vocabulary():
    tokens = tokenize("abc", {"a": 7, "c": 9})
    assert tokens.ids == [7, 9]
    assert tokens.phonemes == "ac"
    assert tokens.dropped == Counter({"b": 1})


def test_tokenize_random_strings_keeps_known_symbols_in_order_and_counts_the_rest():
    rng = random.Random(1234)
    known = sorted(VOCAB)
    unknown = ["X", "g", "0", "7", "❓", "\n", "-", "ʀ"]
    for _ in range(300):
        text = "".join(
            rng.choice(unknown) if rng.random() < 0.15 else rng.choice(known) for _ in range(rng.randint(0, 80))
        )
        tokens = tokenize(text)
        expected_kept = "".join(c for c in text if c in VOCAB)
        assert tokens.phonemes == expected_kept
        assert tokens.ids == [VOCAB[c] for c in expected_kept]
        assert tokens.dropped == Counter(c for c in text if c not in VOCAB)
        assert len(tokens.ids) + sum(tokens.dropped.values()) == len(text)


# --------------------------------------------------------------------------
# split_phonemes: table
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phonemes", "limit", "pieces"),
    [
        # Short enough: one piece, trimmed.
        ("həlˈO wˈɜɹld.", MAX_IDS, ["həlˈO wˈɜɹld."]),
        ("  ab cd  ", 10, ["ab cd"]),
        ("", 5, []),
        ("   ", 5, []),
        ("abcde", 5, ["abcde"]),
        # A sentence end beats a later clause end and a later space.
        ("aaaaaa. b, cc dd", 11, ["aaaaaa.", "b, cc dd"]),
        ("aaaa, bb. cc dd", 12, ["aaaa, bb.", "cc dd"]),
        # No sentence end: a clause end beats a later space.
        ("aaaa bb, cc dd ee", 12, ["aaaa bb,", "cc dd ee"]),
        # No punctuation: the last space in the window.
        ("aaa bbb ccc ddd", 10, ["aaa bbb", "ccc ddd"]),
        # A space just after the limit still counts (the piece is exactly `limit` long).
        ("aaaaa bbbbb", 5, ["aaaaa", "bbbbb"]),
        # The last sentence end of the window, not the first.
        ("a. b. c. dddd", 8, ["a. b. c.", "dddd"]),
        # A sentence end in the first half of the window is passed over for a later clause end (pieces stay
        # long enough for natural prosody).
        ("a. bbbb, cccc", 10, ["a. bbbb,", "cccc"]),
        # Punctuation that is not followed by a space is no boundary while a space exists.
        ("aaaa.bbb ccc", 10, ["aaaa.bbb", "ccc"]),
        # Opening brackets/quotes are no boundary.
        ("aaaa( bbbb cccc", 10, ["aaaa( bbbb", "cccc"]),
        ("aaaa“ bbbb cccc", 10, ["aaaa“ bbbb", "cccc"]),
        # A word longer than the limit is cut, losing nothing.
        ("abcdefghijkl", 5, ["abcde", "fghij", "kl"]),
        ("abcdefgh ij", 4, ["abcd", "efgh", "ij"]),
        # ... preferably after punctuation inside it.
        ("abc.defghij", 5, ["abc.", "defgh", "ij"]),
        ("ab,cdefg", 5, ["ab,", "cdefg"]),
        # limit 1: every symbol alone.
        ("ab c", 1, ["a", "b", "c"]),
        # Several spaces at a cut disappear, inside a piece they stay.
        ("aa  bb     cc", 6, ["aa  bb", "cc"]),
    ],
)
def test_split_phonemes(phonemes, limit, pieces):
    assert split_phonemes(phonemes, limit) == pieces


@pytest.mark.parametrize("mark", list(SENTENCE_ENDS + CLAUSE_ENDS))
def test_every_sentence_and_clause_mark_is_a_boundary(mark):
    # Without the mark, the cut would be at the last space of the window ("aaaaX bbbb").
    assert split_phonemes(f"aaaa{mark} bbbb cccc", 10) == [f"aaaa{mark}", "bbbb cccc"]


@pytest.mark.parametrize("mark", list(SENTENCE_ENDS))
def test_sentence_end_beats_clause_end(mark):
    for clause in CLAUSE_ENDS:
        text = f"aaaaaa{mark} b{clause} cc dd"
        assert split_phonemes(text, 11) == [f"aaaaaa{mark}", f"b{clause} cc dd"], text


def test_default_limit_is_max_ids():
    words = ["wˈɜɹd"] * 300  # 1799 symbols
    text = " ".join(words)
    pieces = split_phonemes(text)
    assert all(len(p) <= MAX_IDS for p in pieces)
    assert len(pieces) == 4
    assert " ".join(pieces) == text


@pytest.mark.parametrize("limit", [0, -1, -510])
def test_limit_below_one_is_an_error(limit):
    with pytest.raises(ValueError, match=str(limit)):
        split_phonemes("abc", limit)


# --------------------------------------------------------------------------
# split_phonemes: properties over random strings of the vocabulary
# --------------------------------------------------------------------------

_LETTERS = sorted(s for s in VOCAB if s not in SENTENCE_ENDS + CLAUSE_ENDS + " ")


def _random_phonemes(rng: random.Random, max_word: int) -> str:
    parts = []
    for _ in range(rng.randint(0, 40)):
        word = "".join(rng.choice(_LETTERS) for _ in range(rng.randint(1, max_word)))
        if rng.random() < 0.3:
            word += rng.choice(SENTENCE_ENDS + CLAUSE_ENDS)
        if rng.random() < 0.05:  # punctuation inside a word
            cut = rng.randint(0, len(word))
            word = word[:cut] + rng.choice(SENTENCE_ENDS + CLAUSE_ENDS) + word[cut:]
        parts.append(word)
        parts.append(" " * (1 if rng.random() < 0.9 else rng.randint(2, 4)))
    text = "".join(parts)
    if rng.random() < 0.2:
        text = "  " + text
    return text


def _locate(text: str, pieces: list[str]) -> list[tuple[int, int]]:
    """Where each piece lies in ``text``; asserts that only whitespace lies between and around them."""
    spans = []
    pos = 0
    for piece in pieces:
        start = pos
        while start < len(text) and text[start].isspace():
            start += 1
        assert text[start : start + len(piece)] == piece, (text, pieces)
        spans.append((start, start + len(piece)))
        pos = start + len(piece)
    assert text[pos:].strip() == "", (text, pieces)
    return spans


def test_split_properties_on_random_strings():
    rng = random.Random(20250101)
    for _ in range(1500):
        limit = rng.choice([1, 2, 3, 5, 8, 13, 21, 34, 60, 120])
        text = _random_phonemes(rng, max_word=rng.choice([3, 8, 30]))
        pieces = split_phonemes(text, limit)

        # Nothing longer than the limit, no empty piece, no whitespace at the edges of a piece.
        assert all(0 < len(p) <= limit for p in pieces), (text, limit, pieces)
        assert all(p == p.strip() for p in pieces)
        # Nothing lost, order kept: only whitespace between the pieces.
        spans = _locate(text, pieces)
        assert "".join(text.split()) == "".join("".join(p.split()) for p in pieces)

        for (start, end), (next_start, _) in zip(spans, spans[1:]):
            window = text[start : start + limit + 1]
            if next_start == end:
                # A cut inside a word: only when the window held no space.
                assert " " not in window, (text, limit, pieces)
            # The best boundary of the window was taken: sentence end (followed by a space, in the second half
            # of the window), else clause end, else a space.
            sentence = [i + 1 for i in range(len(window) - 1) if window[i] in SENTENCE_ENDS and window[i + 1] == " "]
            clause = [i + 1 for i in range(len(window) - 1) if window[i] in CLAUSE_ENDS and window[i + 1] == " "]
            sentence = [c for c in sentence if c >= limit // 2]
            clause = [c for c in clause if c >= limit // 2]
            piece_end = end - start
            if sentence:
                assert piece_end == sentence[-1], (text, limit, pieces)
            elif clause:
                assert piece_end == clause[-1], (text, limit, pieces)
            elif " " in window:
                assert piece_end == len(window[: window.rfind(" ")].rstrip()), (text, limit, pieces)


def test_single_spaced_words_no_longer_than_limit_join_back_exactly():
    rng = random.Random(7)
    for _ in range(1000):
        limit = rng.randint(1, 80)
        words = [
            "".join(rng.choice(_LETTERS + list(SENTENCE_ENDS + CLAUSE_ENDS)) for _ in range(rng.randint(1, limit)))
            for _ in range(rng.randint(1, 30))
        ]
        text = " ".join(words)
        pieces = split_phonemes(text, limit)
        assert all(len(p) <= limit for p in pieces)
        assert " ".join(pieces) == text, (text, limit, pieces)
        # No word is ever cut.
        assert sorted(w for p in pieces for w in p.split(" ")) == sorted(words)


def test_long_words_are_cut_without_losing_symbols():
    rng = random.Random(99)
    for _ in range(300):
        limit = rng.randint(1, 40)
        word = "".join(rng.choice(_LETTERS) for _ in range(rng.randint(limit + 1, 5 * limit + 1)))
        pieces = split_phonemes(word, limit)
        assert "".join(pieces) == word
        assert all(len(p) == limit for p in pieces[:-1])
        assert 0 < len(pieces[-1]) <= limit

"""espeak-ng G2P (through phonemizer-fork, with libespeak-ng from espeakng-loader): es, fr, hi, it, pt-br,
and the fallback for English."""

from __future__ import annotations

import logging
import re
import threading

from .base import G2P, G2PResult, G2PStats, Word

_LOGGER = logging.getLogger(__name__)


def _quiet_phonemizer() -> None:
    """phonemizer warns of a "words count mismatch" whenever espeak-ng splits or joins words differently from the
    input; with one text per call it means nothing to us, and it would fill a service's log. Each new phonemizer
    backend sets its logger back to WARNING: call this after making one."""
    logging.getLogger("phonemizer").setLevel(logging.ERROR)


_quiet_phonemizer()

#: libespeak-ng keeps process-wide state: every call into it, from any backend, holds this lock.
ESPEAK_LOCK = threading.RLock()

#: The espeak-ng voice for each language id (as Kokoro's own pipeline uses them).
ESPEAK_VOICES = {
    "en-us": "en-us",
    "en-gb": "en-gb",
    "es": "es",
    "fr": "fr-fr",
    "hi": "hi",
    "it": "it",
    "pt-br": "pt-br",
}

_WORD_RE = re.compile(r"\w", re.UNICODE)

# Punctuation espeak-ng drops, written as the stops it keeps, so that sentences keep their falling end.
_PUNCTUATION = {"hi": str.maketrans({"।": ".", "॥": "."})}


def count_words(text: str) -> int:
    return sum(1 for w in text.split() if _WORD_RE.search(w))


def pair_words(text: str, phonemes: str, source: str) -> list[Word]:
    """Words of ``text`` with their phonemes, when espeak kept one phoneme word per word; else one entry."""
    words, phoneme_words = text.split(), phonemes.split()
    if len(words) == len(phoneme_words):
        return [Word(w, p, source) for w, p in zip(words, phoneme_words)]
    return [Word(text.strip(), phonemes, source)] if text.strip() else []


class EspeakG2P(G2P):
    backend = "espeak"

    def __init__(self, language: str) -> None:
        from misaki import espeak  # sets phonemizer's library and data paths to espeakng-loader's

        self.language = language
        with ESPEAK_LOCK:
            self._g2p = espeak.EspeakG2P(language=ESPEAK_VOICES[language])
            _quiet_phonemizer()

    def phonemize(self, text: str) -> G2PResult:
        table = _PUNCTUATION.get(self.language)
        with ESPEAK_LOCK:
            phonemes, _ = self._g2p(text.translate(table) if table else text)
        phonemes = phonemes.strip()
        return G2PResult(phonemes, pair_words(text, phonemes, self.backend), G2PStats(words=count_words(text)))


class EspeakEnglishG2P(G2P):
    """English by espeak-ng alone (``g2p: {en-us: espeak}``), in misaki's English phoneme set: the conversion
    misaki applies to the words it sends to espeak, applied to the whole text."""

    backend = "espeak"

    def __init__(self, language: str) -> None:
        if language not in ("en-us", "en-gb"):
            raise ValueError(f"espeak English G2P is for en-us and en-gb, not {language!r}")
        self.language = language
        self._espeak = EspeakEnglishFallback(language == "en-gb")

    def phonemize(self, text: str) -> G2PResult:
        phonemes = self._espeak.text(text).strip()
        return G2PResult(phonemes, pair_words(text, phonemes, self.backend), G2PStats(words=count_words(text)))


class EspeakEnglishFallback:
    """misaki's espeak fallback for English words its lexicon lacks, serialized on the espeak lock, counting the
    words it was asked for."""

    def __init__(self, british: bool) -> None:
        from misaki import espeak

        with ESPEAK_LOCK:
            self._fallback = espeak.EspeakFallback(british=british)
            _quiet_phonemizer()
        self.words: list[str] = []  # words this fallback phonemized since the last reset (caller holds a lock)

    def __call__(self, token):
        with ESPEAK_LOCK:
            phonemes, rating = self._fallback(token)
        self.words.append(token.text)
        return phonemes, rating

    def text(self, text: str) -> str:
        """A whole text through espeak, in misaki's phoneme set (used when misaki itself fails)."""
        from misaki.token import MToken

        with ESPEAK_LOCK:
            phonemes, _ = self._fallback(MToken(text=text, tag="", whitespace=""))
        return phonemes or ""

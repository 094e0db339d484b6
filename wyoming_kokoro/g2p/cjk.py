"""Chinese and Japanese G2P with misaki (optional extras ``[zh]`` and ``[ja]``).

Assistant replies in these languages often hold English names ("打开 Spotify", "Home Assistantを起動"); misaki
passes Latin letters through as they are, and several are not Kokoro phonemes. Runs of Latin words therefore go
to the English G2P, the rest to misaki. When misaki fails on a text, each clause is tried alone, so that one odd
clause costs its own words, not the whole reply.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Callable

from .base import G2P, G2PResult, G2PStats, Word

_LOGGER = logging.getLogger(__name__)

_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’\-]*(?:[ \t]+[A-Za-z][A-Za-z'’\-]*)*")
_CLAUSES = re.compile(r"(?<=[、。，！？；：,.!?;:\s])")

English = Callable[[str], G2PResult]


class _MisakiCJK(G2P):
    def __init__(self, language: str, english: English | None) -> None:
        self.language = language
        self._english = english
        self._lock = threading.Lock()  # misaki's CJK objects are not documented as thread-safe

    def _convert(self, text: str) -> str:
        raise NotImplementedError

    def _count_words(self, text: str, phonemes: str) -> int:
        raise NotImplementedError

    def english(self, text: str) -> G2PResult:
        if self._english is None:
            from .english import MisakiEnglishG2P

            self._english = MisakiEnglishG2P("en-us").phonemize
        return self._english(text)

    def _native(self, text: str, stats: G2PStats) -> str:
        if not text.strip():
            return ""
        with self._lock:
            try:
                phonemes = self._convert(text)
            except Exception:  # misaki asserts on some inputs (e.g. very long digit runs in Japanese)
                _LOGGER.warning("misaki failed on %r; phonemizing it clause by clause", text, exc_info=True)
                stats.text_fallbacks += 1
                parts = []
                for clause in filter(str.strip, _CLAUSES.split(text)):
                    try:
                        parts.append(self._convert(clause))
                    except Exception:
                        _LOGGER.warning("No phonemes for %r in %r", clause, text)
                        stats.unknown_words += max(1, self._count_words(clause, clause))
                phonemes = " ".join(p.strip() for p in parts if p.strip())
        stats.words += self._count_words(text, phonemes)
        return phonemes.strip()

    def phonemize(self, text: str) -> G2PResult:
        stats = G2PStats()
        parts: list[str] = []
        words: list[Word] = []
        position = 0
        for match in _LATIN_RUN.finditer(text):
            native = self._native(text[position : match.start()], stats)
            if native:
                parts.append(native)
                words.append(Word(text[position : match.start()].strip(), native, self.backend))
            english = self.english(match.group())
            parts.append(english.phonemes)
            words.extend(english.words)
            stats.add(english.stats)
            position = match.end()
        native = self._native(text[position:], stats)
        if native:
            parts.append(native)
            words.append(Word(text[position:].strip(), native, self.backend))
        stats.cache_hits = stats.cache_misses = 0  # those of the English calls are not this call's
        return G2PResult(" ".join(p for p in parts if p), words, stats)


class MisakiChineseG2P(_MisakiCJK):
    """Mandarin: jieba word segmentation, pypinyin, cn2an for numerals; misaki's Kokoro v1.0 phoneme set."""

    backend = "misaki-zh"

    def __init__(self, language: str = "zh", english: English | None = None) -> None:
        import jieba
        from misaki import zh

        jieba.setLogLevel(60)  # jieba prints its dictionary loading to stderr
        super().__init__(language, english)
        self._jieba = jieba
        self._g2p = zh.ZHG2P(version=None)  # None: the phoneme set of Kokoro-82M v1.0 (1.1 is another model)

    def _convert(self, text: str) -> str:
        return self._g2p(text)[0]

    def _count_words(self, text: str, phonemes: str) -> int:
        return sum(1 for w in self._jieba.lcut(text) if any(ch.isalnum() for ch in w))


class MisakiJapaneseG2P(_MisakiCJK):
    """Japanese: misaki's cutlet-based G2P on fugashi, which finds the UniDic-lite dictionary from PyPI (the full
    ``unidic`` package that misaki[ja] asks for downloads its dictionary at run time)."""

    backend = "misaki-ja"

    def __init__(self, language: str = "ja", english: English | None = None) -> None:
        from misaki import ja

        super().__init__(language, english)
        self._g2p = ja.JAG2P()  # cutlet: the phoneme set of Kokoro-82M v1.0

    def _convert(self, text: str) -> str:
        return self._g2p(text)[0] or ""

    def _count_words(self, text: str, phonemes: str) -> int:
        # cutlet gives no per-word tokens; its output has a space between words
        return sum(1 for w in phonemes.split() if any(ch.isalpha() for ch in w))

"""Chinese and Japanese G2P with misaki (optional extras ``[zh]`` and ``[ja]``)."""

from __future__ import annotations

import threading

from .base import G2P, G2PResult, G2PStats, Word


class MisakiChineseG2P(G2P):
    """Mandarin: jieba word segmentation, pypinyin, cn2an for numerals; misaki's Kokoro v1.0 phoneme set."""

    backend = "misaki-zh"

    def __init__(self, language: str = "zh") -> None:
        import jieba
        from misaki import zh

        jieba.setLogLevel(60)  # jieba prints its dictionary loading to stderr
        self.language = language
        self._jieba = jieba
        self._g2p = zh.ZHG2P(version=None)  # None: the phoneme set of Kokoro-82M v1.0 (1.1 is another model)
        self._lock = threading.Lock()

    def phonemize(self, text: str) -> G2PResult:
        with self._lock:
            phonemes, _ = self._g2p(text)
            n_words = sum(1 for w in self._jieba.lcut(text) if w.strip() and any(ch.isalnum() for ch in w))
        phonemes = phonemes.strip()
        return G2PResult(phonemes, [Word(text, phonemes, self.backend)] if phonemes else [], G2PStats(words=n_words))


class MisakiJapaneseG2P(G2P):
    """Japanese: misaki's cutlet-based G2P on fugashi, which finds the UniDic-lite dictionary from PyPI (the full
    ``unidic`` package that misaki[ja] asks for downloads its dictionary at run time)."""

    backend = "misaki-ja"

    def __init__(self, language: str = "ja") -> None:
        from misaki import ja

        self.language = language
        self._g2p = ja.JAG2P()
        self._lock = threading.Lock()

    def phonemize(self, text: str) -> G2PResult:
        with self._lock:
            phonemes, _ = self._g2p(text)  # cutlet gives no per-word tokens
        phonemes = (phonemes or "").strip()
        n_words = sum(1 for w in phonemes.split() if any(ch.isalpha() for ch in w))
        return G2PResult(phonemes, [Word(text, phonemes, self.backend)] if phonemes else [], G2PStats(words=n_words))

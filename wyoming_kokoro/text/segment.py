"""Cutting text into the pieces that are synthesized one at a time: sentences, and a short first clause.

Sentence boundaries come from pySBD (rule-based, multilingual, knows abbreviations, decimals and ellipses).
:class:`SentenceStream` does the same for text that arrives in deltas split anywhere (an LLM's output): it
hands out a sentence as soon as it is certainly complete, and never cuts inside a word or a number like "3.5".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pysbd

# pySBD's rule sets by our language ids. It has no Portuguese; Spanish has the closest abbreviations.
_PYSBD_LANGUAGE = {
    "en-us": "en",
    "en-gb": "en",
    "es": "es",
    "fr": "fr",
    "hi": "hi",
    "it": "it",
    "ja": "ja",
    "pt-br": "es",
    "zh": "zh",
}

#: A first sentence longer than this many characters is started with its first clause alone.
LONG_SENTENCE = 60
_MIN_CLAUSE_WORDS = 3
_MIN_CLAUSE_CHARS = 8  # for scripts written without spaces (Chinese, Japanese)

# A clause mark: a Latin one must be followed by a space ("3,000" is a number, not two clauses).
_CLAUSE_MARK = re.compile(r"(?:[,;:](?=\s)|\s[—–-](?=\s)|[，、；：])")
# A conjunction that starts a clause: the sentence may be cut just before it ("the lights are on | and ...").
_CONJUNCTION = re.compile(r"(?<=\w)\s+(?=(?:and|but|or|so|because|while|which|although|though|then)\s)", re.I)
# Sentence ends that nothing can continue: a digit can follow "." (3.5) but not these.
_FINAL_MARKS = "!?…。！？।"
_CLOSERS = "\"'”’»)]}」』）"
_LEADING_CLOSERS = re.compile(rf"^\s*[{re.escape(_CLOSERS)}]+")
_SPEAKABLE = re.compile(r"\w", re.UNICODE)
_PROBES = ("The", "the")


@lru_cache(maxsize=None)
def _segmenter(language: str) -> pysbd.Segmenter:
    return pysbd.Segmenter(language=_PYSBD_LANGUAGE.get(language, "en"), clean=False)


def speakable(text: str) -> bool:
    """Whether ``text`` has anything to say (a letter or a digit), not only punctuation and spaces."""
    return bool(_SPEAKABLE.search(text))


def split_sentences(text: str, language: str = "en-us") -> list[str]:
    """The sentences of ``text``, stripped; pieces with nothing to say are joined to the sentence before."""
    sentences: list[str] = []
    for segment in _segmenter(language).segment(text):
        segment = segment.strip()
        if not segment:
            continue
        if speakable(segment):
            sentences.append(segment)
        elif sentences:
            sentences[-1] += segment
    return sentences


def clause_cuts(sentence: str, language: str = "en-us") -> list[int]:
    """Where ``sentence`` may be cut between clauses, leaving a few words on both sides: after its clause marks
    (comma, semicolon, colon, dash); where it has none, in English, before a conjunction ("and", "but",
    "because"...). Marks come first because "and" joins words as often as clauses ("the hall and the kitchen")."""
    for pattern in (_CLAUSE_MARK, _CONJUNCTION if language.startswith("en") else None):
        if pattern is None:
            continue
        ends = pattern is _CLAUSE_MARK
        cuts = [
            cut for cut in (match.end() if ends else match.start() for match in pattern.finditer(sentence))
            if _long_enough(sentence[:cut].strip()) and _long_enough(sentence[cut:].strip())
        ]
        if cuts:
            return cuts
    return []


def split_clauses(sentence: str, language: str = "en-us") -> list[str]:
    """``sentence`` cut at every :func:`clause_cuts` position that leaves each part a few words."""
    parts, start = [], 0
    for cut in clause_cuts(sentence, language):
        if _long_enough(sentence[start:cut].strip()) and _long_enough(sentence[cut:].strip()):
            parts.append(sentence[start:cut].strip())
            start = cut
    parts.append(sentence[start:].strip())
    return [part for part in parts if part]


def split_first_clause(
    sentence: str, min_length: int = LONG_SENTENCE, language: str = "en-us"
) -> tuple[str, str] | None:
    """(first clause, rest) of a sentence longer than ``min_length`` characters, cut at its first
    :func:`clause_cuts` position; None if there is none."""
    if len(sentence) <= min_length:
        return None
    cuts = clause_cuts(sentence, language)
    if not cuts:
        return None
    return sentence[: cuts[0]].strip(), sentence[cuts[0]:].strip()


def _long_enough(clause: str) -> bool:
    words = clause.split()
    if len(words) >= _MIN_CLAUSE_WORDS:
        return True
    # Chinese and Japanese put no spaces between words: count characters there.
    return len(words) < 2 and len(clause) >= _MIN_CLAUSE_CHARS and not clause.isascii()


def pieces(text: str, language: str = "en-us", first_clause: bool = True) -> list[str]:
    """What one request synthesizes one after the other: its sentences, the first one cut after its first
    clause when it is long (so that the first audio is ready sooner)."""
    sentences = split_sentences(text, language)
    if first_clause and sentences:
        cut = split_first_clause(sentences[0], language=language)
        if cut:
            sentences[0:1] = list(cut)
    return sentences


@dataclass
class SentenceStream:
    """Sentences out of text that arrives in pieces.

    ``feed(delta)`` returns the sentences that are now certainly complete; ``flush()`` returns what is left.
    A sentence is complete when more text follows its end, or when it ends with a mark nothing can continue
    ("!", "?", "。") or with "." followed by a space, and the sentence splitter agrees that it is an end there
    (so "Dr. " and "3." wait for what follows).
    """

    language: str = "en-us"
    first_clause: bool = True
    _buffer: str = ""
    _emitted: int = 0

    def feed(self, delta: str) -> list[str]:
        self._buffer += delta
        if self._emitted:  # a closing quote that comes after its sentence was handed out belongs to it
            self._buffer = _LEADING_CLOSERS.sub("", self._buffer)
        segmenter = _segmenter(self.language)
        segments = [s for s in segmenter.segment(self._buffer) if s.strip()]
        if not segments:
            return []
        complete = segments[:-1]
        if self._certainly_ends(segments[-1]):
            complete = segments
        out: list[str] = []
        for segment in complete:
            self._consume(segment)
            self._add(out, segment.strip())
        if not out and self._emitted == 0 and self.first_clause:
            cut = split_first_clause(self._buffer.strip(), language=self.language)
            if cut and not cut[1].endswith(tuple(_FINAL_MARKS + ".")):
                # The first sentence is long and still coming: start with its first clause now.
                self._consume(cut[0])
                self._add(out, cut[0])
        return out

    def flush(self) -> list[str]:
        rest, self._buffer = self._buffer.strip(), ""
        out: list[str] = []
        for sentence in split_sentences(rest, self.language) if rest else []:
            self._add(out, sentence)
        return out

    @property
    def pending(self) -> str:
        """The text received and not handed out yet."""
        return self._buffer

    def _certainly_ends(self, segment: str) -> bool:
        stripped = segment.rstrip()
        body = stripped.rstrip(_CLOSERS)
        if not body or not speakable(body):
            return False
        followed_by_space = self._buffer[-1:].isspace()
        # After "!" or "?" only a closing quote or another mark can come, and those are silent; after "." a
        # digit or a letter may still come ("3.5", "example.com"), so it takes a space to be sure.
        if not (body[-1] in _FINAL_MARKS or (body[-1] == "." and followed_by_space)):
            return False
        # Would the splitter cut here whatever came next? After "." it must cut before a capital and before a
        # lower-case word alike: "lights are on. " is an end, "Dr. " and "5 p.m. " are not sure to be.
        # So must a "!" or "?" inside quotes: 'He said "Hi!" and left.' goes on.
        probes = _PROBES if body[-1] == "." or body != stripped else _PROBES[:1]
        tail = self._buffer if followed_by_space else self._buffer + " "
        segmenter = _segmenter(self.language)
        for probe in probes:
            cut = segmenter.segment(tail + probe)
            if len(cut) < 2 or cut[-1].strip() != probe:
                return False
        return True

    def _consume(self, segment: str) -> None:
        """Drop ``segment`` (and the spaces before it) from the front of the buffer."""
        start = self._buffer.find(segment.strip())
        if start < 0:  # the splitter changed the text (it should not, with clean=False): drop by length
            self._buffer = self._buffer.lstrip()[len(segment.strip()):]
            return
        self._buffer = self._buffer[start + len(segment.strip()):]

    def _add(self, out: list[str], sentence: str) -> None:
        if not sentence:
            return
        if not speakable(sentence):
            # Lone punctuation (a closing quote that came late): nothing to say.
            return
        self._emitted += 1
        out.append(sentence)

"""Cutting text into the pieces that are synthesized one at a time: sentences, and a short first clause.

Sentence boundaries are decided one candidate at a time (a stop followed by a space, a Chinese or Japanese
stop, a line break), each from the text of its sentence and the word after it alone; where that takes
judgement ("Dr. Smith", "5 p.m. today", "3. The", "U.S. office") pySBD decides, on that short window.
Because no decision looks further than the next word, text that arrives in deltas cut anywhere (an LLM's
output, :class:`SentenceStream`) is cut exactly where the whole text is, and a sentence can be handed out as
soon as the word after it is known, or sooner when nothing that could follow would change the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import pysbd
from pysbd.exclamation_words import ExclamationWords

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
# A streamed first sentence is searched for its first clause while it is this short: past it, a clause cut
# would come late anyway, and searching on every delta would cost time that grows with the sentence.
_FIRST_CLAUSE_WITHIN = 400
_MIN_CLAUSE_WORDS = 3
_MIN_CLAUSE_CHARS = 8  # for scripts written without spaces (Chinese, Japanese)

# A clause mark: a Latin one must be followed by a space ("3,000" is a number, not two clauses).
_CLAUSE_MARK = re.compile(r"(?:[,;:](?=\s)|\s[—–-](?=\s)|[，、；：])")
# A conjunction that starts a clause: the sentence may be cut just before it ("the lights are on | and ...").
_CONJUNCTION = re.compile(r"(?<=\w)\s+(?=(?:and|but|or|so|because|while|which|although|though|then)\s)", re.I)
# Stops written before a space; of them, the final marks end a sentence whatever word follows, where "."
# and "..." may belong to "Dr.", "e.g." or "5 p.m." and take pySBD's judgement.
_STOPS = ".!?…।॥"
_FINAL_MARKS = "!?।॥"
# Chinese and Japanese stops need no space after them.
_CJK_STOPS = "。！？"
_CLOSERS = "\"'”’»)]}」』）】》"
# Brackets and quotes whose nesting is followed (the apostrophes are not: "don't" opens nothing).
_OPENING = "([{“«„「『（【《"
_CLOSING = ")]}”»」』）】》"
_NESTING = re.compile(rf'[{re.escape(_OPENING + _CLOSING)}"]')
_C = re.escape(_CLOSERS)
_SPACES = " \u00a0\u202f"  # French puts a (thin, no-break) space before "»"
# Where a sentence may end: a line break; a Chinese or Japanese stop (and the quotes that close after it);
# a run of stops and closing quotes followed by a space or by the end of the text so far.
_BOUNDARY = re.compile(
    rf"(?P<line>\n)"
    rf"|(?P<cjk>[{_CJK_STOPS}][{_CJK_STOPS}{re.escape(_STOPS)}]*[{_C}]*)"
    rf"|(?P<stop>[{re.escape(_STOPS)}]+(?:[{_C}]|[{_SPACES}]+»)*)(?=\s|\Z)"
)
_WORD_AFTER = re.compile(r"(\s*)(\S*)")
# Silent marks that arrive after a sentence was handed out on its final mark ('"Stop!' then '"').
_LATE_MARKS = re.compile(rf"^[{_C}!?！？。.]+")
# A word with these in it may be a URL or a path ("example.com/a?b=1"): its "?" or "!" waits for what follows.
_URLISH = re.compile(r"[/:@=&#%~\\_]|\.(?!\d)")  # not "3.5?"
_SPEAKABLE = re.compile(r"\w", re.UNICODE)
_PROBES = ("The", "the")
# Words where pySBD reads "!" as a letter (Yahoo!): pySBD decides after them, as after ".".
_EXCLAMATION_WORDS = frozenset(w.lower() for w in ExclamationWords.EXCLAMATION_WORDS if w.endswith("!"))
# Titles and the like that are never the last word of a sentence; pySBD misses some of them (Spanish "Sr.
# García" is cut after "Sr.", French "p. 5" after "p."). Lower case, without their final ".".
_COMMON_TITLES = frozenset({"e.g", "i.e", "cf", "vs", "viz", "p", "pp", "dr", "prof"})
_TITLES = {
    "en": frozenset({"mr", "mrs", "ms", "mx", "rev", "hon", "gen", "capt", "lt", "sgt", "col", "st", "mt"}),
    "es": frozenset({"sr", "sra", "srta", "sres", "dra", "ud", "uds", "vd", "vds", "lic", "ing", "profa", "arq",
                     "pág", "págs", "p.ej", "av", "avda", "núm", "sto", "sta"}),
    "pt": frozenset({"sr", "sra", "srta", "srs", "dra", "profa", "pág", "p.ex", "av", "eng", "exmo", "exma"}),
    "fr": frozenset({"m", "mm", "mme", "mmes", "mlle", "mlles", "pr", "st", "ste", "bd", "av", "n°"}),
    "it": frozenset({"sig", "sigg", "sig.ra", "sig.na", "dott", "dott.ssa", "prof.ssa", "avv", "ing", "geom",
                     "rag", "arch", "egr", "gent", "pag", "p.es", "on"}),
    "hi": frozenset({"डॉ", "प्रो"}),
}
# A piece of the window pySBD sees before a candidate: enough for its rules, bounded for its cost.
_WINDOW = 200


@lru_cache(maxsize=None)
def _segmenter(language: str) -> pysbd.Segmenter:
    return pysbd.Segmenter(language=_PYSBD_LANGUAGE.get(language, "en"), clean=False)


def speakable(text: str) -> bool:
    """Whether ``text`` has anything to say (a letter or a digit), not only punctuation and spaces."""
    return bool(_SPEAKABLE.search(text))


def split_sentences(text: str, language: str = "en-us") -> list[str]:
    """The sentences of ``text``, stripped; pieces with nothing to say are joined to the sentence before.

    They are those :class:`SentenceStream` hands out for the same text, however it arrives."""
    sentences: list[str] = []
    for segment in SentenceStream(language, first_clause=False)._split(text):
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
    Fed the same text cut anywhere, it hands out the same sentences as :func:`split_sentences` (bar the first
    clause, and silent marks that come after a sentence was handed out on its "!" or "?"). A sentence is
    handed out as soon as the word after its end is known, and sooner when its end is certain whatever comes:
    "!", "?", "。" (not "?" in a URL, nor "!" inside a quotation that began mid-sentence), or "." followed by a
    space where pySBD cuts before both "The" and "the" (so "Dr. ", "3." and "5 p.m. " wait for what follows).
    """

    language: str = "en-us"
    first_clause: bool = True
    _buffer: str = ""  # the text from the start of the sentence in progress
    _emitted: int = 0
    _said: int = field(default=0, repr=False)  # how much of the buffer went out as a first clause
    _scan: int = field(default=0, repr=False)  # where to look for the next possible end
    _early: dict[int, bool] = field(default_factory=dict, repr=False)  # probe answers by candidate end
    _late: bool = field(default=False, repr=False)  # a sentence went out on a final mark that ended a delta
    _waiting: bool = field(default=False, repr=False)  # the buffer holds a possible end not decided yet

    def feed(self, delta: str) -> list[str]:
        if not delta:
            return []
        self._buffer += delta
        if self._late:  # a closing quote that comes after its sentence was handed out belongs to it
            self._buffer = _LATE_MARKS.sub("", self._buffer)
            self._late = not self._buffer
        out = self._hand_out(self._cut(final=False))
        if (
            not out and not self._waiting and self._emitted == 0 and self.first_clause
            and len(self._buffer) <= _FIRST_CLAUSE_WITHIN
        ):
            # The first sentence is long and still coming: start with its first clause now.
            said = self._buffer.strip()
            cut = split_first_clause(said, language=self.language)
            if cut and not said.endswith(tuple(_FINAL_MARKS + _CJK_STOPS + ".…")):
                self._said = self._buffer.find(cut[0]) + len(cut[0])
                out += self._hand_out([cut[0]])
        return out

    def flush(self) -> list[str]:
        out = self._hand_out([*self._cut(final=True), self._buffer[self._said:].strip()])
        self._buffer, self._said, self._scan, self._late = "", 0, 0, False
        self._early.clear()
        return out

    @property
    def pending(self) -> str:
        """The text received and not handed out yet."""
        return self._buffer[self._said:]

    def _split(self, text: str) -> list[str]:
        """All the pieces of ``text``, stripped, speakable or not (for :func:`split_sentences`)."""
        self._buffer = text
        pieces = [*self._cut(final=True), self._buffer.strip()]
        self._buffer = ""
        return [piece for piece in pieces if piece]

    def _hand_out(self, pieces: list[str]) -> list[str]:
        """The speakable ones of ``pieces``: lone punctuation (a closing quote that came late) has nothing to say."""
        out = [piece for piece in pieces if speakable(piece)]
        self._emitted += len(out)
        return out

    def _cut(self, final: bool) -> list[str]:
        """Take the sentences that are certainly complete off the front of the buffer; ``final`` when no more
        text will come. Sets ``_waiting`` when it stops at a possible end (a "3." that no clause cut may pass)."""
        out: list[str] = []
        self._waiting = False
        while (match := _BOUNDARY.search(self._buffer, self._scan)) is not None:
            end = self._decide(match, final)
            if end is None:
                self._waiting = True
                break
            if end:
                # A sentence handed out on a final mark that ends the text so far: the closing quotes and
                # marks that may still come after it are silent, and dropped (not said alone).
                self._late = match.lastgroup != "line" and match.end() == len(self._buffer) and not final
                out.append(self._buffer[self._said:match.end()].strip())
                self._buffer = self._buffer[match.end():]
                self._said, self._scan = 0, 0
                self._early.clear()
            else:
                self._scan = match.end()
        else:
            # No end can start in what was searched: a stop followed by anything but a space is no end, and one
            # at the end of the buffer would have matched. The next search starts with the next delta.
            self._scan = len(self._buffer)
        return out

    def _decide(self, match: re.Match[str], final: bool) -> bool | None:
        """Whether the sentence ends at ``match``; None when that depends on text still to come. The answer
        depends only on the sentence up to ``match`` and on the word after it, never on what comes later."""
        kind, start, end = match.lastgroup, match.start(), match.end()
        buffer = self._buffer
        if kind == "line":
            return True
        at_end = end == len(buffer)
        if at_end and final:
            return True
        run = match.group()
        marks = run.rstrip(_CLOSERS + _SPACES)
        closed = len(run) > len(marks)
        inside, opened_first = _quotation(buffer[:start])
        if kind == "cjk":
            if not inside:
                return True
            # A stop inside 「…」 or “…” ends the sentence only with its closing quote, and only where what
            # follows that is not the rest of the sentence (「元気？」と聞いた。 is one sentence).
            if not closed:
                return None if at_end else False
            if at_end:
                return None
            following = buffer[end]
            return following.isspace() or following in _OPENING
        word = _last_word(buffer, start)
        final_mark = any(mark in _FINAL_MARKS for mark in marks)
        final_mark = final_mark and (word + marks[:1]).lower() not in _EXCLAMATION_WORDS
        if at_end:
            # The run may still grow ("3." into "3.5", "a?" into "a?b=1"): only a final mark after a plain word,
            # outside a quotation opened mid-sentence, goes now; a closing quote after it comes too late.
            if final_mark and not closed and not _URLISH.search(word) and (not inside or opened_first):
                return True
            return None
        space, following = _WORD_AFTER.match(buffer, end).groups()
        if "\n" in space:
            return True
        if not following and not final and inside and "«" in buffer[:start]:
            return None  # « Bonjour. » : the closing quote, after its space, is still to come
        if final_mark and (not inside or opened_first):
            return True
        if not final_mark and marks == "." and not closed and word.lower() in _titles(self.language):
            return False
        # The answer is "pySBD cuts here before the next word, or before both "The" and "the"". The second
        # part needs no next word: where pySBD would cut before a capital and a lower-case word alike, this is
        # an end whatever comes ("lights are on. " is one, "Dr. " and "5 p.m. " are not sure to be).
        whole = bool(following) and (end + len(space) + len(following) < len(buffer) or final)
        cuts_before_word = None
        if whole and end not in self._early:  # the next word is there already (whole texts): try it first
            cuts_before_word = self._pysbd_cuts(buffer[:end], len(run), following)
            if cuts_before_word:
                return True
        if end not in self._early:
            self._early[end] = all(self._pysbd_cuts(buffer[:end], len(run), probe) for probe in _PROBES)
        if self._early[end]:
            return True
        if not whole:
            return True if final else None  # only spaces left at the end of the text; or a word coming
        if cuts_before_word is None:
            cuts_before_word = self._pysbd_cuts(buffer[:end], len(run), following)
        return cuts_before_word

    def _pysbd_cuts(self, before: str, run: int, word: str) -> bool:
        """Whether pySBD ends a sentence between the last ``run`` characters of ``before`` (its stops and
        closing quotes) and ``word`` written after it."""
        window = before.lstrip()
        if len(window) > _WINDOW:
            window = window[-_WINDOW:]
            window = window[window.find(" ") + 1:] if " " in window[:-run] else window
        text = f"{window} {word}"
        segments = _segmenter(self.language).segment(text)
        if "".join(segments) != text:  # pySBD changed the text: judge by its last segment alone
            return len(segments) > 1 and segments[-1].strip() == word
        low, high, offset = len(window) - run, len(window) + 1, 0
        for segment in segments[:-1]:
            offset += len(segment)
            if low < offset <= high:
                return True
        return False


@lru_cache(maxsize=None)
def _titles(language: str) -> frozenset[str]:
    return _COMMON_TITLES | _TITLES.get(language.split("-")[0], frozenset())


def _last_word(text: str, end: int) -> str:
    """The word that ends at ``end`` in ``text``, without the quotes and marks that open it."""
    start = max(text.rfind(" ", 0, end), text.rfind("\n", 0, end)) + 1
    return text[start:end].lstrip(_OPENING + "\"'‘¿¡")


def _quotation(text: str) -> tuple[bool, bool]:
    """Whether ``text`` ends inside brackets or quotes, and whether the outermost of those opened it (nothing
    to say before them). A straight double quote opens after a space or at the start, and closes elsewhere."""
    opened: list[int] = []
    for match in _NESTING.finditer(text):
        mark, at = match.group(), match.start()
        if mark in _OPENING or (mark == '"' and (at == 0 or text[at - 1].isspace() or text[at - 1] in _OPENING)):
            opened.append(at)
        elif opened:
            opened.pop()
    return bool(opened), bool(opened) and not speakable(text[: opened[0]])

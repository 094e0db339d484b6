"""The silence between two pieces of speech, by the mark the first one ends with.

One table for the whole process: the pipeline puts it between the pieces of a request, the synthesizer between
the parts of a piece too long for one inference. Each piece's own silence is trimmed, so this is all the
listener hears between them. The sentence and clause pauses are settings (``sentence_pause``, ``clause_pause``):
a :class:`Pauses` carries them to both places.
"""

from __future__ import annotations

from dataclasses import dataclass

SENTENCE_PAUSE = 0.3
CLAUSE_PAUSE = 0.12
#: Silence between a piece and the next, by the mark the first ends with, as a multiple of the sentence pause
#: ("s") or of the clause pause ("c").
PAUSE_MARKS = {".": ("s", 1.0), "!": ("s", 1.0), "?": ("s", 1.0), "…": ("s", 7 / 6), "。": ("s", 1.0),
               "！": ("s", 1.0), "？": ("s", 1.0), "।": ("s", 1.0), ",": ("c", 1.0), "，": ("c", 1.0),
               "、": ("c", 5 / 6), ";": ("c", 1.5), ":": ("c", 1.5), "；": ("c", 1.5), "：": ("c", 1.5),
               "—": ("c", 1.25)}
DEFAULT_PAUSE = 0.25
WORD_PAUSE = 0.05


def pause_after(text: str, speed: float, sentence: float = SENTENCE_PAUSE, clause: float = CLAUSE_PAUSE) -> float:
    """Seconds of silence between ``text`` and the piece that follows it, by the mark it ends with."""
    end = text.rstrip("\"'”’»)]}」』）")[-1:]
    if end.isalnum():  # a piece cut before a conjunction ends in a word: only a breath follows it
        return WORD_PAUSE / speed
    kind, factor = PAUSE_MARKS.get(end, ("", 0.0))
    base = {"s": sentence, "c": clause}.get(kind)
    return (DEFAULT_PAUSE if base is None else base * factor) / speed


@dataclass(frozen=True)
class Pauses:
    """The pauses of a process: seconds after a sentence and after a comma (the other marks scale from them)."""

    sentence: float = SENTENCE_PAUSE
    clause: float = CLAUSE_PAUSE

    def after(self, text: str, speed: float) -> float:
        """Seconds of silence between ``text`` and the piece that follows it."""
        return pause_after(text, speed, self.sentence, self.clause)

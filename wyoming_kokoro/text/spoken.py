"""What a request speaks: its text normalized (markdown, emoji, numbers, units...) and cut into the pieces that
are synthesized one at a time; a streamed text sentence by sentence, as each is certainly complete."""

from __future__ import annotations

from .normalize import normalize, normalize_sentence
from .segment import SentenceStream, pieces, speakable


def spoken_pieces(text: str, language: str) -> list[str]:
    """The pieces of a text known whole (a one-shot request): normalized first, then cut."""
    return pieces(normalize(text, language), language)


class SpokenSentences:
    """The sentences of a text that arrives in deltas cut anywhere (an LLM's reply), each normalized as it
    completes (a table row that arrives alone is read as a row); sentences with nothing to say are left out."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._splitter = SentenceStream(language)

    def feed(self, delta: str) -> list[str]:
        """The sentences ``delta`` completes."""
        return self._spoken(self._splitter.feed(delta))

    def flush(self) -> list[str]:
        """What is left once the text has ended."""
        return self._spoken(self._splitter.flush())

    def _spoken(self, sentences: list[str]) -> list[str]:
        spoken = (normalize_sentence(sentence, self.language) for sentence in sentences)
        return [text for text in spoken if speakable(text)]

"""How long the work of a reply takes on this machine: measured as it is done, read by whoever plans.

A plan tuned on one CPU stutters on another, so every estimate here starts from a default and follows what the
running machine measures: the pipeline reports each piece and each step of decoding (worker threads, under a
lock), and the planner (planner.py) reads the estimates to cut pieces and size windows. The warm-up at start-up
gives the first measurements, before any request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

#: Seconds of speech per character of text at speed 1, to guess how long a text will play before it is synthesized.
SECONDS_PER_CHARACTER = 0.065


@dataclass
class CostModel:
    """The live estimates (moving averages) of one process."""

    #: Inference seconds per audio second of a whole piece (front part and decoder; the G2P before them is not
    #: counted).
    rtf: float = 0.5
    #: Decoder seconds per frame decoded, context included.
    frame_seconds: float = 0.008
    #: Seconds a part takes before its first window is decoded: the front part, and the G2P for a piece's first part.
    front_seconds: float = 0.05
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def note_piece(self, inference_seconds: float, audio_seconds: float) -> None:
        """A piece was synthesized: ``inference_seconds`` for ``audio_seconds`` of audio (pieces of half a second
        or less are left out: their fixed costs would weigh too much)."""
        if audio_seconds > 0.5:
            with self._lock:  # worker threads finish concurrently with parallel inferences
                self.rtf = 0.8 * self.rtf + 0.2 * inference_seconds / audio_seconds

    def note_step(self, frames: int, decode_seconds: float, front_seconds: float | None = None) -> None:
        """A step of decoding: ``frames`` decoded (context included) in ``decode_seconds``, and, for a part's first
        step, the ``front_seconds`` before the decoder ran (steps of fewer than 8 frames are left out of the
        per-frame cost: the call's own overhead would weigh too much)."""
        with self._lock:
            if frames >= 8:
                self.frame_seconds = 0.7 * self.frame_seconds + 0.3 * decode_seconds / frames
            if front_seconds is not None:
                self.front_seconds = 0.7 * self.front_seconds + 0.3 * max(0.0, front_seconds)

    @staticmethod
    def audio_seconds(text: str, speed: float) -> float:
        """How long ``text`` will play, guessed from its length."""
        return len(text) * SECONDS_PER_CHARACTER / speed

    def synthesis_seconds(self, text: str, speed: float) -> float:
        """How long synthesizing ``text`` in one piece will take."""
        return self.rtf * self.audio_seconds(text, speed)

    def decode_seconds(self, frames: int) -> float:
        """How long the decoder takes for ``frames`` (context included)."""
        return frames * self.frame_seconds

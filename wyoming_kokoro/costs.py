"""How long the work of a reply takes on this machine: a rate model, measured where it runs.

A plan tuned on one CPU stutters on another, so every estimate here comes from this machine: calibrated at
warm-up (a few window sizes, two front parts) and updated from every job the pipeline runs. Each kind of work
is a :class:`LinearCost`, a fixed cost per call plus a cost per unit:

- the G2P, per character of text (a phoneme-cache hit costs nothing and is not counted);
- the front part, per phoneme id (token) of the part;
- a decoder window, per frame decoded (context included).

The fit follows the last jobs; the estimate a plan uses is the fit times a high percentile of how far the recent
jobs took longer than predicted, so a slow-down (another process, a busy core) raises the estimates within a job
or two instead of being averaged away. Whole pieces through the single graph (no split) keep a plain moving
average of their real-time factor, which is all that mode plans with.

What a text becomes is measured too, to plan with what the listener will get: phoneme ids per character of text,
a part's sounding frames by its phoneme ids (a :class:`LinearCost` too: a short word is drawn out, so frames are
a fixed number plus a number per id; its estimate does not underestimate the work), seconds of audio per
character (a low percentile: a plan counts on no more audio than recent pieces gave), and the silence trimmed
from the head and the tail of a part's audio (a high one, for the same reason).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

import numpy as np

#: Seconds of speech per character of text at speed 1, to guess how long a text will play before it is synthesized.
SECONDS_PER_CHARACTER = 0.065
#: Phoneme ids per character of text, to guess the size of a front part before the G2P has run.
TOKENS_PER_CHARACTER = 1.0


class LinearCost:
    """Seconds a kind of work takes: ``fixed`` per call plus ``per_unit`` per unit, fitted (least squares, both
    terms kept at zero or more) to the last ``history`` observations. :meth:`estimate` multiplies the fit by the
    ``quantile`` of the ratios actual / predicted over the last ``recent`` observations (never less than 1)."""

    def __init__(self, fixed: float, per_unit: float, history: int = 64, recent: int = 16, quantile: float = 0.9):
        self.fixed, self.per_unit = fixed, per_unit
        self._points: deque[tuple[float, float]] = deque(maxlen=history)
        self._ratios: deque[float] = deque(maxlen=recent)
        self._quantile = quantile
        self.factor = 1.0
        self.observations = 0

    def mean(self, units: float) -> float:
        """The fit: what a call on ``units`` takes, typically."""
        return self.fixed + self.per_unit * units

    def estimate(self, units: float) -> float:
        """What a plan counts on for a call on ``units``: the fit, times the recent slow-down."""
        return self.mean(units) * self.factor

    def units_within(self, seconds: float) -> float:
        """The most units one call can take and still be estimated to finish within ``seconds`` (may be
        negative: not even the fixed cost fits)."""
        if self.per_unit <= 0:
            return float("inf") if self.fixed * self.factor <= seconds else float("-inf")
        return (seconds / self.factor - self.fixed) / self.per_unit

    def observe(self, units: float, seconds: float) -> None:
        predicted = self.mean(units)
        if predicted > 0 and self.observations:
            self._ratios.append(seconds / predicted)
            self.factor = max(1.0, float(np.quantile(self._ratios, self._quantile)))
        self.observations += 1
        self._points.append((float(units), float(seconds)))
        self._fit()

    def _fit(self) -> None:
        x, y = np.array(self._points).T
        if len(x) < 2 or np.ptp(x) < 1e-9 * max(1.0, abs(x).max()):
            # One size seen: keep the fixed cost, and put the rest on the units.
            if x.mean() > 0:
                self.per_unit = max(0.0, (y.mean() - self.fixed) / x.mean())
            else:
                self.fixed = y.mean()
            return
        per_unit, fixed = np.polyfit(x, y, 1)
        if fixed < 0:
            fixed, per_unit = 0.0, float((x * y).sum() / (x * x).sum())
        if per_unit < 0:
            fixed, per_unit = float(y.mean()), 0.0
        self.fixed, self.per_unit = float(fixed), float(per_unit)

    def forget_spread(self) -> None:
        """Start the slow-down afresh (after the calibration: its first ratios compared with the defaults)."""
        self._ratios.clear()
        self.factor = 1.0

    def describe(self, unit: str) -> str:
        return f"{1000 * self.fixed:.1f} ms + {1000 * self.per_unit:.3f} ms a {unit} (slow-down ×{self.factor:.2f})"


class Average:
    """A moving average of a ratio (each observation weighs ``weight``)."""

    def __init__(self, value: float, weight: float = 0.2) -> None:
        self.value, self._weight = value, weight

    def observe(self, value: float) -> None:
        self.value += self._weight * (value - self.value)


class Recent:
    """A percentile of the last observations of a quantity (the default until there are any)."""

    def __init__(self, default: float, recent: int = 32, quantile: float = 0.9) -> None:
        self._values: deque[float] = deque(maxlen=recent)
        self._quantile = quantile
        self.value = default

    def observe(self, value: float) -> None:
        self._values.append(value)
        self.value = float(np.quantile(self._values, self._quantile))


@dataclass
class StepTiming:
    """What one step of a piece did, for the rate model: the work that ran and how long each took, and what the
    text became."""

    characters: int = 0  # text phonemized (0: none, or a phoneme-cache hit)
    g2p_seconds: float = 0.0
    piece_characters: int = 0  # the piece's text and its phoneme ids, once phonemized (cache hits too)
    piece_tokens: int = 0
    tokens: int = 0  # phoneme ids of a part whose front part ran (0: none ran)
    front_seconds: float = 0.0
    sounding_frames: int = 0  # that part's frames from its first sounding token to its last
    frames: int = 0  # frames the decoder ran on, context included (0: it did not run)
    decode_seconds: float = 0.0
    head_trim: float | None = None  # seconds of silence trimmed from the head of a part (its first window)
    tail_trim: float | None = None  # and from its tail (its last window)


@dataclass
class CostModel:
    """The rate model of one process. Observations come from worker threads, under a lock."""

    g2p: LinearCost = field(default_factory=lambda: LinearCost(0.002, 0.00005))
    front: LinearCost = field(default_factory=lambda: LinearCost(0.01, 0.0005))
    decoder: LinearCost = field(default_factory=lambda: LinearCost(0.015, 0.008))
    #: Inference seconds per audio second of a whole piece (front part and decoder; the G2P before them is not
    #: counted): what planning with whole pieces uses.
    rtf: float = 0.5
    tokens_per_character: Average = field(default_factory=lambda: Average(TOKENS_PER_CHARACTER))
    frames: LinearCost = field(default_factory=lambda: LinearCost(15.0, 2.3))  # sounding frames by ids, at speed 1
    audio_per_character: Recent = field(default_factory=lambda: Recent(0.05, quantile=0.1))  # at speed 1
    head_trim: Recent = field(default_factory=lambda: Recent(0.08))
    tail_trim: Recent = field(default_factory=lambda: Recent(0.15))
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def note_piece(self, inference_seconds: float, audio_seconds: float, characters: int = 0, speed: float = 1.0) -> None:
        """A piece of ``characters`` was synthesized: ``inference_seconds`` for ``audio_seconds`` of audio (pieces of
        half a second or less are left out of the real-time factor: their fixed costs would weigh too much)."""
        with self._lock:  # worker threads finish concurrently with parallel inferences
            if audio_seconds > 0.5:
                self.rtf = 0.8 * self.rtf + 0.2 * inference_seconds / audio_seconds
            if characters and audio_seconds:
                self.audio_per_character.observe(audio_seconds * speed / characters)

    def note_step(self, step: StepTiming) -> None:
        """A step of a piece ran: each kind of work in it is one observation."""
        with self._lock:
            if step.characters:
                self.g2p.observe(step.characters, step.g2p_seconds)
            if step.tokens:
                self.front.observe(step.tokens, step.front_seconds)
            if step.frames:
                self.decoder.observe(step.frames, step.decode_seconds)
            if step.piece_characters and step.piece_tokens:
                self.tokens_per_character.observe(step.piece_tokens / step.piece_characters)
            if step.tokens and step.sounding_frames:
                self.frames.observe(step.tokens, step.sounding_frames)
            if step.head_trim is not None:
                self.head_trim.observe(step.head_trim)
            if step.tail_trim is not None:
                self.tail_trim.observe(step.tail_trim)

    @staticmethod
    def audio_seconds(text: str, speed: float) -> float:
        """How long ``text`` will play, guessed from its length."""
        return len(text) * SECONDS_PER_CHARACTER / speed

    def synthesis_seconds(self, text: str, speed: float) -> float:
        """How long synthesizing ``text`` in one piece through the single graph will take."""
        return self.rtf * self.audio_seconds(text, speed)

    def prepare_seconds(self, characters: int, tokens: int) -> float:
        """The estimate for a part's G2P (``characters``, 0 when done) and front part (``tokens``, 0 when done)."""
        return (self.g2p.estimate(characters) if characters else 0.0) + (self.front.estimate(tokens) if tokens else 0.0)

    def calibrated(self) -> None:
        """The warm-up's measurements are in: the slow-down is measured from here on."""
        with self._lock:
            for cost in (self.g2p, self.front, self.decoder):
                cost.forget_spread()

    def describe(self) -> str:
        return (f"G2P {self.g2p.describe('character')}; front part {self.front.describe('phoneme id')}; "
                f"decoder {self.decoder.describe('frame')}")

"""Decoding a piece window by window, so that its first words can play before the rest is decoded.

The front part gives every frame of the piece (:meth:`KokoroModel.front`); the decoder then runs on windows of
frames. Each window is decoded with some frames of context on both sides, which are thrown away: the decoder's
convolutions reach a few frames out, and its normalizations average over what they see. The harmonic source's
phase is carried from window to window (:func:`.split.phase_offset`), and consecutive windows overlap by a short
crossfade, so a seam has no click.

Silence control: the model pads every piece with a silent start token and ends it with the final punctuation
and an end token, whose predicted durations are 0.3 to 0.5 s of silence. Only the frames from shortly before the
first sounding token to shortly after the last one are decoded (with the context frames around them), so the
silence is neither computed nor sent; the pauses between pieces are added as exact zeros by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .audio import speech_bounds
from .model import Frames, KokoroModel
from .tokens import VOCAB

#: Ids that make no sound of their own: punctuation, quotes and the space. The pad (0) too.
SILENT_IDS = frozenset({0} | {VOCAB[s] for s in ';:,.!?¡¿—…"«»“”()[]{} ' if s in VOCAB})


@dataclass(frozen=True)
class WindowPlan:
    """How a piece is cut into windows, in frames of 25 ms. The defaults are set by ``bench/bench_windows.py``."""

    first: int = 11  # output frames of the first window of a request (275 ms: enough to pay for the next one)
    growth: float = 2.0  # each later window is this much longer than the one before ...
    largest: int = 120  # ... up to this many frames
    left: int = 16  # context frames decoded before a later window and thrown away, and ...
    right: int = 16  # ... after it: the decoder's stack of convolutions reaches about this far, and its
    # normalizations see the context too (DNSMOS, tests/test_quality.py: 16 and 16 frames rate OVRL 0.05 below
    # the whole decode on the plan's fixed schedule, 4 and 6 0.15 below)
    lean_left: int = 4  # the same for a lean window, made where one with the full context would not be in time
    lean_right: int = 6  # or would not pay for itself (the planner decides): it must be cheap
    first_right: int = 6  # context after a piece's first window: small, for the first audio's sake
    crossfade: int = 240  # samples over which consecutive windows are crossfaded (10 ms at 24 kHz)
    lead: int = 2  # frames of the start pad kept before the first sounding token
    tail: int = 4  # frames kept after the last sounding token
    onset: int = 6  # frames of the start pad decoded before the lead (as context) when the first window is small
    whole_onset: int = 12  # the same when a piece is decoded in one window: its norms then see the pad, too
    seam_shift: int = 6  # a seam may move this many frames to where the predicted energy is highest ...
    lean_shift: int = 2  # ... a lean window's, and a piece's first window's, this many

    def context(self, first: bool, last: bool, lean: bool = False) -> tuple[int, int]:
        """(frames before, frames after) decoded around a window: the start pad before a piece's first window;
        around a later one the plan's context, or its lean context."""
        if first:
            return (self.whole_onset, 0) if last else (self.onset, self.first_right)
        before, after = (self.lean_left, self.lean_right) if lean else (self.left, self.right)
        return before, 0 if last else after

    def shift(self, lean: bool = False) -> int:
        """Frames a seam may move (a lean window's seam less: it must not grow much)."""
        return self.lean_shift if lean else self.seam_shift

    def __post_init__(self) -> None:
        if self.first < 1 or self.largest < self.first or self.growth < 1:
            raise ValueError(f"window sizes must grow from at least 1 frame: {self}")
        sizes = (self.left, self.right, self.lean_left, self.lean_right, self.first_right, self.lead, self.tail)
        if min(*sizes, self.crossfade) < 0:
            raise ValueError(f"context, lead, tail and crossfade cannot be negative: {self}")


def speech_frames(durations: np.ndarray, ids: list[int], lead: int, tail: int) -> tuple[int, int]:
    """(first, end) frame of the sounding tokens of a piece, ``lead`` frames before and ``tail`` after included.

    ``durations`` has one entry per token of ``[0, *ids, 0]``."""
    tokens = [0, *ids, 0]
    edges = np.concatenate([[0], np.cumsum(durations)]).astype(int)  # token k spans frames edges[k]..edges[k+1]
    sounding = [k for k, token in enumerate(tokens) if token not in SILENT_IDS and durations[k] > 0]
    total = int(edges[-1])
    if not sounding:
        return 0, total
    return max(0, int(edges[sounding[0]]) - lead), min(total, int(edges[sounding[-1] + 1]) + tail)


class WindowedDecoder:
    """The audio of one piece, window by window: call :meth:`next` until :attr:`done`.

    The first window's head and the last window's tail are trimmed of what silence is left (a short margin is
    kept, as :func:`.audio.trim_silence` keeps it), so the piece's audio starts and ends with its sound.
    """

    def __init__(
        self, model: KokoroModel, frames: Frames, ids: list[int], plan: WindowPlan = WindowPlan(), trim: bool = True
    ) -> None:
        self.model, self.frames, self.plan, self.trim = model, frames, plan, trim
        self.hop = model.hop
        self.start, self.end = speech_frames(frames.durations, ids, plan.lead, plan.tail)
        self.position = self.start  # the next frame to decode
        self.windows: list[tuple[int, int]] = []  # (first, end) frames of each window decoded so far
        self.frames_decoded = 0  # context included: the decoder's work
        self.frames_decoded_first = 0  # of those, the first window's
        self._held: np.ndarray | None = None  # the end of the last window, to crossfade with the next
        self._started = False  # some sound has been handed out (the head trim is done)
        #: Samples of silence trimmed from the piece's head (the lead frames included) and from its tail: the audio
        #: of a piece is its frames less these (the rate model learns them, to plan with the audio a listener gets).
        self.head_trimmed = 0
        self.tail_trimmed = 0

    @property
    def done(self) -> bool:
        return self.position >= self.end

    @property
    def remaining(self) -> int:
        return self.end - self.position

    def next_size(self) -> int:
        """The plan's size for the next window (the last one may be shorter)."""
        plan = self.plan
        if not self.windows:
            size = plan.first
        else:
            last = self.windows[-1][1] - self.windows[-1][0]
            size = min(plan.largest, max(plan.first, int(round(last * plan.growth))))
        # Leave no stub: a last window shorter than the first is merged into this one.
        return self.remaining if self.remaining - size < plan.first else size

    def next(self, size: int | None = None, lean: bool = False) -> np.ndarray:
        """Decode the next window (``size`` frames, the plan's next size if None, the rest if larger; ``lean``: with
        the plan's lean context) and return the audio it adds (float32): what is certain so far, its last
        ``crossfade`` samples held back for the seam with the next window."""
        if self.done:
            return np.zeros(0, np.float32)
        plan, hop = self.plan, self.hop
        size = self.next_size() if size is None else max(1, min(size, self.remaining))
        if self.remaining - size < plan.first:  # leave no stub for a last window
            size = self.remaining
        # (a piece's first window is small, for the first audio's sake: its seam moves as little as a lean one's)
        first, end = self.position, self._seam_end(self.position + size, lean or not self.windows)
        last = end >= self.end
        before, after = plan.context(not self.windows, last, lean)
        if self.windows:  # a later window: at least the crossfade's length before it
            before = max(before, -(-plan.crossfade // hop))
        lo = max(0, first - before)
        hi = min(self.frames.count, end + after)
        audio = self.model.decode(self.frames, lo, hi)
        self.frames_decoded += hi - lo
        if not self.windows:
            self.frames_decoded_first = hi - lo
        self.windows.append((first, end))
        self.position = end
        begin, stop = (first - lo) * hop, (end - lo) * hop
        parts = []
        if self._held is not None:
            fade = len(self._held)
            ramp = np.linspace(0.0, 1.0, fade + 2, dtype=np.float32)[1:-1]
            parts.append(self._held * (1 - ramp) + audio[begin - fade : begin] * ramp)
        # Hold back the crossfade's length at the end, unless this is the last window.
        keep = stop if last else max(begin, stop - plan.crossfade)
        parts.append(audio[begin:keep])
        self._held = None if last else audio[keep:stop].copy()
        out = np.concatenate(parts) if len(parts) > 1 else parts[0]
        if self._held is not None and len(self._held) == 0:
            self._held = None
        return self._trim(out, last) if self.trim else out

    def _seam_end(self, end: int, lean: bool = False) -> int:
        """``end``, or a frame at most ``plan.seam_shift`` away where the predicted energy (the front part's N
        curve) is highest. In a loud, steady sound the two windows agree in level and the crossfade joins two
        periodic signals whose phase is carried; at a quiet frame (a closure before an onset, a gap between words)
        the level changes fastest and a seam shows (measured with ``bench/bench_windows.py``: the largest level
        step at a seam fell from 10.7 dB to 5.5 dB, where seams at the quietest frame raised it to 27.9 dB)."""
        shift = self.plan.shift(lean)
        if end >= self.end or shift == 0:
            return min(end, self.end)
        low, high = max(self.position + 1, end - shift), min(self.end - self.plan.first, end + shift)
        if high <= low:
            return end
        energy = self.frames.n.reshape(-1)
        candidates = np.arange(low, high + 1)
        # N around a frame boundary: the last value of the frame before it and the first of the one after it
        level = np.maximum(energy[2 * candidates - 1], energy[np.minimum(2 * candidates, len(energy) - 1)])
        return int(candidates[int(np.argmax(level))])

    def _trim(self, audio: np.ndarray, last: bool) -> np.ndarray:
        if not self._started:
            start, end = speech_bounds(audio)
            if (start, end) == (0, 0):
                self.head_trimmed += len(audio)
                return audio[:0]  # all silent so far: nothing to send yet
            self._started = True
            self.head_trimmed += start
            audio = audio[start:]
        if last:
            start, end = speech_bounds(audio)
            kept = audio[:end] if (start, end) != (0, 0) else audio[:0]
            self.tail_trimmed = len(audio) - len(kept)
            audio = kept
        return audio

    def rest(self) -> np.ndarray:
        """All that is left, window by window as the plan says."""
        parts = []
        while not self.done:
            parts.append(self.next())
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)

"""A test double of the split Kokoro model for the timing logic only: its front part and decoder windows take
``fixed + per_unit × units`` seconds (they sleep), and its audio is a steady tone. The real model stays in every
other test; this one lets a test run a machine of any speed."""

from __future__ import annotations

import time

import numpy as np

from wyoming_kokoro.engine.model import Frames


class SleepingModel:
    hop = 600
    sha256 = "sleeping-model"
    split_reason = "a test double"

    def __init__(self, decode: tuple[float, float], front: tuple[float, float] = (0.01, 0.0005),
                 frames_per_id: int = 3) -> None:
        """``decode``: (seconds a window, seconds a frame decoded); ``front``: (seconds a part, seconds an id)."""
        self.split = object()  # split: front part and decoder
        self.decode_cost, self.front_cost, self.frames_per_id = decode, front, frames_per_id

    def front(self, ids, style, speed: float = 1.0) -> Frames:
        time.sleep(self.front_cost[0] + self.front_cost[1] * len(ids))
        count = self.frames_per_id * (len(ids) + 2)
        return Frames(
            asr=np.zeros((1, 1, count), np.float32), f0=np.zeros((1, 2 * count), np.float32),
            n=np.ones((1, 2 * count), np.float32), durations=np.full(len(ids) + 2, self.frames_per_id, np.int64),
            style=np.asarray(style, np.float32).reshape(1, -1),
        )

    def decode(self, frames: Frames, start: int, end: int) -> np.ndarray:
        time.sleep(self.decode_cost[0] + self.decode_cost[1] * (end - start))
        samples = np.arange(start * self.hop, end * self.hop)
        return (0.3 * np.sin(2 * np.pi * 220 * samples / 24000)).astype(np.float32)

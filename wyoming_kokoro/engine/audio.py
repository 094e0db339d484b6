"""Model output to what a listener gets: 16-bit PCM, with the silence at the very start and end trimmed."""

from __future__ import annotations

import io
import wave

import numpy as np

SAMPLE_RATE = 24000
SAMPLE_WIDTH = 2
CHANNELS = 1

# Trimming: a 10 ms frame is silent when its peak is below -42 dBFS. A little margin is kept around the speech
# so that soft onsets and releases are not clipped.
_FRAME = SAMPLE_RATE // 100
_SILENCE_PEAK = 10 ** (-42 / 20)
_HEAD_MARGIN = int(0.02 * SAMPLE_RATE)
_TAIL_MARGIN = int(0.06 * SAMPLE_RATE)


def speech_bounds(audio: np.ndarray) -> tuple[int, int]:
    """(start, end) sample indexes of the speech in ``audio`` with a short margin; (0, 0) if all silent."""
    n_frames = len(audio) // _FRAME
    if n_frames == 0:
        return (0, len(audio)) if np.abs(audio).max(initial=0.0) >= _SILENCE_PEAK else (0, 0)
    peaks = np.abs(audio[: n_frames * _FRAME]).reshape(n_frames, _FRAME).max(axis=1)
    loud = np.flatnonzero(peaks >= _SILENCE_PEAK)
    if len(loud) == 0:
        return 0, 0
    start = max(0, int(loud[0]) * _FRAME - _HEAD_MARGIN)
    end = min(len(audio), (int(loud[-1]) + 1) * _FRAME + _TAIL_MARGIN)
    return start, end


def trim_silence(audio: np.ndarray) -> np.ndarray:
    """``audio`` without the silence before the first and after the last sound (a short margin is kept)."""
    start, end = speech_bounds(audio)
    return audio[start:end]


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(round(seconds * SAMPLE_RATE)), dtype=np.float32)


def to_pcm16(audio: np.ndarray) -> np.ndarray:
    """float audio in [-1, 1] → int16, clipped (never wrapped around) where the model overshoots."""
    scaled = np.clip(np.nan_to_num(audio, nan=0.0), -1.0, 1.0) * 32767.0
    return np.round(scaled).astype(np.int16)


def wav_bytes(pcm: np.ndarray, sample_rate: int = SAMPLE_RATE) -> bytes:
    """A mono 16-bit WAV file holding ``pcm`` (int16)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(CHANNELS)
        wav.setsampwidth(SAMPLE_WIDTH)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm.astype("<i2").tobytes())
    return buffer.getvalue()

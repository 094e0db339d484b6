"""Measures of how far one rendering of a piece is from another: used by the windowed decoder's quality gate
(tests and ``bench/bench_windows.py``) to compare windowed audio with the whole piece's decode."""

from __future__ import annotations

import numpy as np

from ..engine.audio import SAMPLE_RATE

_N_FFT = 512
_HOP = 128
#: Frames of the reference more than this far below its loudest frame are left out: the distance of two
#: silences is noise, and no listener hears it.
_FLOOR_DB = 50.0


def _power(audio: np.ndarray) -> np.ndarray:
    audio = np.asarray(audio, dtype=np.float64)
    if len(audio) < _N_FFT:
        audio = np.pad(audio, (0, _N_FFT - len(audio)))
    count = 1 + (len(audio) - _N_FFT) // _HOP
    index = np.arange(_N_FFT)[None, :] + _HOP * np.arange(count)[:, None]
    return np.abs(np.fft.rfft(audio[index] * np.hanning(_N_FFT), axis=1)) ** 2


def log_spectral_distance(audio: np.ndarray, reference: np.ndarray) -> float:
    """Mean log-spectral distance in dB between two aligned signals of equal length (21 ms frames, 5 ms apart),
    over the frames where the reference sounds; spectra are floored 80 dB below the reference's peak bin."""
    if len(audio) != len(reference):
        raise ValueError(f"signals must be aligned and of equal length: {len(audio)} != {len(reference)}")
    x, y = _power(audio), _power(reference)
    floor = y.max(initial=0.0) * 1e-8 + 1e-20
    frame_db = 10 * np.log10(y.sum(axis=1) + 1e-20)
    loud = frame_db >= frame_db.max(initial=-200.0) - _FLOOR_DB
    if not loud.any():
        return 0.0
    diff = 10 * np.log10(np.maximum(x[loud], floor)) - 10 * np.log10(np.maximum(y[loud], floor))
    return float(np.mean(np.sqrt(np.mean(diff**2, axis=1))))


def _rms_db(audio: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.asarray(audio, np.float64) ** 2) + 1e-10))


def seam_level_jumps(audio: np.ndarray, reference: np.ndarray, seams: list[int], span: int = 240) -> list[float]:
    """At each seam (a sample index), how much more the level changes across it in ``audio`` than in
    ``reference``: |Δ_audio − Δ_reference| in dB, with Δ the RMS level of ``span`` samples after the seam minus
    that of the ``span`` before. A seam that is heard as a step in loudness has a large value. Seams where the
    reference is more than 40 dB below its loudest stretch (between words) are left out: a step in near-silence
    is large in dB and unheard."""
    jumps = []
    reference = np.asarray(reference, np.float64)
    count = len(reference) // span
    loudest = max((_rms_db(reference[i * span : (i + 1) * span]) for i in range(count)), default=-100.0)
    for seam in seams:
        if seam - span < 0 or seam + span > min(len(audio), len(reference)):
            continue
        level = max(_rms_db(reference[seam - span : seam]), _rms_db(reference[seam : seam + span]))
        if level < loudest - 40:
            continue
        step = _rms_db(audio[seam : seam + span]) - _rms_db(audio[seam - span : seam])
        ref_step = _rms_db(reference[seam : seam + span]) - _rms_db(reference[seam - span : seam])
        jumps.append(abs(step - ref_step))
    return jumps


def seam_clicks(audio: np.ndarray, seams: list[int], span: int = 240) -> list[float]:
    """At each seam, the largest sample-to-sample step within 2 ms of it, over the largest step elsewhere in
    the ``span`` samples around it: a click stands out at well over 1."""
    ratios = []
    diff = np.abs(np.diff(np.asarray(audio, np.float64)))
    for seam in seams:
        lo, hi = seam - span, seam + span
        if lo < 0 or hi > len(diff):
            continue
        near = slice(seam - 48, seam + 48)
        around = np.concatenate([diff[lo : seam - 48], diff[seam + 48 : hi]])
        ratios.append(float(diff[near].max() / (around.max() + 1e-9)))
    return ratios


def level_differences(audio: np.ndarray, reference: np.ndarray, span: int = 240, within_db: float = 20.0) -> np.ndarray:
    """|level difference| in dB, 10 ms by 10 ms, of two aligned signals, where the reference is within
    ``within_db`` of its loudest 10 ms (the speech a listener hears; quieter stretches are left out)."""
    count = min(len(audio), len(reference)) // span

    def levels(x: np.ndarray) -> np.ndarray:
        blocks = np.asarray(x[: count * span], np.float64).reshape(count, span)
        return 10 * np.log10(np.mean(blocks**2, axis=1) + 1e-10)

    if count == 0:
        return np.zeros(0)
    mine, theirs = levels(audio), levels(reference)
    loud = theirs >= theirs.max() - within_db
    return np.abs(mine - theirs)[loud]

"""DNSMOS (Microsoft's deep noise suppression MOS, P.835): how a listener would rate speech for distortion (SIG),
background (BAK) and overall (OVRL), on a 1-5 scale, without a reference. It says whether a change made the
audio worse (clicks, level steps, buzz); compare the same texts through two variants, never one absolute score.

The models are the ONNX files of the PyPI package ``speechmos`` (MIT). Its own ``speechmos.dnsmos`` imports
librosa for the P.808 model, which is not needed for SIG, BAK and OVRL, so this runs the primary model directly,
as ``speechmos.dnsmos.DNSMOS.__call__`` does: 16 kHz input, clips shorter than 9.01 s repeated to that length,
9.01 s segments a second apart, the raw scores mapped through the same polynomials, then averaged.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
import onnxruntime as ort

try:  # tests/ on sys.path (rootdir-inserted) or as a package
    from asr import _resample
except ModuleNotFoundError:
    from tests.asr import _resample

SAMPLE_RATE = 16000
SEGMENT = 9.01  # seconds the model takes
# speechmos's mapping of the raw scores (the non-personalized model)
_SIG = np.poly1d([-0.08397278, 1.22083953, 0.0052439])
_BAK = np.poly1d([-0.13166888, 1.60915514, -0.39604546])
_OVRL = np.poly1d([-0.06766283, 1.11546468, 0.04602535])


@dataclass(frozen=True)
class Scores:
    sig: float
    bak: float
    ovrl: float


class Dnsmos:
    def __init__(self) -> None:
        model = resources.files("speechmos").joinpath("dnsmos_models", "sig_bak_ovr.onnx").read_bytes()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        self.session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def score(self, audio: np.ndarray, sample_rate: int) -> Scores:
        """Scores of mono ``audio`` (int16 or float in -1..1) at ``sample_rate``."""
        audio = np.asarray(audio)
        if audio.dtype == np.int16:
            audio = audio.astype(np.float32) / 32768.0
        audio = _resample(audio.astype(np.float32), sample_rate, SAMPLE_RATE) if sample_rate != SAMPLE_RATE else audio
        length = int(SEGMENT * SAMPLE_RATE)
        while len(audio) < length:
            audio = np.append(audio, audio)
        hops = int(np.floor(len(audio) / SAMPLE_RATE) - SEGMENT) + 1
        raw = []
        for hop in range(hops):
            segment = audio[hop * SAMPLE_RATE: hop * SAMPLE_RATE + length]
            if len(segment) < length:
                continue
            raw.append(self.session.run(None, {"input_1": segment.astype(np.float32)[np.newaxis, :]})[0][0])
        sig, bak, ovrl = np.mean([(_SIG(s), _BAK(b), _OVRL(o)) for s, b, o in raw], axis=0)
        return Scores(float(sig), float(bak), float(ovrl))

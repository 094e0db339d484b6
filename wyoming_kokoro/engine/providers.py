"""Choice of ONNX Runtime execution providers: a pure function of what was asked and what the machine has."""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Sequence

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
COREML = "CoreMLExecutionProvider"

#: Short names accepted on the command line.
SHORT_NAMES = {"cpu": CPU, "cuda": CUDA, "coreml": COREML}

# CoreML: the ML Program format handles the dynamic sequence length of Kokoro (the older NeuralNetwork format
# needs static shapes and falls back to the CPU for most of the graph). Shapes stay dynamic.
COREML_OPTIONS = {
    "ModelFormat": "MLProgram",
    "MLComputeUnits": "ALL",
    "RequireStaticInputShapes": "0",
    "EnableOnSubgraphs": "0",
}
# CUDA: every request has another sequence length; an exhaustive cuDNN search per new shape would cost more
# than it saves.
CUDA_OPTIONS = {"cudnn_conv_algo_search": "DEFAULT"}

_OPTIONS = {COREML: COREML_OPTIONS, CUDA: CUDA_OPTIONS, CPU: {}}


def parse_provider_request(value: str | Sequence[str]) -> list[str]:
    """``"auto"``, ``"cuda,cpu"`` or a list of names → a list of names, as given (checked, not resolved)."""
    items = value.split(",") if isinstance(value, str) else list(value)
    names = [item.strip() for item in items if item.strip()]
    if not names:
        raise ValueError("no execution provider given: expected auto, cpu, cuda, coreml or a list of them")
    for name in names:
        lower = name.lower()
        if lower != "auto" and lower not in SHORT_NAMES and not lower.endswith("executionprovider"):
            raise ValueError(
                f"unknown execution provider {name!r}: expected auto, {', '.join(SHORT_NAMES)} "
                "or a full ONNX Runtime provider name"
            )
    if "auto" in (n.lower() for n in names) and len(names) > 1:
        raise ValueError("'auto' cannot be combined with other execution providers")
    return names


def select_providers(
    requested: str | Sequence[str],
    available: Sequence[str],
    system: str,
    machine: str,
    cuda_driver: bool = True,
) -> list[tuple[str, dict[str, str]]]:
    """The providers to create a session with, best first, each with its options; the CPU always last.

    ``requested``: ``auto``, a short name (cpu, cuda, coreml), a full provider name, or a list of them.
    ``available``: ``onnxruntime.get_available_providers()``; ``system``/``machine``: ``platform.system()`` and
    ``platform.machine()``.

    ``auto`` takes CoreML on Apple Silicon, CUDA where the installed onnxruntime has it and ``cuda_driver`` (the
    NVIDIA driver can be loaded: a GPU image run without a GPU uses the CPU quietly), the CPU otherwise.
    Asking for a provider that is not available is an error that names what is.
    """
    names = parse_provider_request(requested)
    if [n.lower() for n in names] == ["auto"]:
        apple_silicon = system == "Darwin" and machine in ("arm64", "aarch64")
        if apple_silicon and COREML in available:
            chosen = [COREML]
        elif CUDA in available and cuda_driver:
            chosen = [CUDA]
        else:
            chosen = []
    else:
        by_lower = {p.lower(): p for p in available}
        chosen = []
        for name in names:
            full = SHORT_NAMES.get(name.lower()) or by_lower.get(name.lower(), name)
            if full not in available:
                raise ValueError(
                    f"execution provider {name!r} is not available in this onnxruntime "
                    f"(available: {', '.join(available) or 'none'})"
                )
            if full not in chosen:
                chosen.append(full)
    chosen = [p for p in chosen if p != CPU] + [CPU]
    return [(p, dict(_OPTIONS.get(p, {}))) for p in chosen]


def cuda_driver() -> bool:
    """Whether the NVIDIA driver's CUDA library loads here: a machine with an NVIDIA GPU, or a container given one
    (``docker run --gpus all``). Elsewhere than Linux, assumed."""
    if not sys.platform.startswith("linux"):
        return True
    try:
        ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    return True

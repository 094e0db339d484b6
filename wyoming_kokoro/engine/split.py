"""Splitting a Kokoro v1.0 ONNX export into its front part and its decoder, so that audio can be decoded in
windows of frames instead of a whole piece at once.

The front part takes the model's own inputs (tokens, style, speed) and gives the predicted duration of every
token, and per frame of 25 ms the aligned text features (``asr``), the pitch (F0) and the energy (N) curves (two
values a frame). The decoder takes those and the style, and gives the audio: ``hop`` samples a frame (600 at
24 kHz). Run back to back, the two parts are the original graph, node for node, and give the same samples.

The decoder gets one more input, ``phase`` (shape [1, 1, harmonics]): it is added to the cumulative sum of the
harmonic source's phase increments, which otherwise starts at zero at the first frame decoded. Decoding a window
that starts at frame ``k`` with the phase the whole decode would have reached there keeps the source's sine
waves continuous across windows; :func:`phase_offset` computes it from the F0 curve.

The cut tensors are found by the module paths that every torch export of Kokoro keeps in its node names (the
decoder's ``Concat`` of text features, F0 and N, its ``F0_conv`` and ``N_conv``, and the one ``Round`` of the
durations). An export where they cannot be found is not split, and the caller uses the single graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PHASE_INPUT = "phase"
#: Ops that stand between a decoder input tensor and the first convolution that uses it.
_PASS_THROUGH = ("Unsqueeze", "DynamicQuantizeLinear", "Cast", "Identity", "QuantizeLinear", "DequantizeLinear")


class SplitError(RuntimeError):
    """The graph cannot be split; the message says which part was not found."""


@dataclass(frozen=True)
class Boundary:
    """The names of the tensors where the graph is cut."""

    asr: str  # aligned text features [1, C, F]
    f0: str  # pitch [1, 2F]
    n: str  # energy [1, 2F]
    durations: str  # frames per token [1, T+2] (after rounding, and clipping where the export clips)
    style: str  # the style input [1, 256]


@dataclass(frozen=True)
class SplitGraph:
    front: bytes  # serialized ModelProto: tokens, style, speed → asr, f0, n, durations
    decoder: bytes  # serialized ModelProto: asr, f0, n, style, phase → audio
    boundary: Boundary
    harmonics: int  # the phase input's width
    sample_rate: int  # of the harmonic source (the audio's)
    phase_scale: float  # audio samples per F0 value: the source's phase is cumsum × 2π × phase_scale


def _producers(graph) -> dict:
    return {out: node for node in graph.node for out in node.output}


def _consumers(graph) -> dict:
    found: dict = {}
    for node in graph.node:
        for name in node.input:
            found.setdefault(name, []).append(node)
    return found


def _scope_match(node, *suffixes: str) -> bool:
    # "/decoder/decoder/F0_conv/Conv_quant" and "/decoder/F0_conv/Conv" both end a scope in "F0_conv/Conv…"
    return any(f"/{suffix}" in node.name for suffix in suffixes)


def _source_tensor(name: str, producers: dict) -> str:
    """Walk up from a convolution's input through quantization and unsqueezing to the tensor it comes from."""
    node = producers.get(name)
    while node is not None and node.op_type in _PASS_THROUGH:
        name = node.input[0]
        node = producers.get(name)
    return name


def find_boundary(model) -> Boundary:
    """Where to cut ``model`` (an ``onnx.ModelProto`` of a Kokoro v1.0 export); SplitError if it is not clear."""
    graph = model.graph
    producers = _producers(graph)
    consumers = _consumers(graph)
    inputs = [i.name for i in graph.input]

    rounds = [n for n in graph.node if n.op_type == "Round"]
    if len(rounds) != 1:
        raise SplitError(f"expected one Round (the token durations), found {len(rounds)}")
    durations = rounds[0].output[0]
    clips = [n for n in consumers.get(durations, []) if n.op_type == "Clip"]
    if len(clips) == 1:
        durations = clips[0].output[0]

    concats = [
        n for n in graph.node
        if n.op_type == "Concat" and len(n.input) == 3 and n.name.rstrip("/").endswith("decoder/Concat")
    ]
    if len(concats) != 1:
        raise SplitError(f"expected one Concat of text features, F0 and N in the decoder, found {len(concats)}")
    asr = concats[0].input[0]

    def curve(scope: str) -> str:
        convs = [n for n in graph.node if n.op_type.startswith("Conv") and _scope_match(n, f"{scope}/Conv")]
        sources = {_source_tensor(n.input[0], producers) for n in convs}
        if len(sources) != 1:
            raise SplitError(f"cannot find the input of the decoder's {scope} (found {sorted(sources)})")
        return sources.pop()

    f0, n = curve("F0_conv"), curve("N_conv")
    style_inputs = [i for i in graph.input if i.type.tensor_type.shape.dim and
                    i.type.tensor_type.shape.dim[-1].dim_value == 256]
    if len(style_inputs) != 1:
        raise SplitError(f"cannot tell the style input among {inputs}")
    names = {asr, f0, n, durations}
    if len(names) != 4 or names & set(inputs):
        raise SplitError(f"the cut tensors are not distinct intermediate tensors: {sorted(names)}")
    return Boundary(asr, f0, n, durations, style_inputs[0].name)


def _constant(graph, name: str) -> np.ndarray | None:
    from onnx import numpy_helper

    for init in graph.initializer:
        if init.name == name:
            return numpy_helper.to_array(init)
    for node in graph.node:
        if node.op_type == "Constant" and node.output[0] == name:
            return numpy_helper.to_array(node.attribute[0].t)
    return None


def _add_phase_input(decoder) -> tuple[int, int, float]:
    """Add the ``phase`` input after the harmonic source's CumSum; (harmonics, sample rate, phase scale)."""
    from onnx import TensorProto, helper

    graph = decoder.graph
    cumsums = [n for n in graph.node if n.op_type == "CumSum"]
    if len(cumsums) != 1:
        raise SplitError(f"expected one CumSum (the harmonic source's phase) in the decoder, found {len(cumsums)}")
    cumsum = cumsums[0]
    producers = _producers(graph)
    # The source: f0 (upsampled) × harmonic numbers / sample rate, its fractional part, downsampled, summed.
    # Read the harmonic numbers and the sample rate from the graph rather than assuming them.
    harmonics = sample_rate = None
    node = producers.get(cumsum.input[0])
    seen = 0
    while node is not None and seen < 12 and (harmonics is None or sample_rate is None):
        for name in node.input:
            value = _constant(graph, name)
            if value is None:
                continue
            if node.op_type == "Mul" and value.size > 1 and harmonics is None:
                harmonics = value.reshape(-1)
            elif node.op_type == "Div" and value.size == 1 and sample_rate is None:
                sample_rate = float(value.reshape(-1)[0])
        node = producers.get(node.input[0]) if node.input else None
        seen += 1
    if harmonics is None or sample_rate is None or not np.array_equal(harmonics, np.arange(1, len(harmonics) + 1)):
        raise SplitError("cannot read the harmonic numbers and the sample rate of the decoder's harmonic source")
    # After the CumSum: × 2 × π × scale, then upsampled linearly by the same scale.
    factors = []
    consumers = _consumers(graph)
    out = cumsum.output[0]
    for _ in range(4):
        muls = [n for n in consumers.get(out, []) if n.op_type == "Mul"]
        if len(muls) != 1:
            break
        value = next((v for v in (_constant(graph, i) for i in muls[0].input) if v is not None), None)
        if value is None:
            break
        factors.append(float(np.asarray(value).reshape(-1)[0]))
        out = muls[0].output[0]
    product = float(np.prod(factors)) if factors else 0.0
    phase_scale = product / (2 * np.pi)
    if not factors or abs(phase_scale - round(phase_scale)) > 1e-3 or round(phase_scale) < 1:
        raise SplitError(f"unexpected scaling of the harmonic source's phase: {factors}")
    raw = cumsum.output[0] + "_before_offset"
    add = helper.make_node("Add", [raw, PHASE_INPUT], [cumsum.output[0]], name="/phase_offset/Add")
    cumsum.output[0] = raw
    position = list(graph.node).index(cumsum)
    graph.node.insert(position + 1, add)
    graph.input.append(helper.make_tensor_value_info(PHASE_INPUT, TensorProto.FLOAT, [1, 1, len(harmonics)]))
    return len(harmonics), int(sample_rate), float(round(phase_scale))


def split_model(model_bytes: bytes) -> SplitGraph:
    """Split a serialized Kokoro model into its front part and its decoder (with a phase input)."""
    import onnx
    from onnx.utils import Extractor

    model = onnx.load_from_string(model_bytes)
    boundary = find_boundary(model)
    inputs = [i.name for i in model.graph.input]
    outputs = [o.name for o in model.graph.output]
    if len(outputs) != 1:
        raise SplitError(f"expected one output (the audio), found {outputs}")
    extractor = Extractor(model)
    front = extractor.extract_model(inputs, [boundary.asr, boundary.f0, boundary.n, boundary.durations])
    decoder = extractor.extract_model([boundary.asr, boundary.f0, boundary.n, boundary.style], outputs)
    # Together the parts must be the whole graph: every node in one of them. A node may be in both only when
    # it needs nothing but the style and constants (the export splits the style in halves, one for each part).
    def key(node) -> tuple:
        return (node.op_type, tuple(node.input), tuple(node.output))

    whole = {key(node) for node in model.graph.node}
    front_nodes, decoder_nodes = {key(n) for n in front.graph.node}, {key(n) for n in decoder.graph.node}
    constants = {i.name for i in model.graph.initializer} | {""}
    shared = [k for k in front_nodes & decoder_nodes if not set(k[1]) <= constants | {boundary.style}]
    missing = whole - front_nodes - decoder_nodes
    del model, extractor
    if missing or shared:
        raise SplitError(
            f"the parts are not the graph cut in two: {len(missing)} node(s) in neither, "
            f"{len(shared)} computed in both"
        )
    harmonics, sample_rate, phase_scale = _add_phase_input(decoder)
    return SplitGraph(
        front.SerializeToString(), decoder.SerializeToString(), boundary, harmonics, sample_rate, phase_scale
    )


def phase_offset(f0: np.ndarray, start: int, harmonics: int, sample_rate: int, phase_scale: float) -> np.ndarray:
    """The harmonic source's phase (in the decoder's units) after the first ``start`` F0 values, for a window that
    starts there; reduced modulo one period, so that float32 keeps its precision."""
    f = np.asarray(f0, dtype=np.float32).reshape(-1)[:start]
    if f.size == 0:
        return np.zeros((1, 1, harmonics), np.float32)
    # As the graph computes it, in float32: the fractional part of f0 × h / sample rate per F0 value.
    steps = f[:, None] * np.arange(1, harmonics + 1, dtype=np.float32)[None, :] / np.float32(sample_rate)
    steps = steps - np.floor(steps)
    total = steps.astype(np.float64).sum(axis=0) * phase_scale  # in cycles
    return (np.mod(total, 1.0) / phase_scale).astype(np.float32).reshape(1, 1, harmonics)

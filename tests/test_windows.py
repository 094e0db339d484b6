"""The split graph and windowed decoding: the split is the model cut in two, windows cover the piece's sound,
and the quality gate: windowed audio against the whole decode, measured and heard by Whisper.

Real model throughout; the quality limits were set from ``bench/bench_windows.py`` runs (see the bench README).
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import pytest

from asr import transcribe, word_match
from wyoming_kokoro.tools.compare import level_differences, log_spectral_distance, seam_clicks, seam_level_jumps
from wyoming_kokoro.engine.model import KokoroModel, read_default_model
from wyoming_kokoro.engine.split import SplitError, find_boundary, phase_offset
from wyoming_kokoro.engine.tokens import VOCAB, tokenize
from wyoming_kokoro.engine.windows import WindowedDecoder, WindowPlan, speech_frames
from wyoming_kokoro.pauses import pause_after
from wyoming_kokoro.pipeline import Pipeline, RequestStats, iterate
from wyoming_kokoro.scheduler import Scheduler

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from bench_windows import SENTENCES, compare_sentence  # noqa: E402

HOP = 600


@pytest.fixture(scope="module")
def compared(synthesizer):
    voice = synthesizer.voices.resolve("af_heart")
    return [compare_sentence(synthesizer, text, voice, synthesizer.plan) for text in SENTENCES]


def test_the_default_model_is_split_and_the_parts_give_the_single_graphs_samples(model, voices):
    assert model.split is not None, model.split_reason
    single = KokoroModel(providers="cpu", intra_op_threads=2, split="off")  # an extra load: the single graph
    assert single.split is None and "off" in single.split_reason
    ids = tokenize("ðə wˈɛðəɹ ɪz sˈʌni tədˈA.").ids
    style = voices.resolve("af_heart").style_for(len(ids))
    assert np.array_equal(model.infer(ids, style), single.infer(ids, style))
    frames = model.front(ids, style, 1.0)
    assert frames.count == int(frames.durations.sum()) and len(frames.durations) == len(ids) + 2
    assert frames.f0.shape[-1] == 2 * frames.count
    # Decoding a range gives hop samples a frame
    assert len(model.decode(frames, 10, 30)) == 20 * HOP
    with pytest.raises(ValueError, match="outside"):
        model.decode(frames, 0, frames.count + 1)


def test_a_graph_without_the_decoder_scopes_is_not_split_and_says_why():
    graph = onnx.load_from_string(read_default_model())
    for node in graph.graph.node:
        node.name = node.name.replace("F0_conv", "pitch_conv")
    with pytest.raises(SplitError, match="F0_conv"):
        find_boundary(graph)
    loaded = KokoroModel(graph.SerializeToString(), providers="cpu", intra_op_threads=2)  # the fallback
    assert loaded.split is None and "F0_conv" in loaded.split_reason
    assert loaded.infer(tokenize("hˈI.").ids, np.zeros(256, np.float32)).size > 0


def test_the_phase_offset_is_the_harmonic_sources_phase_so_far_modulo_a_period():
    f0 = np.array([[100.0, 100.0, 0.0, 250.0]], np.float32)
    offset = phase_offset(f0, 2, harmonics=3, sample_rate=24000, phase_scale=300.0)
    # 2 values of 100 Hz: 2 × (h × 100 / 24000) cycles per value, × 300 samples a value, modulo 1 cycle
    expected = np.mod(2 * np.arange(1, 4) * 100 / 24000 * 300, 1.0) / 300
    assert offset.shape == (1, 1, 3) and np.allclose(offset.reshape(-1), expected, atol=1e-7)
    assert not phase_offset(f0, 0, 3, 24000, 300.0).any()


def test_speech_frames_skip_the_pads_and_the_final_punctuation():
    ids = [VOCAB["h"], VOCAB["I"], VOCAB["."]]
    durations = np.array([15, 3, 5, 9, 6])  # start pad, h, I, ".", end pad
    assert speech_frames(durations, ids, lead=2, tail=4) == (13, 27)
    assert speech_frames(durations, ids, lead=0, tail=0) == (15, 23)
    assert speech_frames(np.array([5, 4, 5]), [VOCAB["."]], 2, 4) == (0, 14)  # nothing sounds: all of it


def test_windows_cover_the_sounding_frames_once_and_grow(model, voices):
    ids = tokenize("ˈɔl θɹˈi bˈɛdɹum lˈIts ɑɹ nˈW ˈɑn.").ids
    frames = model.front(ids, voices.resolve("af_heart").style_for(len(ids)), 1.0)
    decoder = WindowedDecoder(model, frames, ids, WindowPlan(), trim=False)
    parts = [decoder.next()]
    parts.append(decoder.rest())
    spans = decoder.windows
    assert spans[0][0] == decoder.start and spans[-1][1] == decoder.end
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))  # no gap, no overlap
    sizes = [end - start for start, end in spans]
    plan = WindowPlan()
    # The plan's size, the seam moved at most a lean window's shift (the first window is small) to the loudest
    # predicted frame near it
    shift = plan.shift(lean=True)
    assert abs(sizes[0] - plan.first) <= shift and sizes[1] > sizes[0]
    energy = frames.n.reshape(-1)
    seam = spans[0][1]
    nearby = range(max(spans[0][0] + 1, decoder.start + plan.first - shift), decoder.start + plan.first + shift + 1)
    loudness = {f: max(energy[2 * f - 1], energy[2 * f]) for f in nearby}
    assert loudness[seam] == max(loudness.values())
    assert sum(len(p) for p in parts) == (decoder.end - decoder.start) * HOP  # every sample once
    assert decoder.done and decoder.next().size == 0


def test_windowed_audio_is_close_to_the_whole_decode_without_clicks_or_level_steps(compared):
    # Limits from bench/bench_windows.py on these sentences (the default plan), with a margin: the windowed
    # and whole decodes differ as much as 1 % noise on the decoder's input makes them differ (LSD 4-7 dB).
    for row in compared:
        assert len(row["windows"]) >= 2, row["text"]
        assert row["lsd_db"] < 12.0, row
        assert row["level_mean_db"] < 7.0, row
        assert row["seam_jump_max_db"] < 15.0, row
        assert row["seam_click_max"] < 2.0, row  # a click would stand far above the steps around it
    assert np.mean([r["lsd_db"] for r in compared]) < 9.0
    assert np.mean([r["level_mean_db"] for r in compared]) < 4.5


def test_the_measures_see_a_click_and_a_level_step():
    t = np.arange(24000) / 24000
    tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    clicked = tone.copy()
    clicked[12000] += 0.8
    assert seam_clicks(tone, [12000])[0] < 1.2 < 2.0 < seam_clicks(clicked, [12000])[0]
    stepped = tone.copy()
    stepped[12000:] *= 0.25
    assert seam_level_jumps(stepped, tone, [12000])[0] == pytest.approx(12.0, abs=0.5)
    assert log_spectral_distance(tone, tone) == 0.0 and np.all(level_differences(tone, tone) == 0)


def test_whisper_hears_the_windowed_audio_as_well_as_the_whole_decode(compared, whisper):
    def heard(audio: np.ndarray, text: str) -> float:
        padded = np.concatenate([np.zeros(2400, np.float32), audio, np.zeros(2400, np.float32)])
        return word_match(text, transcribe(whisper, padded, 24000, "en"), "en")

    whole = [heard(r["audio"]["whole"], r["text"]) for r in compared]
    windowed = [heard(r["audio"]["windowed"], r["text"]) for r in compared]
    # Word for word as good overall, and no sentence more than one word worse.
    assert sum(windowed) >= sum(whole) - 0.1, (whole, windowed)
    assert all(w >= h - 0.1 for w, h in zip(windowed, whole)), (whole, windowed)


def test_a_windowed_pipeline_sends_a_pieces_first_words_before_the_piece_is_decoded(synthesizer):
    voice = synthesizer.voices.resolve("af_heart")
    texts = ["The weather today is sunny with a high of twenty two degrees.", "Take an umbrella?"]
    synthesizer.synthesize("Ready when you are.", voice)  # warm, as the server is before it serves (G2P loaded)

    async def main():
        pipeline = Pipeline(synthesizer, Scheduler(parallel=1), windowed=True)
        stats = RequestStats()
        started = time.perf_counter()
        out = []
        async for part in pipeline.run(iterate(texts), voice, voice.language, 1.0, stats):
            out.append((time.perf_counter() - started, part))
        pipeline.scheduler.shutdown()
        return out, stats

    out, stats = asyncio.run(main())
    parts = [p for _, p in out]
    first_piece = [p for p in parts if p.text == texts[0]]
    assert len(first_piece) >= 3 and first_piece[0].first and not first_piece[0].last and first_piece[-1].last
    assert [p.first for p in first_piece[1:]] == [False] * (len(first_piece) - 1)
    # The first part arrived long before the piece was whole, and it is short: the first window.
    assert out[0][0] < out[len(first_piece) - 1][0] / 2
    assert first_piece[0].seconds < 0.4
    # The second piece opens with the sentence pause in exact zeros. Only where the listener had already been
    # waiting in silence for it (a machine slower than the audio at that moment: a gap) is the pause shorter, by
    # no more than that wait, which was part of the pause.
    second = [p for p in parts if p.text == texts[1]]
    samples = np.frombuffer(second[0].pcm, "<i2")
    zeros = int(np.argmax(samples != 0))
    pause = pause_after(texts[0], 1.0) * 24000 - 1
    assert second[0].first and zeros >= pause - stats.gap_seconds * 24000, (zeros, pause, stats.gap_seconds)
    assert stats.pieces == 2 and stats.windows >= len(first_piece) + len(second)
    whole_seconds = sum(p.seconds for p in parts)
    assert stats.audio_seconds == pytest.approx(whole_seconds)


def test_pauses_are_settable():
    assert pause_after("Done.", 1.0) == pytest.approx(0.3)
    assert pause_after("Done,", 1.0) == pytest.approx(0.12)
    assert pause_after("Done;", 1.0) == pytest.approx(0.18)
    assert pause_after("Done.", 1.0, sentence=0.5) == pytest.approx(0.5)
    assert pause_after("Done,", 2.0, clause=0.2) == pytest.approx(0.1)
    assert pause_after("Done and", 1.0) == pytest.approx(0.05)


def test_a_windowed_pipeline_needs_a_split_model(voices):
    from wyoming_kokoro.synthesizer import Synthesizer

    class Unsplit:
        split = None

    with pytest.raises(ValueError, match="split"):
        Pipeline(Synthesizer(Unsplit(), voices), Scheduler(parallel=1), windowed=True)

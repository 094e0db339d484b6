"""Windowed decoding against the whole piece: quality and time to the first window, sentence by sentence.

    .venv/bin/python bench/bench_windows.py [--threads 2] [--wav-dir DIR] [--json out.json]
        [--first 6] [--onset 6] [--left 4] [--right 4]

For each sentence of a fixed set it runs the front part once, decodes the sounding frames whole (one window,
as the server decodes a piece that is not urgent) and window by window (as it decodes a reply's first piece:
the plan's first window, then windows growing by the plan's factor), and compares the two with the measures of
``wyoming_kokoro.tools.compare``. It prints a row a sentence and the limits of the quality gate, which the
tests enforce on the same sentences (``tests/test_windows.py``). With ``--wav-dir`` it writes, per sentence,
``NN-stock.wav`` (the single graph's output, silence and all), ``NN-whole.wav`` and ``NN-windowed.wav``, for
a person to listen to.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wyoming_kokoro.engine.audio import to_pcm16, wav_bytes  # noqa: E402
from wyoming_kokoro.tools.compare import (  # noqa: E402
    level_differences,
    log_spectral_distance,
    seam_clicks,
    seam_level_jumps,
)
from wyoming_kokoro.engine.tokens import tokenize  # noqa: E402
from wyoming_kokoro.engine.windows import WindowedDecoder, WindowPlan  # noqa: E402
from wyoming_kokoro.synthesizer import Synthesizer  # noqa: E402

#: Assistant replies' first sentences: short and long, soft onsets ("The", "It", "Hello"), numbers.
SENTENCES = [
    "Okay, I've turned off the kitchen lights.",
    "The weather today is sunny with a high of twenty two degrees.",
    "It is raining in Paris right now.",
    "Sure.",
    "I have set a timer for ten minutes, and I will remind you when it is done.",
    "Your next meeting with the design team starts at three thirty this afternoon in the small conference room "
    "on the second floor.",
    "Hello there, how can I help?",
    "All three bedroom lights are now on at fifty percent brightness.",
]


def compare_sentence(synth: Synthesizer, text: str, voice, plan: WindowPlan) -> dict:
    """Whole and windowed decodes of ``text``'s sounding frames, their audio and the measures between them."""
    model = synth.model
    ids = tokenize(synth.phonemize(text, voice.language).phonemes).ids
    style = voice.style_for(len(ids))
    started = time.perf_counter()
    frames = model.front(ids, style, 1.0)
    front_seconds = time.perf_counter() - started
    stock = model.decode(frames, 0, frames.count)
    whole_decoder = WindowedDecoder(model, frames, ids, plan, trim=False)
    whole = whole_decoder.next(whole_decoder.remaining)
    windowed_decoder = WindowedDecoder(model, frames, ids, plan, trim=False)
    started = time.perf_counter()
    first = windowed_decoder.next()
    first_seconds = time.perf_counter() - started
    windowed = np.concatenate([first, windowed_decoder.rest()])
    hop, start = windowed_decoder.hop, windowed_decoder.start
    seams = [(first_frame - start) * hop for first_frame, _ in windowed_decoder.windows[1:]]
    levels = level_differences(windowed, whole)
    return {
        "text": text,
        "ids": len(ids),
        "frames": frames.count,
        "sounding_frames": windowed_decoder.end - start,
        "windows": [end - first_frame for first_frame, end in windowed_decoder.windows],
        "front_ms": 1000 * front_seconds,
        "first_window_ms": 1000 * first_seconds,
        "first_window_frames_decoded": windowed_decoder.frames_decoded_first,
        "decoded_frames_windowed": windowed_decoder.frames_decoded,
        "decoded_frames_whole": whole_decoder.frames_decoded,
        "lsd_db": log_spectral_distance(windowed, whole),
        "level_mean_db": float(np.mean(levels)) if len(levels) else 0.0,
        "level_p95_db": float(np.percentile(levels, 95)) if len(levels) else 0.0,
        "seam_jump_max_db": max(seam_level_jumps(windowed, whole, seams), default=0.0),
        "seam_click_max": max(seam_clicks(windowed, seams), default=0.0),
        "audio": {"stock": stock, "whole": whole, "windowed": windowed},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--voice", default="af_heart")
    parser.add_argument("--wav-dir", type=Path)
    parser.add_argument("--json", type=Path)
    defaults = WindowPlan()
    for name in ("first", "onset", "left", "right", "lead", "tail"):
        parser.add_argument(f"--{name}", type=int, default=getattr(defaults, name))
    args = parser.parse_args()
    plan = replace(defaults, **{n: getattr(args, n) for n in ("first", "onset", "left", "right", "lead", "tail")})
    synth = Synthesizer.load(providers="cpu", intra_op_threads=args.threads)
    if synth.model.split is None:
        print(f"the model's graph is {synth.model.split_reason}: nothing to compare", file=sys.stderr)
        return 1
    voice = synth.voices.resolve(args.voice)
    compare_sentence(synth, "Warming up.", voice, plan)  # first-run costs out of the way
    rows = [compare_sentence(synth, text, voice, plan) for text in SENTENCES]
    print(f"plan: {plan}")
    print(f"{'sentence':42} {'ids':>4} {'frames':>6} {'windows':18} {'front':>6} {'1st win':>8} "
          f"{'LSD dB':>7} {'lvl dB':>7} {'p95':>6} {'seam dB':>8} {'click':>6}")
    for row in rows:
        print(f"{row['text'][:42]:42} {row['ids']:4d} {row['sounding_frames']:6d} {str(row['windows'])[:18]:18} "
              f"{row['front_ms']:6.0f} {row['first_window_ms']:8.0f} {row['lsd_db']:7.2f} {row['level_mean_db']:7.2f} "
              f"{row['level_p95_db']:6.2f} {row['seam_jump_max_db']:8.2f} {row['seam_click_max']:6.2f}")
    first_sound = [r["front_ms"] + r["first_window_ms"] for r in rows]
    print(f"front + first window: p50 {statistics.median(first_sound):.0f} ms, max {max(first_sound):.0f} ms "
          "(G2P and the server's own time not included)")
    extra = sum(r["decoded_frames_windowed"] for r in rows) / sum(r["decoded_frames_whole"] for r in rows)
    stock = sum(r["frames"] for r in rows) / sum(r["decoded_frames_whole"] for r in rows)
    print(f"decoder work: windowed {extra:.2f}x the whole decode of the sounding frames; "
          f"the stock graph decodes {stock:.2f}x as many frames (the silence too)")
    if args.wav_dir:
        args.wav_dir.mkdir(parents=True, exist_ok=True)
        for index, row in enumerate(rows):
            for kind, audio in row["audio"].items():
                (args.wav_dir / f"{index:02d}-{kind}.wav").write_bytes(wav_bytes(to_pcm16(audio)))
        print(f"WAVs: {args.wav_dir}/NN-stock.wav, NN-whole.wav, NN-windowed.wav")
    if args.json:
        args.json.write_text(json.dumps(
            {"plan": plan.__dict__, "rows": [{k: v for k, v in r.items() if k != "audio"} for r in rows]}, indent=1
        ))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""ONNX Runtime session settings for Kokoro on this machine: which ones make inference faster, and whether a new
input length pays a first-call cost that a warm-up of several lengths would take away.

    .venv/bin/python bench/bench_session.py [--threads 2] [--repeat 5] [--only default,no-arena] [--json out.json]

Every variant is a session on the same model bytes, fed the same token ids (three real replies, G2P done once up
front). Variants take turns within each repeat, so background load falls on all alike; the table shows the median
per text and the ratio of each variant's total to the default's. The server keeps only settings that win here
by more than the noise (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from machine import cpu_model, loadavg  # noqa: E402  (bench/ is the script's folder)
from wyoming_kokoro.engine.model import read_default_model, read_io, session_options  # noqa: E402
from wyoming_kokoro.engine.tokens import tokenize  # noqa: E402
from wyoming_kokoro.synthesizer import Synthesizer  # noqa: E402

TEXTS = (
    "Okay.",
    "Okay, I've turned off the kitchen lights.",
    "The weather in Paris today is sunny with a high of twenty one degrees and a light breeze from the west.",
)

Level = ort.GraphOptimizationLevel


def variants(threads: int) -> dict[str, dict]:
    """name → settings; "default" is what the server uses (session_options(threads, None))."""
    return {
        "default": {},
        "opt-extended": {"level": Level.ORT_ENABLE_EXTENDED},
        "opt-basic": {"level": Level.ORT_ENABLE_BASIC},
        "no-arena": {"arena": False},
        "no-mem-pattern": {"pattern": False},
        "no-spinning": {"config": {"session.intra_op.allow_spinning": "0"}},
        "dynamic-block-4": {"config": {"session.dynamic_block_base": "4"}},
        "denormal-zero": {"config": {"session.set_denormal_as_zero": "1"}},
        "parallel-mode": {"parallel": True},
        f"threads-{max(1, threads - 1)}": {"threads": max(1, threads - 1)},
    }


def make_session(model: bytes, threads: int, settings: dict) -> ort.InferenceSession:
    options = session_options(settings.get("threads", threads), None)
    if "level" in settings:
        options.graph_optimization_level = settings["level"]
    if "arena" in settings:
        options.enable_cpu_mem_arena = settings["arena"]
    if "pattern" in settings:
        options.enable_mem_pattern = settings["pattern"]
    if settings.get("parallel"):
        options.execution_mode = ort.ExecutionMode.ORT_PARALLEL
    for key, value in settings.get("config", {}).items():
        options.add_session_config_entry(key, value)
    return ort.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])


def run_once(session: ort.InferenceSession, ids: list[int], style: np.ndarray) -> tuple[float, float]:
    io = read_io(session)
    feed = {
        io.tokens: np.array([[0, *ids, 0]], dtype=io.tokens_dtype),
        io.style: style.reshape(1, -1).astype(io.style_dtype),
        io.speed: np.array([1.0], dtype=io.speed_dtype),
    }
    started = time.perf_counter()
    (audio,) = session.run([io.audio], feed)
    return time.perf_counter() - started, audio.size / 24000


def first_calls(model: bytes, threads: int, inputs: list[tuple[list[int], np.ndarray]]) -> list[dict]:
    """A fresh default session: each length's first call, then its second, in the order short, long, short."""
    session = make_session(model, threads, {})
    rows = []
    for ids, style in (inputs[0], inputs[-1], inputs[1]):
        first, _ = run_once(session, ids, style)
        second, _ = run_once(session, ids, style)
        rows.append({"ids": len(ids), "first_ms": 1000 * first, "second_ms": 1000 * second})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads (default 2)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per variant and text (default 5)")
    parser.add_argument("--voice", default="af_heart")
    parser.add_argument("--only", help="comma-separated variant names (default: all)")
    parser.add_argument("--json", type=Path, help="write the numbers as JSON to this file")
    args = parser.parse_args()

    synth = Synthesizer.load(providers="cpu", intra_op_threads=args.threads)
    voice = synth.voices.resolve(args.voice)
    inputs = []
    for text in TEXTS:
        ids = tokenize(synth.phonemize(text, voice.language).phonemes).ids
        inputs.append((ids, voice.style_for(len(ids))))
    model = read_default_model()
    del synth

    all_variants = variants(args.threads)
    names = args.only.split(",") if args.only else list(all_variants)
    unknown = [n for n in names if n not in all_variants]
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(unknown)}; known: {', '.join(all_variants)}")
    if "default" not in names:
        names.insert(0, "default")

    cold = first_calls(model, args.threads, inputs)
    sessions = {name: make_session(model, args.threads, all_variants[name]) for name in names}
    for session in sessions.values():  # one untimed call of each length
        for ids, style in inputs:
            run_once(session, ids, style)
    times: dict[str, list[list[float]]] = {name: [[] for _ in inputs] for name in names}
    audio = [0.0] * len(inputs)
    for repeat in range(args.repeat):
        order = names if repeat % 2 == 0 else names[::-1]
        for name in order:
            for i, (ids, style) in enumerate(inputs):
                seconds, audio[i] = run_once(sessions[name], ids, style)
                times[name][i].append(seconds)

    medians = {name: [1000 * statistics.median(t) for t in times[name]] for name in names}
    base = sum(medians["default"])
    print(f"# {cpu_model()}, {os.cpu_count()} CPUs, load average {loadavg()}; ONNX Runtime {ort.__version__}, "
          f"{args.threads} intra-op threads, median of {args.repeat}")
    header = ["variant"] + [f"{len(ids)} ids ({a:.2f} s audio) ms" for (ids, _), a in zip(inputs, audio)]
    header += ["total vs default"]
    print("| " + " | ".join(header) + " |")
    print("|---|" + "---:|" * (len(header) - 1))
    for name in names:
        cells = [f"{m:.0f}" for m in medians[name]] + [f"{sum(medians[name]) / base:.2f}"]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    print("First call of each length on a fresh default session (a warm-up of several lengths helps only if the")
    print("first call is slower than the second):")
    print("| ids | first call ms | second call ms |")
    print("|---:|---:|---:|")
    for row in cold:
        print(f"| {row['ids']} | {row['first_ms']:.0f} | {row['second_ms']:.0f} |")
    if args.json:
        args.json.write_text(json.dumps({
            "onnxruntime": ort.__version__, "threads": args.threads, "repeat": args.repeat,
            "cpu": cpu_model(), "cpus": os.cpu_count(), "loadavg": loadavg(), "texts": TEXTS, "audio_s": audio,
            "times_s": times, "first_calls": cold,
        }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

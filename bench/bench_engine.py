"""Benchmark of the Kokoro engine against a bare ONNX Runtime session on the same model, inputs and options.

    .venv/bin/python bench/bench_engine.py [--threads 2] [--repeat 5] [--voice af_heart] [--json out.json]

Per text, over ``--repeat`` runs (medians reported):

* G2P uncached: the backend called directly (``synth.g2p.get(lang).phonemize(text)``), bypassing the
  phoneme cache (the backend may still have its own per-word caches);
* G2P cached: ``synth.phonemize(text, lang)`` called twice, the second call timed;
* inference: ``Speech.inference_seconds`` of ``synth.synthesize_phonemes(phonemes, voice)`` (it times
  ``KokoroModel.infer`` only: feed building, ``session.run`` and the float32 view of the output);
* bare: ``session.run`` alone of a second, bare ``onnxruntime.InferenceSession`` on the same model bytes, the same
  ``SessionOptions`` and the CPU provider, fed exactly the ids/style/speed the engine feeds, per piece, summed;
* wall: the whole ``synth.synthesize(text, voice)`` with a warm phoneme cache (cache hit, inference, trimming,
  joining, PCM conversion), and post = wall minus that call's own inference time;
* overhead % = (inference - bare) / bare, from the medians;
* audio seconds and RTF = inference / audio seconds.

Engine and bare runs are interleaved, and their order alternates each repeat (A B, B A, A B...), so that
background load and the other session's spinning thread pool hit both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from machine import cpu_model, loadavg  # noqa: E402  (bench/ is the script's folder)
from wyoming_kokoro.engine.audio import to_pcm16, trim_silence  # noqa: E402
from wyoming_kokoro.engine.model import read_default_model, read_io, session_options  # noqa: E402
from wyoming_kokoro.engine.tokens import MAX_IDS, split_phonemes, tokenize  # noqa: E402
from wyoming_kokoro.synthesizer import Synthesizer  # noqa: E402

TEXTS: list[tuple[str, str]] = [
    ("confirmation", "Okay."),
    ("short reply", "The living room lights are now off."),
    (
        "typical reply",
        "It's 72 degrees inside and 58 outside, with a 30 percent chance of rain after 4 PM. "
        "I've set the thermostat to 68 for tonight. Your next reminder is at 7:15 tomorrow morning.",
    ),
    (
        "long paragraph",
        "Here is a summary of your morning. The front door was unlocked at 6:42 by Sarah, and the garage door "
        "opened twice, once at 7:05 and again at 7:31. The dishwasher finished its cycle at 8 o'clock, and the "
        "washing machine still has about 25 minutes left. Outside, it is a cool and cloudy day, with a high of "
        "61 degrees and light winds from the west. Rain is expected to start in the early afternoon and continue "
        "into the evening, so you may want to bring the patio cushions inside. Finally, the living room "
        "thermostat is set to 70 degrees, and the energy use so far today is 4.2 kilowatt hours.",
    ),
]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


class RunTimer:
    """Stands in for the engine's InferenceSession and adds up the seconds spent in ``run``, so that
    ``inference_seconds`` splits exactly into session.run and what ``KokoroModel.infer`` does around it
    (immune to background load, unlike engine-vs-bare). Costs about a microsecond per call."""

    def __init__(self, session: ort.InferenceSession) -> None:
        self._session = session
        self.seconds = 0.0

    def run(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self._session.run(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started

    def __getattr__(self, name):
        return getattr(self._session, name)


class Bare:
    """A bare ONNX Runtime session fed as KokoroModel.infer feeds its own."""

    def __init__(self, model_bytes: bytes, threads: int | None) -> None:
        self.session = ort.InferenceSession(
            model_bytes, sess_options=session_options(threads, None), providers=["CPUExecutionProvider"]
        )
        self.io = read_io(self.session)

    def feeds(self, phonemes: str, voice, speed: float = 1.0) -> list[dict[str, np.ndarray]]:
        """One feed per piece, built exactly as Synthesizer.synthesize_phonemes and KokoroModel.infer do."""
        tokens = tokenize(phonemes)
        io = self.io
        feeds = []
        for piece in split_phonemes(tokens.phonemes, MAX_IDS):
            ids = tokenize(piece).ids
            feeds.append({
                io.tokens: np.array([[0, *ids, 0]], dtype=io.tokens_dtype),
                io.style: np.asarray(voice.style_for(len(ids)), dtype=io.style_dtype).reshape(1, 256),
                io.speed: np.array([speed], dtype=io.speed_dtype),
            })
        return feeds

    def run(self, feeds: list[dict[str, np.ndarray]]) -> tuple[float, list[np.ndarray]]:
        """Seconds spent in session.run over all pieces, and the raw outputs."""
        total = 0.0
        outputs = []
        for feed in feeds:
            started = time.perf_counter()
            (audio,) = self.session.run([self.io.audio], feed)
            total += time.perf_counter() - started
            outputs.append(audio)
        return total, outputs


def post_breakdown(raw_outputs: list[np.ndarray], repeat: int) -> dict[str, float]:
    """Median ms of the post-processing steps the engine does outside ``inference_seconds``, on real outputs."""
    samples: dict[str, list[float]] = {"float32_view": [], "trim_silence": [], "concatenate": [], "to_pcm16": []}
    for _ in range(max(repeat, 3)):
        t, flat = timed(lambda: [np.asarray(a, dtype=np.float32).reshape(-1) for a in raw_outputs])
        samples["float32_view"].append(t)
        t, trimmed = timed(lambda: [trim_silence(a) for a in flat])
        samples["trim_silence"].append(t)
        t, joined = timed(lambda: np.concatenate(trimmed))
        samples["concatenate"].append(t)
        t, _ = timed(to_pcm16, joined)
        samples["to_pcm16"].append(t)
    return {k: 1000 * median(v) for k, v in samples.items()}


def bench_text(
    synth: Synthesizer, bare: Bare, voice, label: str, text: str, repeat: int, warm: bool, timer: RunTimer | None
) -> dict:
    lang = voice.language
    backend = synth.g2p.get(lang.code)

    g2p_uncached = [timed(backend.phonemize, text)[0] for _ in range(repeat)]
    g2p_cached = []
    for _ in range(repeat):
        synth.phonemize(text, lang)
        g2p_cached.append(timed(synth.phonemize, text, lang)[0])
    phonemes = synth.phonemize(text, lang).phonemes

    tokens = tokenize(phonemes)
    feeds = bare.feeds(phonemes, voice)
    piece_ids = [int(f[bare.io.tokens].shape[1]) - 2 for f in feeds]

    if warm:  # one untimed round on this text's shapes, for both sessions
        synth.synthesize_phonemes(phonemes, voice)
        bare.run(feeds)

    engine_s, engine_run_s, bare_s, wall_s, wall_inf_s, audio_s = [], [], [], [], [], []
    raw_outputs: list[np.ndarray] = []
    for r in range(repeat):
        def run_engine():
            if timer is not None:
                timer.seconds = 0.0
            speech = synth.synthesize_phonemes(phonemes, voice)
            engine_s.append(speech.inference_seconds)
            if timer is not None:
                engine_run_s.append(timer.seconds)
            audio_s.append(speech.seconds)
            return speech

        def run_bare():
            t, outs = bare.run(feeds)
            bare_s.append(t)
            raw_outputs[:] = outs

        if r % 2 == 0:
            speech = run_engine()
            run_bare()
        else:
            run_bare()
            speech = run_engine()
        t, full = timed(synth.synthesize, text, voice)
        wall_s.append(t)
        wall_inf_s.append(full.inference_seconds)
        assert full.stats.cache_hits == 1, "phoneme cache should be warm"
        assert speech.pieces == len(feeds)

    inference, bare_med, wall = median(engine_s), median(bare_s), median(wall_s)
    outside_run = [e - r for e, r in zip(engine_s, engine_run_s)]
    seconds = median(audio_s)
    return {
        "label": label,
        "text": text,
        "chars": len(text),
        "phonemes": phonemes,
        "ids": len(tokens.ids),
        "dropped": sum(tokens.dropped.values()),
        "pieces": len(feeds),
        "piece_ids": piece_ids,
        "splits": len(tokens.ids) > MAX_IDS,
        "g2p_ms": 1000 * median(g2p_uncached),
        "g2p_cached_ms": 1000 * median(g2p_cached),
        "inference_ms": 1000 * inference,
        "bare_ms": 1000 * bare_med,
        "overhead_pct": 100 * (inference - bare_med) / bare_med,
        "paired_overhead_pct": 100 * median([(e - b) / b for e, b in zip(engine_s, bare_s)]),
        "min_overhead_pct": 100 * (min(engine_s) - min(bare_s)) / min(bare_s),
        "engine_run_ms": 1000 * median(engine_run_s) if engine_run_s else None,
        "infer_outside_run_us": 1e6 * median(outside_run) if outside_run else None,
        "infer_outside_run_pct": 100 * median([o / e for o, e in zip(outside_run, engine_s)]) if outside_run else None,
        "wall_ms": 1000 * wall,
        "post_ms": 1000 * median([w - i for w, i in zip(wall_s, wall_inf_s)]),
        "post_breakdown_ms": post_breakdown(raw_outputs, repeat),
        "audio_s": seconds,
        "rtf": inference / seconds if seconds else float("nan"),
        "bare_rtf": bare_med / seconds if seconds else float("nan"),
        "samples_ms": {
            "g2p": [1000 * x for x in g2p_uncached],
            "g2p_cached": [1000 * x for x in g2p_cached],
            "inference": [1000 * x for x in engine_s],
            "bare": [1000 * x for x in bare_s],
            "engine_run": [1000 * x for x in engine_run_s],
            "wall": [1000 * x for x in wall_s],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads of both sessions (default 2)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per text (default 5)")
    parser.add_argument("--voice", default="af_heart")
    parser.add_argument("--json", type=Path, help="write the numbers as JSON to this file")
    parser.add_argument("--no-text-warmup", action="store_true", help="skip the untimed round per text")
    parser.add_argument(
        "--no-run-timer", action="store_true",
        help="do not wrap the engine's session to split inference_seconds into session.run and the rest",
    )
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    load_before = loadavg()
    load_seconds, synth = timed(Synthesizer.load, providers="cpu", intra_op_threads=args.threads)
    model_bytes = read_default_model()
    bare_load, bare = timed(Bare, model_bytes, args.threads)
    assert synth.model.sha256 and bare.io == synth.model.io, (bare.io, synth.model.io)
    voice = synth.voices.resolve(args.voice)
    timer = None
    if not args.no_run_timer:
        timer = RunTimer(synth.model.session)
        synth.model.session = timer  # this process's instance only; the package is untouched

    # Warm-up: one inference each, and the G2P backend (first use loads its lexicon and spaCy).
    warm_text = "Warming up."
    g2p_load, _ = timed(synth.g2p.get(voice.language.code).phonemize, warm_text)
    warm_ph = synth.phonemize(warm_text, voice.language).phonemes
    warm_engine, _ = timed(synth.synthesize_phonemes, warm_ph, voice)
    warm_bare, _ = timed(bare.run, bare.feeds(warm_ph, voice))

    facts = {
        "onnxruntime": ort.__version__,
        "available_providers": ort.get_available_providers(),
        "engine_providers": synth.model.providers,
        "bare_providers": bare.session.get_providers(),
        "intra_op_threads": args.threads,
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "model": synth.model.source,
        "voice": voice.name,
        "repeat": args.repeat,
        "engine_load_s": round(load_seconds, 3),
        "bare_load_s": round(bare_load, 3),
        "g2p_first_call_s": round(g2p_load, 3),
        "warmup_ms": {"engine": round(1000 * warm_engine, 1), "bare": round(1000 * warm_bare, 1)},
        "loadavg_before": load_before,
    }
    print("## Machine\n")
    for key, value in facts.items():
        print(f"- {key}: {value}")
    print()

    rows = [
        bench_text(synth, bare, voice, label, text, args.repeat, not args.no_text_warmup, timer)
        for label, text in TEXTS
    ]
    facts["loadavg_after"] = loadavg()

    print(f"## Results (median of {args.repeat}, {args.threads} intra-op threads, voice {voice.name})\n")
    header = [
        "text", "chars", "ids", "pieces", "G2P ms", "G2P cached ms", "inference ms", "bare ms", "overhead %",
        "audio s", "RTF", "wall ms", "post ms",
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
    for r in rows:
        pieces = f"{r['pieces']} ({'+'.join(map(str, r['piece_ids']))})" if r["pieces"] > 1 else "1"
        print(
            f"| {r['label']} | {r['chars']} | {r['ids']} | {pieces} | {r['g2p_ms']:.1f} | {r['g2p_cached_ms']:.3f} "
            f"| {r['inference_ms']:.1f} | {r['bare_ms']:.1f} | {r['overhead_pct']:+.2f} | {r['audio_s']:.2f} "
            f"| {r['rtf']:.3f} | {r['wall_ms']:.1f} | {r['post_ms']:.2f} |"
        )
    total_inf = sum(r["inference_ms"] for r in rows)
    total_bare = sum(r["bare_ms"] for r in rows)
    total_audio = sum(r["audio_s"] for r in rows)
    total_wall = sum(r["wall_ms"] for r in rows)
    pairs = [
        (e - b) / b for r in rows for e, b in zip(r["samples_ms"]["inference"], r["samples_ms"]["bare"])
    ]
    summary = {
        "overhead_pct": 100 * (total_inf - total_bare) / total_bare,
        "paired_overhead_pct": 100 * median(pairs),
        "max_abs_overhead_pct": max(abs(r["overhead_pct"]) for r in rows),
        "rtf": total_inf / 1000 / total_audio,
        "wall_rtf": total_wall / 1000 / total_audio,
        "inference_ms": total_inf,
        "bare_ms": total_bare,
        "wall_ms": total_wall,
        "audio_s": total_audio,
    }
    print(
        f"\nSummary: engine inference {total_inf:.1f} ms vs bare onnxruntime {total_bare:.1f} ms over all texts: "
        f"overhead {summary['overhead_pct']:+.2f} % (largest per text {summary['max_abs_overhead_pct']:.2f} %; "
        f"median of the {len(pairs)} interleaved engine/bare pairs {summary['paired_overhead_pct']:+.2f} %); "
        f"{total_audio:.2f} s of audio, RTF {summary['rtf']:.3f} (inference), {summary['wall_rtf']:.3f} "
        f"(whole synthesize); load average {load_before} -> {facts['loadavg_after']}"
    )
    for r in rows:
        if r["splits"]:
            print(f"Note: '{r['label']}' has {r['ids']} ids > {MAX_IDS}: split into pieces of {r['piece_ids']} ids.")
    print("\nOverhead other estimators: paired median / min-vs-min (%); KokoroModel.infer outside session.run:")
    for r in rows:
        extra = (
            f"{r['infer_outside_run_us']:.1f} µs ({r['infer_outside_run_pct']:.5f} % of inference)"
            if r["infer_outside_run_us"] is not None else "n/a (--no-run-timer)"
        )
        print(f"- {r['label']}: paired {r['paired_overhead_pct']:+.2f} %, min {r['min_overhead_pct']:+.2f} %; {extra}")
    print("\nPost-processing outside inference_seconds (median ms):")
    for r in rows:
        parts = ", ".join(f"{k} {v:.3f}" for k, v in r["post_breakdown_ms"].items())
        print(f"- {r['label']}: {parts}")

    if args.json:
        args.json.write_text(json.dumps({"machine": facts, "summary": summary, "texts": rows}, indent=2) + "\n")
        print(f"\nWrote {args.json}")


if __name__ == "__main__":
    main()

"""Windowed decoding against whole pieces, as a listener would rate it: DNSMOS (SIG, BAK, OVRL) on the same
replies through both, paired reply by reply.

    .venv/bin/python bench/bench_quality.py [--replies 40] [--seam-context lean|full] [--json out.json]
        [--wav-dir DIR]

Each reply of bench/replies.py goes through the real pipeline one-shot, in this process: once decoded window by
window, as the server does (its windows sized by the start rule and the audio ahead, so by this machine's speed),
once in whole pieces (one window per part: the single graph's samples). Pieces, pauses and trims are the same.
DNSMOS (the ONNX models of PyPI's ``speechmos``, see tests/dnsmos.py) rates each reply's whole audio; the table
gives the mean paired difference windowed - whole of each score, and in how many replies windowed is worse.
Needs the test extra (faster-whisper's PyAV resamples to 16 kHz).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from dnsmos import Dnsmos  # noqa: E402  (tests/)
from replies import REPLIES  # noqa: E402  (bench/)
from wyoming_kokoro.pipeline import Pipeline, RequestStats, iterate  # noqa: E402
from wyoming_kokoro.scheduler import Scheduler  # noqa: E402
from wyoming_kokoro.synthesizer import Synthesizer  # noqa: E402
from wyoming_kokoro.text.spoken import spoken_pieces  # noqa: E402


def speak(pipeline: Pipeline, text: str, voice) -> tuple[np.ndarray, int]:
    """The reply's audio as the server would send it (int16), and the decoder windows it took."""
    async def main():
        stats = RequestStats()
        pcm = b"".join([p.pcm async for p in pipeline.run(iterate(spoken_pieces(text, voice.language.code)), voice,
                                                             voice.language, 1.0, stats, fit=True)])
        return np.frombuffer(pcm, dtype="<i2"), stats.windows

    return asyncio.run(main())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replies", type=int, default=len(REPLIES), help=f"how many replies (default {len(REPLIES)})")
    parser.add_argument("--voice", default="af_heart")
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads (default 2)")
    parser.add_argument("--seam-context", choices=("lean", "full"), default="lean",
                        help="the server's seam_context setting for the windowed rendering (default lean)")
    parser.add_argument("--json", type=Path, help="write every reply's scores as JSON to this file")
    parser.add_argument("--wav-dir", type=Path, help="write each reply's two renderings as WAV files here")
    args = parser.parse_args()

    synthesizer = Synthesizer.load(providers="cpu", intra_op_threads=args.threads)
    voice = synthesizer.voices.resolve(args.voice)
    scheduler = Scheduler(parallel=1)
    windowed = Pipeline(synthesizer, scheduler, windowed=True, full_context=args.seam_context == "full")
    windowed.warm_up(voice)
    whole = Pipeline(synthesizer, scheduler, windowed=False)
    dnsmos = Dnsmos()
    if args.wav_dir:
        args.wav_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, text in enumerate(REPLIES[: args.replies]):
        row = {"reply": text}
        for name, pipeline in (("windowed", windowed), ("whole", whole)):
            audio, windows = speak(pipeline, text, voice)
            scores = dnsmos.score(audio, 24000)
            row[name] = {"sig": scores.sig, "bak": scores.bak, "ovrl": scores.ovrl, "windows": windows,
                         "seconds": len(audio) / 24000}
            if args.wav_dir:
                with wave.open(str(args.wav_dir / f"{i:02d}-{name}.wav"), "wb") as out:
                    out.setnchannels(1), out.setsampwidth(2), out.setframerate(24000)
                    out.writeframes(audio.tobytes())
        rows.append(row)
        print(f"{i:2d}  OVRL {row['windowed']['ovrl']:.3f} / {row['whole']['ovrl']:.3f}  SIG {row['windowed']['sig']:.3f}"
              f" / {row['whole']['sig']:.3f}  windows {row['windowed']['windows']}  {text[:50]}", flush=True)
    scheduler.shutdown()
    print("\n| score | windowed mean | whole mean | paired mean difference | replies where windowed is worse |")
    print("|---|---:|---:|---:|---:|")
    for key in ("ovrl", "sig", "bak"):
        diffs = [r["windowed"][key] - r["whole"][key] for r in rows]
        print(f"| {key.upper()} | {statistics.mean(r['windowed'][key] for r in rows):.3f} | "
              f"{statistics.mean(r['whole'][key] for r in rows):.3f} | {statistics.mean(diffs):+.3f} | "
              f"{sum(d < 0 for d in diffs)} of {len(diffs)} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

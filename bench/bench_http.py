"""The HTTP side against the Wyoming side of one server: time to the first byte of a streamed
``/v1/audio/speech`` response against the time to the first audio chunk of a Wyoming ``synthesize`` with the same
text, in the same run, one request at a time, alternating; and the encoders' cost per second of audio.

    .venv/bin/python bench/bench_http.py [--replies 8] [--rounds 2] [--formats pcm,mp3,opus] [--json out.json]

It starts the server (``python -m wyoming_kokoro``, audio cache off, ``--http-uri`` on a free port) and stops it
when done. Each reply of bench/replies.py is spoken once through every side before anything is measured, then
``--rounds`` times through each: Wyoming, then each HTTP format. The first byte of a compressed format comes when
its encoder has a frame to give, so the table shows each format's ratio to the Wyoming first audio.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import server_process  # noqa: E402  (tests/)
from replies import REPLIES  # noqa: E402  (bench/)
from wyoming.client import AsyncClient  # noqa: E402
from wyoming.tts import Synthesize, SynthesizeVoice  # noqa: E402

from wyoming_kokoro.encode import Encoder  # noqa: E402


async def wyoming_first_audio(uri: str, text: str) -> float:
    async with AsyncClient.from_uri(uri) as client:
        started = time.perf_counter()
        await client.write_event(Synthesize(text=text, voice=SynthesizeVoice(name="af_heart")).event())
        first = None
        while (event := await client.read_event()) is not None:
            if event.type == "audio-chunk" and first is None:
                first = time.perf_counter() - started
            if event.type == "audio-stop":
                break
    assert first is not None
    return first


def http_first_byte(port: int, text: str, fmt: str) -> float:
    body = json.dumps({"model": "kokoro", "input": text, "voice": "af_heart", "response_format": fmt})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request("POST", "/v1/audio/speech", body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 200, response.read()
    first = None
    while chunk := response.read1(65536):
        if first is None:
            first = time.perf_counter() - started
    connection.close()
    assert first is not None
    return first


def encoder_cost(fmt: str, seconds: float = 10.0) -> float:
    """Milliseconds of CPU per second of audio for ``fmt`` (speech-like noise, encoded in pieces of 0.4 s)."""
    rng = np.random.default_rng(0)
    pcm = (rng.standard_normal(int(24000 * seconds)) * 3000).astype("<i2").tobytes()
    encoder = Encoder(fmt)
    started = time.process_time()
    for i in range(0, len(pcm), 19200):
        encoder.encode(pcm[i:i + 19200])
    encoder.finish()
    return (time.process_time() - started) * 1000 / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replies", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--formats", default="pcm,mp3,opus")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    formats = args.formats.split(",")
    texts = REPLIES[: args.replies]
    port = server_process.free_port()
    with tempfile.TemporaryDirectory() as logs:
        server = server_process.start_server(Path(logs), "--http-uri", f"tcp://127.0.0.1:{port}", "--cache-size", "0")
        try:
            for text in texts:  # every side once, unmeasured (first runs of each G2P path and encoder)
                asyncio.run(wyoming_first_audio(server.uri, text))
                for fmt in formats:
                    http_first_byte(port, text, fmt)
            times: dict[str, list[float]] = {"wyoming": [], **{fmt: [] for fmt in formats}}
            for _ in range(args.rounds):
                for text in texts:
                    times["wyoming"].append(asyncio.run(wyoming_first_audio(server.uri, text)))
                    for fmt in formats:
                        times[fmt].append(http_first_byte(port, text, fmt))
        finally:
            server.stop()
    base = statistics.median(times["wyoming"])
    print(f"{len(texts)} replies x {args.rounds} rounds, one request at a time\n")
    print("| side | first audio / first byte p50 ms | p95 ms | p50 / Wyoming's |")
    print("|---|---:|---:|---:|")
    rows = {}
    for side, values in times.items():
        p50, p95 = statistics.median(values), float(np.percentile(values, 95))
        rows[side] = {"p50_ms": p50 * 1000, "p95_ms": p95 * 1000, "ratio": p50 / base}
        name = "Wyoming synthesize" if side == "wyoming" else f"HTTP {side}"
        print(f"| {name} | {p50 * 1000:.0f} | {p95 * 1000:.0f} | {p50 / base:.2f} |")
    print("\n| format | encoder CPU ms per audio second |")
    print("|---|---:|")
    costs = {}
    for fmt in ("mp3", "opus", "aac", "flac", "wav", "pcm"):
        costs[fmt] = encoder_cost(fmt)
        print(f"| {fmt} | {costs[fmt]:.1f} |")
    if args.json:
        args.json.write_text(json.dumps({"first_audio": rows, "encoder_ms_per_audio_s": costs, "raw": times},
                                        indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

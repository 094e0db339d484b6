"""A minimal Wyoming TTS server that synthesizes every request whole: what the real server is compared with.

    .venv/bin/python bench/baseline_server.py --engine whole|bare --uri tcp://127.0.0.1:PORT [--provider cpu]
        [--intra-op-threads 2] [--voice af_heart] [--samples-per-chunk 1024]

* ``whole``: the project's engine without chunking: ``Synthesizer.synthesize(text, voice)`` on the whole text
  (G2P, tokens, one inference per 510 ids, trimming, pauses between those pieces, int16);
* ``bare``: a bare ``onnxruntime.InferenceSession`` made from ``read_default_model()`` with
  ``session_options(threads, None)`` and the same providers (and provider options) as the engine would choose,
  fed the token ids of the whole text. Ids over 510 are cut into pieces as ``Synthesizer.synthesize_phonemes``
  cuts them, run one after the other, and their raw audio joined, with no trimming and no pauses. The G2P is the
  project's, behind the same phoneme cache.

``describe`` is answered with one TTS program offering the one voice. A ``synthesize`` is answered with
``audio-start``, the audio in chunks, ``audio-stop``. A stream (``synthesize-start``, ``synthesize-chunk``...,
``synthesize-stop``) is collected and synthesized whole at ``synthesize-stop``, then answered the same way and
closed with ``synthesize-stopped``; the compatibility ``synthesize`` inside a stream is ignored, as the real
server ignores it. One inference at a time, in a single worker thread, so the event loop keeps serving; a
request still waiting for the worker is dropped when its client goes away. Audio is 24 kHz 16-bit mono. There
is no audio cache, and no parallelism to set.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import platform
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
import onnxruntime as ort
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Attribution, Describe, Info, TtsProgram, TtsVoice
from wyoming.server import AsyncEventHandler, AsyncServer
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop, SynthesizeStopped, SynthesizeVoice

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wyoming_kokoro import __version__  # noqa: E402
from wyoming_kokoro.engine.audio import CHANNELS, SAMPLE_RATE, SAMPLE_WIDTH, to_pcm16  # noqa: E402
from wyoming_kokoro.engine.model import read_default_model, read_io, session_options  # noqa: E402
from wyoming_kokoro.engine.providers import select_providers  # noqa: E402
from wyoming_kokoro.engine.tokens import MAX_IDS, split_phonemes, tokenize  # noqa: E402
from wyoming_kokoro.engine.voices import Voice, VoiceCatalog, VoiceError  # noqa: E402
from wyoming_kokoro.g2p import G2PRegistry  # noqa: E402
from wyoming_kokoro.synthesizer import Synthesizer  # noqa: E402

_LOGGER = logging.getLogger("baseline_server")

ENGINES = ("whole", "bare")
ATTRIBUTION = Attribution(name="hexgrad (Kokoro-82M)", url="https://huggingface.co/hexgrad/Kokoro-82M")


class WholeEngine:
    """The project's engine, given the whole text at once."""

    def __init__(self, provider: str, threads: int | None) -> None:
        self.synth = Synthesizer.load(providers=provider, intra_op_threads=threads)
        self.voices = self.synth.voices
        self.providers = self.synth.model.providers
        self.load_seconds = self.synth.model.load_seconds

    def synthesize(self, text: str, voice: Voice) -> np.ndarray:
        return self.synth.synthesize(text, voice).audio


class BareEngine:
    """A bare ONNX Runtime session, fed the token ids of the whole text."""

    def __init__(self, provider: str, threads: int | None) -> None:
        started = time.perf_counter()
        chosen = select_providers(provider, ort.get_available_providers(), platform.system(), platform.machine())
        self.session = self._session(chosen, threads)
        self.io = read_io(self.session)
        self.providers = self.session.get_providers()
        self.load_seconds = time.perf_counter() - started
        self.voices = VoiceCatalog.load()
        self.g2p = G2PRegistry()  # the same phoneme cache as the engine's (4096 texts)

    @staticmethod
    def _session(chosen: list[tuple[str, dict[str, str]]], threads: int | None) -> ort.InferenceSession:
        # The model's bytes are let go once the session is made, as KokoroModel lets them go.
        return ort.InferenceSession(
            read_default_model(), sess_options=session_options(threads, None),
            providers=[name for name, _ in chosen], provider_options=[options for _, options in chosen],
        )

    def synthesize(self, text: str, voice: Voice) -> np.ndarray:
        phonemes = tokenize(self.g2p.phonemize(text, voice.language.code).phonemes).phonemes
        io = self.io
        parts = []
        for piece in split_phonemes(phonemes, MAX_IDS):
            ids = tokenize(piece).ids
            feed = {
                io.tokens: np.array([[0, *ids, 0]], dtype=io.tokens_dtype),
                io.style: np.asarray(voice.style_for(len(ids)), dtype=io.style_dtype).reshape(1, -1),
                io.speed: np.array([1.0], dtype=io.speed_dtype),
            }
            (audio,) = self.session.run([io.audio], feed)
            parts.append(np.asarray(audio, dtype=np.float32).reshape(-1))
        return to_pcm16(np.concatenate(parts) if parts else np.zeros(0, np.float32))


class Baseline:
    """What every connection shares: the engine, its one worker thread, the voice and the ``info``."""

    def __init__(self, engine: WholeEngine | BareEngine, name: str, voice: Voice, samples_per_chunk: int) -> None:
        self.engine = engine
        self.voice = voice
        self.samples_per_chunk = samples_per_chunk
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inference")
        program = TtsProgram(
            name=f"kokoro-{name}",
            description=f"Kokoro-82M, whole text per request ({name})",
            attribution=Attribution(name="wyoming-kokoro benchmark", url="https://pypi.org/project/wyoming-kokoro/"),
            installed=True,
            version=__version__,
            voices=[TtsVoice(
                name=voice.name, description=voice.description, attribution=ATTRIBUTION, installed=True,
                version="1.0", languages=[voice.language.ha_code],
            )],
            supports_synthesize_streaming=True,
        )
        self.info_event = Info(tts=[program]).event()

    def resolve(self, requested: SynthesizeVoice | None) -> Voice:
        if requested is None or not requested.name or requested.name == self.voice.name:
            return self.voice
        return self.engine.voices.resolve(requested.name)

    async def synthesize(self, text: str, voice: Voice) -> np.ndarray:
        """int16 audio of ``text``, one inference at a time: a call waits for the worker thread. Cancelling a
        call that still waits drops it; one that runs finishes in its thread."""
        return await asyncio.get_running_loop().run_in_executor(self.worker, self.engine.synthesize, text, voice)


class BaselineHandler(AsyncEventHandler):
    def __init__(self, baseline: Baseline, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        super().__init__(reader, writer)
        self.baseline = baseline
        self._text: list[str] | None = None  # the text of an open stream so far
        self._voice: SynthesizeVoice | None = None
        self._turn = asyncio.Lock()  # one request of this connection at a time
        self._tasks: set[asyncio.Task] = set()

    async def handle_event(self, event: Event) -> bool:
        if Describe.is_type(event.type):
            await self.write_event(self.baseline.info_event)
        elif Synthesize.is_type(event.type):
            if self._text is None:  # inside a stream it is the compatibility copy of the text
                synthesize = Synthesize.from_event(event)
                self._start(synthesize.text, synthesize.voice, streamed=False)
        elif SynthesizeStart.is_type(event.type):
            self._close_stream()  # a new stream without a stop: the old one ends here
            self._text, self._voice = [], SynthesizeStart.from_event(event).voice
        elif SynthesizeChunk.is_type(event.type):
            if self._text is not None:
                self._text.append(SynthesizeChunk.from_event(event).text)
        elif SynthesizeStop.is_type(event.type):
            self._close_stream()
        return True

    async def disconnect(self) -> None:
        for task in self._tasks:
            task.cancel()

    def _close_stream(self) -> None:
        if self._text is not None:
            self._start("".join(self._text), self._voice, streamed=True)
            self._text = self._voice = None

    def _start(self, text: str, voice: SynthesizeVoice | None, streamed: bool) -> None:
        task = asyncio.create_task(self._request(text, voice, streamed))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _request(self, text: str, requested: SynthesizeVoice | None, streamed: bool) -> None:
        async with self._turn:
            started = time.perf_counter()
            try:
                try:
                    audio = await self.baseline.synthesize(text, self.baseline.resolve(requested))
                except VoiceError as err:
                    await self.write_event(Error(text=str(err), code="unknown-voice").event())
                except Exception as err:  # noqa: BLE001 (told to the client, as the real server does)
                    _LOGGER.exception("Synthesis failed")
                    await self.write_event(Error(text=f"synthesis failed: {type(err).__name__}: {err}",
                                                 code="synthesis-failed").event())
                else:
                    await self.write_event(AudioStart(rate=SAMPLE_RATE, width=SAMPLE_WIDTH, channels=CHANNELS).event())
                    pcm = audio.astype("<i2").tobytes()
                    step = self.baseline.samples_per_chunk * SAMPLE_WIDTH
                    for i in range(0, len(pcm), step):
                        await self.write_event(AudioChunk(
                            rate=SAMPLE_RATE, width=SAMPLE_WIDTH, channels=CHANNELS, audio=pcm[i : i + step]
                        ).event())
                    await self.write_event(AudioStop().event())
                    _LOGGER.info(
                        "request kind=%s characters=%d audio_seconds=%.3f total_ms=%.1f",
                        "streamed" if streamed else "one-shot", len(text), len(audio) / SAMPLE_RATE,
                        1000 * (time.perf_counter() - started),
                    )
                if streamed:
                    await self.write_event(SynthesizeStopped().event())
            except (ConnectionError, BrokenPipeError):
                _LOGGER.debug("Client gone")


async def serve(baseline: Baseline, uri: str) -> int:
    """Serve until SIGTERM or SIGINT, then stop and return 0."""
    server = AsyncServer.from_uri(uri)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    await server.start(partial(BaselineHandler, baseline))
    _LOGGER.info("Serving on %s", uri)
    await stop.wait()
    _LOGGER.info("Stopping")
    await server.stop()
    baseline.worker.shutdown(wait=False, cancel_futures=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=ENGINES, required=True, help="whole: the engine on the whole text; "
                        "bare: a bare onnxruntime session on the whole text's ids")
    parser.add_argument("--uri", required=True, help="tcp://HOST:PORT or unix://PATH to listen on")
    parser.add_argument("--provider", default="cpu", help="as the server's --provider (default cpu)")
    parser.add_argument("--intra-op-threads", type=int, default=0, help="(default 0: onnxruntime's default)")
    parser.add_argument("--voice", default="af_heart", help="the voice offered and spoken (default af_heart)")
    parser.add_argument("--samples-per-chunk", type=int, default=1024, help="samples per audio-chunk (default 1024)")
    args = parser.parse_args()
    if args.samples_per_chunk < 1:
        parser.error("--samples-per-chunk must be 1 or more")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    engine_class = WholeEngine if args.engine == "whole" else BareEngine
    try:
        engine = engine_class(args.provider, args.intra_op_threads or None)
        voice = engine.voices.resolve(args.voice)
    except (ValueError, RuntimeError) as err:  # ModelError, VoiceError, an unavailable provider
        print(f"error: {err}", file=sys.stderr)
        return 1
    _LOGGER.info(
        "Loaded the model in %.2f s (%s); engine %s, intra-op threads %s",
        engine.load_seconds, ", ".join(engine.providers), args.engine, args.intra_op_threads or "onnxruntime default",
    )
    started = time.perf_counter()
    engine.synthesize("Ready.", voice)
    _LOGGER.info("Warmed up in %.2f s; voice %s", time.perf_counter() - started, voice.name)
    return asyncio.run(serve(Baseline(engine, args.engine, voice, args.samples_per_chunk), args.uri))


if __name__ == "__main__":
    sys.exit(main())

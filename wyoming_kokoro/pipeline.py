"""One request's way from text pieces to audio, on the model that every request shares.

:meth:`Pipeline.run` takes a request's pieces (texts, which may arrive over time) and yields their audio in
order; one producer task synthesizes up to ``lookahead`` pieces ahead of what the consumer (the server) has
taken. A piece is made step by step (:class:`.synthesizer.PieceStream`): where the model's graph is split and
``windowed`` is on, a step decodes one window of frames, sized by the planner to the audio the listener has
ahead; otherwise a step is a whole part of the piece, the one-window case. Each step is one job for the
scheduler, so another request's first words can go between two windows of a long reply. The planner may cut a
piece at its clauses first (``fit``), and the audio cache may answer a piece said before.

The pause between two pieces is put at the front of the second one, not at the end of the first: only then is
it known that more speech follows (a streamed reply may end with a sentence that was handed out before its
stop), and a pause the listener already sat through while the piece was late is not played again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import numpy as np

from .audio_cache import AudioCache
from .costs import CostModel
from .engine.audio import SAMPLE_RATE, silence, to_pcm16
from .engine.voices import Voice
from .g2p import G2PStats
from .languages import Language
from .planner import Planner
from .scheduler import Scheduler
from .synthesizer import PieceStream, Speech, Synthesizer


@dataclass
class PieceAudio:
    """Audio of one piece of a request, ready to send: the whole piece, or one part of it (a decoder window)."""

    text: str
    pcm: bytes  # int16 little endian, mono, SAMPLE_RATE
    speech: Speech
    cached: bool = False  # from the audio cache: no inference
    first: bool = True  # the piece's first part: a streamed reply opens its audio here
    last: bool = True  # the piece's last part: its audio closes here

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / SAMPLE_RATE


@dataclass
class RequestStats:
    """What one request did; logged at its end."""

    characters: int = 0
    pieces: int = 0
    audio_seconds: float = 0.0
    inference_seconds: float = 0.0
    g2p: G2PStats = field(default_factory=G2PStats)  # words by source, fallbacks, dropped symbols, cache hits
    audio_cache_hits: int = 0
    first_audio_seconds: float | None = None
    started: float = field(default_factory=time.perf_counter)
    windows: int = 0  # decoder windows run (a piece decoded whole is one)

    def add(self, piece: PieceAudio) -> None:
        """Count a part of a piece: its audio; and, at the piece's last part, the piece."""
        self.audio_seconds += piece.seconds
        if not piece.last:
            return
        self.pieces += 1
        self.audio_cache_hits += piece.cached
        self.characters += len(piece.text)
        self.inference_seconds += piece.speech.inference_seconds
        self.windows += piece.speech.windows
        self.g2p.add(piece.speech.stats)

    @property
    def rtf(self) -> float:
        return self.inference_seconds / self.audio_seconds if self.audio_seconds else 0.0


class _Playback:
    """When the listener will have played all the audio handed out so far (``end`` None before the first)."""

    def __init__(self) -> None:
        self.end: float | None = None

    def buffered(self) -> float | None:
        """Seconds of audio the listener has ahead (negative: it ran out that long ago); None before the first."""
        return None if self.end is None else self.end - time.perf_counter()

    def add(self, seconds: float) -> None:
        now = time.perf_counter()
        self.end = max(self.end or now, now) + seconds


@dataclass
class Pipeline:
    """Text pieces in, audio out, for every request of the server: the synthesizer, the scheduler and the cost
    model are shared."""

    synthesizer: Synthesizer
    scheduler: Scheduler
    lookahead: int = 2  # pieces a request may synthesize ahead of what it has sent
    cache: AudioCache | None = None
    #: Decode pieces window by window (the model's graph must be split): a piece's first words are sent as
    #: soon as their window is decoded, and later windows grow as the audio ahead of the listener grows.
    windowed: bool = False
    costs: CostModel = field(default_factory=CostModel)

    def __post_init__(self) -> None:
        model = self.synthesizer.model
        if self.windowed and model.split is None:
            raise ValueError("windowed decoding needs a model whose graph is split")
        self.planner = Planner(
            self.costs, self.synthesizer.plan, self.synthesizer.pauses,
            frame_duration=model.hop / SAMPLE_RATE if self.windowed else None,
        )

    # -- a request ------------------------------------------------------------------------------------------

    async def run(
        self,
        pieces: AsyncIterator[str],
        voice: Voice,
        language: Language,
        speed: float,
        stats: RequestStats,
        fit: bool = False,
    ) -> AsyncIterator[PieceAudio]:
        """The audio of ``pieces`` (texts, which may arrive over time), in order, synthesized up to ``lookahead``
        pieces ahead of the consumer. With ``fit``, a piece is cut at its clauses where the planner says that
        brings its first audio sooner and the listener would otherwise wait."""
        ready: asyncio.Queue[PieceAudio | BaseException | None] = asyncio.Queue(self.lookahead)
        producer = asyncio.create_task(self._produce(pieces, voice, language, speed, stats, ready, fit))
        try:
            while True:
                item = await ready.get()
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            if not producer.done():
                producer.cancel()
                try:
                    await producer
                except (asyncio.CancelledError, Exception):
                    pass

    async def _produce(
        self, texts: AsyncIterator[str], voice: Voice, language: Language, speed: float, stats: RequestStats,
        ready: asyncio.Queue, fit: bool,
    ) -> None:
        playback = _Playback()
        previous: str | None = None  # the text of the piece before

        async def hand_out(piece: PieceAudio) -> None:
            playback.add(piece.seconds)
            stats.add(piece)
            await ready.put(piece)

        try:
            async for text in self._cut(texts, language, speed, playback, fit):
                key = self._cache_key(text, voice, language, speed)
                cached = None if key is None else await self.cached_piece(key, text, voice, language)
                if cached is not None:
                    cached.pcm = self._pause_pcm(previous, speed, playback) + cached.pcm
                    await hand_out(cached)
                else:
                    stream = self.synthesizer.stream(text, voice, speed=speed, language=language)
                    parts: list[bytes] = []
                    while not stream.done:
                        # Nothing plays yet before the request's first audio: its window is small and goes first.
                        urgent = playback.end is None
                        pcm = await self.scheduler.run(
                            time.perf_counter() if urgent else playback.end,
                            lambda urgent=urgent: self.step(stream, playback.buffered, urgent),
                            first=urgent,
                        )
                        data = pcm.astype("<i2").tobytes()
                        if not data and not stream.done:
                            continue  # silence not sent yet: nothing to hand out
                        assert stream.speech is not None
                        pause = b"" if parts else self._pause_pcm(previous, speed, playback)
                        parts.append(data)
                        await hand_out(PieceAudio(text, pause + data, stream.speech, first=len(parts) == 1,
                                                  last=stream.done))
                    assert stream.speech is not None
                    self.costs.note_piece(stream.speech.inference_seconds, stream.speech.seconds)
                    if key is not None and any(parts):
                        await self._cache_put(key, b"".join(parts))
                previous = text
            await ready.put(None)
        except asyncio.CancelledError:
            raise
        except BaseException as err:  # handed to the consumer, which turns it into an error event
            await ready.put(err)

    async def _cut(
        self, texts: AsyncIterator[str], language: Language, speed: float, playback: _Playback, fit: bool
    ) -> AsyncIterator[str]:
        """The pieces to synthesize: ``texts``, each cut at its clauses where the planner says so (``fit``)."""
        async for text in texts:
            while True:
                rest = ""
                # Cutting helps only when this request has the model to itself: when others wait too, smaller
                # pieces cost more inferences for the same audio (measured: worse at 16 clients).
                if fit and self.scheduler.queue_depth == 0:
                    if playback.end is None:
                        text, rest = self.planner.first_cut(text, language, speed)
                    else:
                        text, rest = self.planner.fit(text, language, speed, playback.end - time.perf_counter())
                yield text
                if not rest:
                    break
                text = rest

    # -- the work of a worker thread ------------------------------------------------------------------------

    def step(self, stream: PieceStream, buffered: Callable[[], float | None], urgent: bool) -> np.ndarray:
        """Blocking: the next step of ``stream`` and its PCM; the costs it measured go to the cost model.

        With windows, the window's size is chosen when the worker takes the job (the audio ahead of the listener,
        ``buffered()``, is known best then); ``urgent``: the request's first window. Without, a step is a whole
        part."""
        remaining = stream.remaining_frames
        frames = None
        if self.windowed:
            frames = self.planner.window_frames(remaining, None if urgent else buffered() or 0.0, stream.last_window)
        started = time.perf_counter()
        pcm = stream.step(frames)
        decoded, seconds = stream.last_decode
        if decoded:  # the decoder ran (the split graph): the front part ran before it when the part was new
            front = time.perf_counter() - started - seconds if remaining is None else None
            self.costs.note_step(decoded, seconds, front)
        return pcm

    def warm_up(self, voice: Voice) -> None:
        """Blocking: a piece through the whole path (G2P, tokens, model), so the first request pays no first-run
        cost, and its costs measured; with windows, small ones too, which measures the decoder's cost per frame."""
        speech = self.synthesizer.synthesize("Ready.", voice)
        self.costs.note_piece(speech.inference_seconds, speech.seconds)
        if self.windowed:
            stream = self.synthesizer.stream("Ready when you are.", voice)
            while not stream.done:
                self.step(stream, lambda: None, urgent=True)

    # -- pauses and the audio cache -------------------------------------------------------------------------

    def _pause_pcm(self, previous: str | None, speed: float, playback: _Playback) -> bytes:
        """The pause in front of a piece, as PCM: none before the first; less when the listener has already been
        waiting in silence since the audio before it ended (that was, in part, the pause)."""
        if previous is None or playback.end is None:
            return b""
        seconds = self.synthesizer.pauses.after(previous, speed)
        waited = time.perf_counter() - playback.end
        if waited > 0:
            seconds = max(0.0, seconds - waited)
        return to_pcm16(silence(seconds)).astype("<i2").tobytes()

    def _cache_key(self, text: str, voice: Voice, language: Language, speed: float) -> str | None:
        if self.cache is None:
            return None
        # The G2P's fingerprint (backend, user lexicon) is part of the key: a changed lexicon must not keep
        # playing the old pronunciation from a cache directory that outlives the process.
        g2p = self.synthesizer.g2p.fingerprint(language.code)
        return self.cache.key(text, voice, speed, f"{language.code}|{g2p}")

    async def _cache_put(self, key: str, pcm: bytes) -> None:
        """Keep a piece's audio: in memory at once, in the directory (a file written, sometimes a sweep) in a
        thread."""
        assert self.cache is not None
        if self.cache.directory is None:
            self.cache.put(key, pcm)
        else:
            await asyncio.get_running_loop().run_in_executor(None, self.cache.put, key, pcm)

    async def cached_piece(self, key: str, text: str, voice: Voice, language: Language) -> PieceAudio | None:
        """The piece from the audio cache, or None: memory is looked up at once, the directory in a thread."""
        assert self.cache is not None
        pcm = self.cache.get_memory(key)
        if pcm is None:
            if self.cache.directory is None:
                pcm = self.cache.get(key)  # a miss, counted
            else:
                pcm = await asyncio.get_running_loop().run_in_executor(None, self.cache.get, key)
        if pcm is None:
            return None
        audio = np.frombuffer(pcm, dtype="<i2")
        speech = Speech(audio=audio, phonemes="", voice=voice, language=language, stats=G2PStats())
        return PieceAudio(text, pcm, speech, cached=True)


async def iterate(items: list[str]) -> AsyncIterator[str]:
    """The pieces of a text known up front, as the pipeline takes them."""
    for item in items:
        yield item


def chunk_pcm(pcm: bytes, samples_per_chunk: int) -> list[bytes]:
    step = samples_per_chunk * 2
    return [pcm[i : i + step] for i in range(0, len(pcm), step)]

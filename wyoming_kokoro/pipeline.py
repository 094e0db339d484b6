"""One request's way from text to audio, and the sharing of the model between requests.

The engine and the G2P are plain synchronous code; here they run in worker threads, so the event loop never
blocks. :class:`Scheduler` hands the model to the first pieces of requests before anything else, and then to
the other jobs earliest deadline first: a job's deadline is the moment its audio will be needed by the listener,
when the audio before it has played. So a new request is never stuck behind another's long tail (not even a
tail that is already late: its listener has heard something, the new one nothing), and among the tails the one
whose listener runs out of audio first goes first.

The pause between two pieces is put at the front of the second one, not at the end of the first: only then is
it known that more speech follows (a streamed reply may end with a sentence that was handed out before its
stop), and a pause the listener already sat through while the piece was late is not played again.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from .audio_cache import AudioCache
from .engine.audio import SAMPLE_RATE, silence, to_pcm16
from .engine.voices import Voice
from .g2p import G2PStats
from .languages import Language
from .pauses import CLAUSE_PAUSE, SENTENCE_PAUSE, pause_after
from .text.segment import split_clauses
from .tts import PieceStream, Speech, Synthesizer

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")

#: Seconds of speech per character of text at speed 1, to guess how long a piece will take before synthesizing it.
SECONDS_PER_CHARACTER = 0.065


class QueueFull(RuntimeError):
    """The scheduler's queue is full: the server is busy."""


@dataclass(order=True)
class _Job:
    tier: int  # 0: the first piece of a request; 1: any other
    deadline: float
    seq: int
    fn: Callable[[], Any] = field(compare=False)
    future: asyncio.Future = field(compare=False)


class Scheduler:
    """Runs blocking jobs in ``parallel`` worker threads, earliest deadline first, at most ``max_queue`` waiting."""

    def __init__(self, parallel: int = 1, max_queue: int = 32) -> None:
        if parallel < 1:
            raise ValueError(f"parallel inferences must be 1 or more, got {parallel}")
        if max_queue < 1:
            raise ValueError(f"queue size must be 1 or more, got {max_queue}")
        self.parallel = parallel
        self.max_queue = max_queue
        self._executor = ThreadPoolExecutor(parallel, thread_name_prefix="kokoro-inference")
        self._waiting: list[_Job] = []
        self._running = 0
        self._seq = itertools.count()

    @property
    def queue_depth(self) -> int:
        """Jobs waiting for a worker (cancelled ones not counted)."""
        return sum(1 for job in self._waiting if not job.future.done())

    @property
    def running(self) -> int:
        return self._running

    async def run(self, deadline: float, fn: Callable[[], T], first: bool = False) -> T:
        """Run ``fn()`` in a worker thread when its turn comes; raises :class:`QueueFull` when too many wait.

        ``first`` jobs (the first piece of a request) go before all others, earliest deadline first among each.

        Cancelling the caller drops the job if it has not started (a started one finishes in its thread and
        its result is thrown away)."""
        if self.queue_depth >= self.max_queue:
            raise QueueFull(f"{self.max_queue} pieces already wait for the model")
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, _Job(0 if first else 1, deadline, next(self._seq), fn, future))
        self._dispatch()
        return await future

    def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        while self._running < self.parallel and self._waiting:
            job = heapq.heappop(self._waiting)
            if job.future.done():  # cancelled while waiting
                continue
            self._running += 1
            done = loop.run_in_executor(self._executor, job.fn)
            done.add_done_callback(lambda result, job=job: self._finished(result, job))

    def _finished(self, result: asyncio.Future, job: _Job) -> None:
        self._running -= 1
        if not job.future.done():
            if result.exception() is not None:
                job.future.set_exception(result.exception())
            else:
                job.future.set_result(result.result())
        self._dispatch()

    def shutdown(self) -> None:
        for job in self._waiting:
            job.future.cancel()
        self._waiting.clear()
        self._executor.shutdown(wait=False, cancel_futures=True)


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
    g2p_seconds: float = 0.0
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
        self.g2p_seconds += piece.speech.g2p_seconds
        self.windows += piece.speech.windows
        self.g2p.add(piece.speech.stats)

    @property
    def rtf(self) -> float:
        return self.inference_seconds / self.audio_seconds if self.audio_seconds else 0.0


@dataclass
class Pipeline:
    """Text pieces in, audio out, for every request of the server: the synthesizer and the scheduler are shared."""

    synthesizer: Synthesizer
    scheduler: Scheduler
    lookahead: int = 2  # pieces a request may synthesize ahead of what it has sent
    cache: AudioCache | None = None
    #: Inference seconds per audio second, measured as pieces are synthesized (a moving average).
    rtf: float = 0.5
    #: Decode pieces window by window (the model's graph must be split): a piece's first words are sent as
    #: soon as their window is decoded, and later windows grow as the audio ahead of the listener grows.
    windowed: bool = False
    #: Seconds of decoder work the first window of a request may take; more frames fit on a faster machine.
    first_window_seconds: float = 0.08
    #: Decoder seconds per frame decoded (context included), measured as windows are decoded (a moving average).
    frame_seconds: float = 0.008
    sentence_pause: float = SENTENCE_PAUSE
    clause_pause: float = CLAUSE_PAUSE
    #: Seconds the front part (and the G2P) of a piece takes before its first window (a moving average).
    front_seconds: float = 0.05

    def __post_init__(self) -> None:
        self._rtf_lock = threading.Lock()
        if self.windowed and self.synthesizer.model.split is None:
            raise ValueError("windowed decoding needs a model whose graph is split")

    def synthesize_piece(
        self, text: str, voice: Voice, language: Language, speed: float, cache_key: str | None = None
    ) -> PieceAudio:
        """Blocking: the audio of one piece (its own edge silence trimmed, no pause added)."""
        speech = self.synthesizer.synthesize(text, voice, speed=speed, language=language)
        self._note_rtf(speech)
        pcm = speech.audio.astype("<i2").tobytes()
        if cache_key is not None and self.cache is not None and pcm:
            self.cache.put(cache_key, pcm)
        return PieceAudio(text, pcm, speech)

    def _note_rtf(self, speech: Speech) -> None:
        if speech.seconds > 0.5:
            with self._rtf_lock:  # worker threads finish concurrently with parallel inferences
                self.rtf = 0.8 * self.rtf + 0.2 * speech.rtf

    def _cache_key(self, text: str, voice: Voice, language: Language, speed: float) -> str | None:
        if self.cache is None:
            return None
        # The G2P's fingerprint (backend, user lexicon) is part of the key: a changed lexicon must not keep
        # playing the old pronunciation from a cache directory that outlives the process.
        g2p = self.synthesizer.g2p.fingerprint(language.code)
        return self.cache.key(text, voice, speed, f"{language.code}|{g2p}")

    def _pause_pcm(self, previous: str | None, speed: float, playback_end: float | None) -> bytes:
        """The pause in front of a piece, as PCM: none before the first; less when the listener has already been
        waiting in silence since ``playback_end`` (that was, in part, the pause)."""
        if previous is None or playback_end is None:
            return b""
        seconds = self.pause(previous, speed)
        now = time.perf_counter()
        if now > playback_end:
            seconds = max(0.0, seconds - (now - playback_end))
        return to_pcm16(silence(seconds)).astype("<i2").tobytes()

    @staticmethod
    def pause_after(text: str, speed: float) -> float:
        """The default pause after ``text`` (see :func:`pause_after`)."""
        return pause_after(text, speed)

    def pause(self, text: str, speed: float) -> float:
        """The pause after ``text`` with this pipeline's sentence and clause pauses."""
        return pause_after(text, speed, self.sentence_pause, self.clause_pause)

    async def cached_piece(
        self, key: str, text: str, voice: Voice, language: Language
    ) -> PieceAudio | None:
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

    async def run(
        self,
        pieces: AsyncIterator[str],
        voice: Voice,
        language: Language,
        speed: float,
        stats: RequestStats,
        fit: bool = False,
    ) -> AsyncIterator[PieceAudio]:
        """The audio of ``pieces`` (texts, which may arrive over time), in order, synthesized
        up to ``lookahead`` pieces ahead of the consumer. With ``fit``, a piece that would take longer to
        synthesize than the audio before it lasts is cut at its clauses, so that playback does not stall."""
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

    def fit(self, text: str, language: Language, speed: float, budget: float) -> tuple[str, str]:
        """(what to synthesize now, what to leave for later) of ``text``, cut at clauses so that the first part's
        estimated inference time fits ``budget`` seconds (at least one clause is taken; "" is left when it all
        fits or cannot be cut)."""
        def cost(part: str) -> float:
            return self.rtf * len(part) * SECONDS_PER_CHARACTER / speed

        if cost(text) <= budget:
            return text, ""
        clauses = split_clauses(text, language.code)
        taken = 1
        while taken < len(clauses) and cost(" ".join(clauses[: taken + 1])) <= budget:
            taken += 1
        return " ".join(clauses[:taken]), " ".join(clauses[taken:])

    def first_cut(self, text: str, language: Language, speed: float) -> tuple[str, str]:
        """(first piece, rest) of a request's first text: its first clause alone when the clause after it can be
        synthesized while the first one plays (so the listener hears the first words sooner and no gap after
        them), else the text whole ("" left). On a slow CPU a reply then starts a little later but flows; on a
        fast one it starts with a short clause."""
        clauses = split_clauses(text, language.code)
        if len(clauses) < 2:
            return text, ""
        head, after = clauses[0], clauses[1]
        plays = len(head) * SECONDS_PER_CHARACTER / speed + self.pause_after(head, speed)
        if self.rtf * len(after) * SECONDS_PER_CHARACTER / speed > plays:
            return text, ""
        return head, " ".join(clauses[1:])

    def window_frames(self, remaining: int | None, buffered: float | None, previous: int = 0) -> int:
        """How many frames the next window of a piece decodes.

        The first window of a request (``buffered`` None): what fits ``first_window_seconds`` at the measured
        cost of a frame, and at least the plan's first window. A later one: what can be decoded, context
        included, in 85 % of the ``buffered`` seconds of audio the listener has ahead, up to the plan's largest
        window. When that is less than the plan's first window (the listener is about to run out, or has), the
        window grows by the plan's factor over the ``previous`` one instead: small windows would spend most of
        their time on context, and the listener would starve longer. All that is left when the rest would be a
        stub. ``remaining`` is None for a part whose front has not run yet: its size is unknown, and the budget
        pays for its front part and its onset too."""
        plan = self.synthesizer.plan
        cost = max(self.frame_seconds, 1e-5)
        if buffered is None:
            frames = int(self.first_window_seconds / cost) - plan.right - plan.onset - plan.lead
        else:
            if remaining is None:  # a new part: its front part runs first, and its window decodes the onset
                frames = int((0.85 * buffered - self.front_seconds) / cost) - plan.onset - plan.lead - plan.right
            else:
                frames = int(0.85 * buffered / cost) - plan.left - plan.right
            if frames < plan.first:
                frames = int(max(previous, plan.first) * plan.growth)
            frames = min(frames, plan.largest)
        frames = max(plan.first, frames)
        return remaining if remaining is not None and frames >= remaining - plan.first else frames

    def _window_step(self, stream: PieceStream, buffered: Callable[[], float | None], urgent: bool) -> np.ndarray:
        """Blocking: the next window of ``stream``, its size chosen when the worker takes it (the audio ahead of
        the listener is known best then)."""
        remaining = stream.remaining_frames
        previous = stream.last_window
        frames = self.window_frames(remaining, None if urgent else buffered() or 0.0, previous)
        started = time.perf_counter()
        pcm = stream.step(frames)
        decoded, seconds = stream.last_decode
        with self._rtf_lock:
            if decoded >= 8:
                self.frame_seconds = 0.7 * self.frame_seconds + 0.3 * seconds / decoded
            if remaining is None:
                front = max(0.0, time.perf_counter() - started - seconds)
                self.front_seconds = 0.7 * self.front_seconds + 0.3 * front
        return pcm

    async def _produce_windowed(self, pieces, voice, language, speed, stats: RequestStats, ready: asyncio.Queue) -> None:
        playback_end: float | None = None  # when the listener will have played all the audio handed out so far
        previous: str | None = None

        def buffered() -> float | None:
            return None if playback_end is None else playback_end - time.perf_counter()

        async def hand_out(piece: PieceAudio) -> None:
            nonlocal playback_end
            now = time.perf_counter()
            playback_end = max(playback_end or now, now) + piece.seconds
            stats.add(piece)
            await ready.put(piece)

        try:
            async for text in pieces:
                key = self._cache_key(text, voice, language, speed)
                cached = None if key is None else await self.cached_piece(key, text, voice, language)
                pause = self._pause_pcm(previous, speed, playback_end)
                previous = text
                if cached is not None:
                    cached.pcm = pause + cached.pcm
                    await hand_out(cached)
                    continue
                stream = self.synthesizer.stream(text, voice, speed=speed, language=language)
                parts: list[bytes] = []
                first = True
                while not stream.done:
                    # The first window of a request is small, so that the listener hears something at once.
                    urgent = playback_end is None
                    deadline = time.perf_counter() if playback_end is None else playback_end
                    pcm = await self.scheduler.run(
                        deadline,
                        lambda urgent=urgent: self._window_step(stream, buffered, urgent),
                        first=playback_end is None,
                    )
                    data = pcm.astype("<i2").tobytes()
                    parts.append(data)
                    if not data and not stream.done:
                        continue  # silence not sent yet: nothing to hand out
                    assert stream.speech is not None
                    piece = PieceAudio(text, (pause if first else b"") + data, stream.speech, first=first,
                                       last=stream.done)
                    first = False
                    await hand_out(piece)
                if stream.speech is not None:
                    self._note_rtf(stream.speech)
                if key is not None and self.cache is not None and any(parts):
                    self.cache.put(key, b"".join(parts))
            await ready.put(None)
        except asyncio.CancelledError:
            raise
        except BaseException as err:  # handed to the consumer, which turns it into an error event
            await ready.put(err)

    async def _produce(
        self, pieces, voice, language, speed, stats: RequestStats, ready: asyncio.Queue, fit: bool = False
    ) -> None:
        if self.windowed:
            await self._produce_windowed(pieces, voice, language, speed, stats, ready)
            return
        # When the listener will have played all the audio handed out so far (None before the first piece).
        playback_end: float | None = None
        previous: str | None = None  # the text of the piece before
        left: list[str] = []  # the rest of a piece that was cut to fit

        async def texts():
            async for item in pieces:
                yield item
                while left:
                    yield left.pop()

        try:
            async for text in texts():
                now = time.perf_counter()
                # Cutting helps only when this request has the model to itself: when others wait too, smaller
                # pieces cost more inferences for the same audio (measured: worse at 16 clients).
                if fit and self.scheduler.queue_depth == 0:
                    if playback_end is None:
                        text, rest = self.first_cut(text, language, speed)
                    else:
                        text, rest = self.fit(text, language, speed, playback_end - now)
                    if rest:
                        left.append(rest)
                # When the listener will need this piece: now for the first; for the others, when the audio
                # before them will have played (a moment already past makes the piece the most urgent).
                deadline = now if playback_end is None else playback_end
                key = self._cache_key(text, voice, language, speed)
                piece = None if key is None else await self.cached_piece(key, text, voice, language)
                if piece is None:
                    piece = await self.scheduler.run(
                        deadline,
                        lambda text=text, key=key: self.synthesize_piece(text, voice, language, speed, key),
                        first=playback_end is None,
                    )
                piece.pcm = self._pause_pcm(previous, speed, playback_end) + piece.pcm
                now = time.perf_counter()
                playback_end = max(playback_end or now, now) + piece.seconds
                previous = text
                stats.add(piece)
                await ready.put(piece)
            await ready.put(None)
        except asyncio.CancelledError:
            raise
        except BaseException as err:  # handed to the consumer, which turns it into an error event
            await ready.put(err)


async def iterate(items: list[str]) -> AsyncIterator[str]:
    """The pieces of a text known up front, as the pipeline takes them."""
    for item in items:
        yield item


def chunk_pcm(pcm: bytes, samples_per_chunk: int) -> list[bytes]:
    step = samples_per_chunk * 2
    return [pcm[i : i + step] for i in range(0, len(pcm), step)]

"""One request's way from text pieces to audio, on the model that every request shares.

:meth:`Pipeline.run` takes a request's pieces (texts, which may arrive over time) and yields their audio in
order; one producer task synthesizes up to ``lookahead`` pieces ahead of what the consumer (the server) has
taken. A piece is made step by step (:class:`.synthesizer.PieceStream`), each step one job for the scheduler, so
another request's first words can go between two windows of a long reply:

- where the model's graph is split and ``windowed`` is on, a part's G2P and front part are one job and each
  window of its decoder another. When a piece starts and the listener has nothing ahead, the planner's start rule
  picks the first window (and, on a machine slower than real time, holds the first audio back) from the rate
  model and the pieces already known, so that the rest plays through; later windows are as large as can be
  decoded before the audio ahead runs out;
- otherwise a step is a whole part of the piece, the one-window case.

The planner may cut a piece at its clauses first (``fit``), and the audio cache may answer a piece said before.
A part that comes after the listener has played everything before it (though its text was there) is a gap: the
request's stats count them.

The pause between two pieces is put at the front of the second one, not at the end of the first: only then is
it known that more speech follows (a streamed reply may end with a sentence that was handed out before its
stop), and a pause the listener already sat through while the piece was late is not played again.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import numpy as np

from .audio_cache import AudioCache
from .config import START_DEADLINE
from .costs import CostModel, StepTiming
from .engine.audio import SAMPLE_RATE, silence, to_pcm16
from .engine.tokens import tokenize
from .engine.voices import Voice
from .g2p import G2PStats
from .languages import Language
from .planner import Listener, Planner, Shape
from .scheduler import Scheduler
from .synthesizer import PieceStream, Speech, Synthesizer


#: Characters of a sentence of a streamed reply that has not arrived yet, when the planner counts it.
EXPECTED_SENTENCE = 60


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
    gaps: int = 0  # parts handed out after the listener had played everything before them, their text known
    gap_seconds: float = 0.0  # how long the listener waited in those gaps, in all
    held_seconds: float = 0.0  # how long the start rule held audio back (a machine slower than real time)

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


class Texts:
    """The texts of a request known up front (a one-shot request): an async iterator that also shows the ones
    still to come, so the planner can count them."""

    def __init__(self, items: list[str]) -> None:
        self._items = deque(items)

    def __aiter__(self) -> "Texts":
        return self

    async def __anext__(self) -> str:
        if not self._items:
            raise StopAsyncIteration
        return self._items.popleft()

    def pending(self) -> list[str]:
        return list(self._items)


class _Texts:
    """A request's texts for its producer, with those that wait their turn in sight of the planner: all the
    rest of a :class:`Texts`; of texts that arrive over time (an LLM's sentences), the next one once it is there,
    read ahead by a task of its own (no further: texts are taken only as the work needs them)."""

    def __init__(self, source: AsyncIterator[str]) -> None:
        self._source = source
        self._known: deque[tuple[str, float]] = deque()  # (text, when it arrived)
        self._changed = asyncio.Event()
        self._wanted = asyncio.Event()
        self._ended = False
        self._error: BaseException | None = None
        self._reader = None if isinstance(source, Texts) else asyncio.create_task(self._read(source))

    async def _read(self, source: AsyncIterator[str]) -> None:
        try:
            while True:
                while len(self._known) >= 1:  # one read ahead
                    self._wanted.clear()
                    await self._wanted.wait()
                try:
                    text = await anext(source)
                except StopAsyncIteration:
                    break
                self._known.append((text, time.perf_counter()))
                self._changed.set()
        except asyncio.CancelledError:
            raise
        except BaseException as err:  # the producer raises it where the texts run out
            self._error = err
        finally:
            self._ended = True
            self._changed.set()

    async def next(self) -> tuple[str, float] | None:
        """The next text and when it arrived; None when there are no more."""
        if isinstance(self._source, Texts):
            text = await anext(self._source, None)
            return None if text is None else (text, time.perf_counter())
        while not self._known:
            if self._ended:
                if self._error is not None:
                    raise self._error
                return None
            self._changed.clear()
            await self._changed.wait()
        item = self._known.popleft()
        self._wanted.set()
        return item

    def upcoming(self) -> list[str]:
        """The texts that have arrived and wait their turn."""
        if isinstance(self._source, Texts):
            return self._source.pending()
        return [text for text, _ in self._known]

    @property
    def open(self) -> bool:
        """More text may still come that is not here yet (a stream whose end has not been said)."""
        return not isinstance(self._source, Texts) and not self._ended

    async def close(self) -> None:
        if self._reader is not None and not self._reader.done():
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):
                pass


class _Playback:
    """The listener's side of a request: when it will have played all the audio handed out (``end``, None before
    the first), and audio held back until ``start_at`` by the start rule."""

    def __init__(self) -> None:
        self.end: float | None = None
        self.start_at: float | None = None
        self.held: list[PieceAudio] = []
        self.held_since = 0.0  # when the first of ``held`` was ready

    def buffered(self) -> float | None:
        """Seconds of audio ahead of the listener (negative: it ran out that long ago); None when nothing plays
        or is planned to."""
        now = time.perf_counter()
        start_at = self.start_at  # (read once: a worker thread asks while the event loop may release the hold)
        if start_at is not None:  # held back: the listener hears nothing until then (what played is over)
            return start_at + sum(piece.seconds for piece in list(self.held)) - now
        if self.end is not None:
            return self.end - now
        return None

    def deadline(self) -> float:
        """When the audio of the next job will be needed: now, when nothing plays yet."""
        buffered = self.buffered()
        return time.perf_counter() + max(0.0, buffered or 0.0)

    def add(self, seconds: float) -> None:
        now = time.perf_counter()
        self.end = max(self.end or now, now) + seconds


@dataclass
class Pipeline:
    """Text pieces in, audio out, for every request of the server: the synthesizer, the scheduler and the rate
    model are shared."""

    synthesizer: Synthesizer
    scheduler: Scheduler
    lookahead: int = 2  # pieces a request may synthesize ahead of what it has sent
    cache: AudioCache | None = None
    #: Decode pieces window by window (the model's graph must be split): a piece's first words are sent as
    #: soon as their window is decoded, and later windows grow as the audio ahead of the listener grows.
    windowed: bool = False
    costs: CostModel = field(default_factory=CostModel)
    #: Seconds after a request beyond which the start rule does not hold its first audio back.
    start_deadline: float = START_DEADLINE
    #: Later windows take the plan's full context where the machine can afford it (else always the lean one).
    full_context: bool = False

    def __post_init__(self) -> None:
        model = self.synthesizer.model
        if self.windowed and model.split is None:
            raise ValueError("windowed decoding needs a model whose graph is split")
        self.planner = Planner(
            self.costs, self.synthesizer.plan, self.synthesizer.pauses, hop=model.hop if self.windowed else None,
            start_deadline=self.start_deadline, full_context=self.full_context, workers=self.scheduler.parallel,
        )
        #: The requests being served: the start rule of a new one counts the work promised to them.
        self.serving: set[_Request] = set()

    def synthesizing(self) -> int:
        """Requests synthesizing a piece now (not waiting for their text, nor answered from the audio cache)."""
        return sum(1 for request in self.serving if request.synthesizing)

    # -- a request ------------------------------------------------------------------------------------------

    async def run(
        self,
        pieces: AsyncIterator[str],
        voice: Voice,
        language: Language,
        speed: float,
        stats: RequestStats,
        fit: bool = False,
        text_rate: Callable[[], float | None] | None = None,
    ) -> AsyncIterator[PieceAudio]:
        """The audio of ``pieces`` (texts, which may arrive over time), in order, synthesized up to ``lookahead``
        pieces ahead of the consumer. With ``fit``, a piece is cut at its clauses where the planner says that
        brings its first audio sooner and the listener would otherwise wait. ``text_rate``: characters a second
        at which a streamed text is arriving (the planner counts when the next sentence will be there)."""
        ready: asyncio.Queue[PieceAudio | BaseException | None] = asyncio.Queue(self.lookahead)
        request = _Request(self, voice, language, speed, stats, ready, text_rate)
        producer = asyncio.create_task(request.produce(pieces, fit))
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

    # -- the work of a worker thread ------------------------------------------------------------------------

    def prepare(self, stream: PieceStream) -> None:
        """Blocking: the G2P and front part of ``stream``'s next part; their costs go to the rate model."""
        stream.prepare()
        self.costs.note_step(stream.last_step)

    def step(self, stream: PieceStream, buffered: Callable[[], float | None], frames: int | None = None,
             overloaded: bool = False) -> np.ndarray:
        """Blocking: the next step of ``stream`` and its PCM; the costs it measured go to the rate model.

        With windows, a window of ``frames``, or, when None, of the size the planner gives for the audio ahead of
        the listener when the worker takes the job (``buffered()``: it is known best then). Without, a step is a
        whole part. ``overloaded``: the machine cannot feed every listener, and this one's reply plays (windows
        are then the rest of the part: :meth:`Planner.window`)."""
        decoder = stream.decoding
        lean = False
        if self.windowed and frames is None and decoder is not None:
            frames, lean = self.planner.window(
                buffered() or 0.0, decoder.remaining, bool(decoder.windows), stream.last_window,
                busy=self.scheduler.queue_depth > 0, overloaded=overloaded)
        pcm = stream.step(frames, lean)
        self.costs.note_step(stream.last_step)
        return pcm

    def warm_up(self, voice: Voice) -> None:
        """Blocking: a piece through the whole path (G2P, tokens, model), so the first request pays no first-run
        cost; then, with windows, the rate model's calibration on this machine: the G2P of a sentence, front parts
        of four sizes and decoder windows of five, so that the first request is planned with this machine's
        costs. (The first piece's own times, first runs, are not counted.)"""
        speech = self.synthesizer.synthesize("Ready.", voice)
        self.costs.note_piece(speech.inference_seconds, speech.seconds, len("Ready."))
        if not self.windowed:
            return
        stream = self.synthesizer.stream("Ready when you are, the lights are on and the door is locked.", voice)
        self.prepare(stream)
        decoder = stream.decoding
        assert decoder is not None
        model, frames = self.synthesizer.model, decoder.frames
        ids = tokenize(stream.speech.phonemes).ids if stream.speech is not None else []
        for count in (8, 16, 32, len(ids)):
            count = min(count, len(ids))
            started = time.perf_counter()
            model.front(ids[:count], voice.style_for(count), 1.0)
            self.costs.note_step(StepTiming(tokens=count, front_seconds=time.perf_counter() - started))
        for size in (4, 8, 16, 32, 64):
            size = min(size, frames.count)
            started = time.perf_counter()
            model.decode(frames, 0, size)
            self.costs.note_step(StepTiming(frames=size, decode_seconds=time.perf_counter() - started))
        self.costs.calibrated()

    # -- planning ---------------------------------------------------------------------------------------------

    def shapes(self, stream: PieceStream, upcoming: list[str], text: str, speed: float, more: bool = False,
               text_rate: float | None = None) -> list[Shape]:
        """What is left of a reply, for the planner: the part of ``stream`` whose front part has run, the piece's
        other parts (the whole piece, known by its ``text``, before its front part has run), and the ``upcoming``
        texts already known (``text`` also gives the pause after the piece).
        ``more``: the reply's text is still arriving; when none waits, a sentence of ``EXPECTED_SENTENCE``
        characters is counted, there when it will have arrived at ``text_rate`` characters a second (now, when the
        rate is not known yet), so that a short first sentence does not start a stream that its next sentence
        cannot follow."""
        decoder = stream.decoding
        if decoder is None:
            shapes = [self.planner.shape_of(text, speed, 0.0)]
        else:
            tokens = max(1, len(decoder.frames.durations) - 2)
            frames_per_token = (decoder.end - decoder.start) / tokens
            shapes = [Shape(decoder.remaining, started=bool(decoder.windows))]
            for part_tokens, pause in stream.upcoming_parts():
                shapes.append(Shape(max(1, round(part_tokens * frames_per_token)), tokens=part_tokens, pause=pause))
        previous = text
        for following in upcoming:
            shapes.append(self.planner.shape_of(following, speed, self.synthesizer.pauses.after(previous, speed)))
            previous = following
        if more and not upcoming:
            expected = self.planner.shape_of("x" * EXPECTED_SENTENCE, speed, self.synthesizer.pauses.after(text, speed))
            expected.available = EXPECTED_SENTENCE / text_rate if text_rate else 0.0
            shapes.append(expected)
        return shapes

    # -- pauses and the audio cache -------------------------------------------------------------------------

    def pause_pcm(self, previous: str | None, speed: float, playback: _Playback) -> bytes:
        """The pause in front of a piece, as PCM: none before the first; less when the listener has already been
        waiting in silence since the audio before it ended (that was, in part, the pause)."""
        if previous is None:
            return b""
        seconds = self.synthesizer.pauses.after(previous, speed)
        if playback.end is not None:  # (while the start is held back, nothing plays yet: the pause is whole)
            waited = time.perf_counter() - playback.end
            if waited > 0:
                seconds = max(0.0, seconds - waited)
        return to_pcm16(silence(seconds)).astype("<i2").tobytes()

    def cache_key(self, text: str, voice: Voice, language: Language, speed: float) -> str | None:
        if self.cache is None:
            return None
        # The G2P's fingerprint (backend, user lexicon) is part of the key: a changed lexicon must not keep
        # playing the old pronunciation from a cache directory that outlives the process.
        g2p = self.synthesizer.g2p.fingerprint(language.code)
        return self.cache.key(text, voice, speed, f"{language.code}|{g2p}")

    async def cache_put(self, key: str, pcm: bytes) -> None:
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


class _Request:
    """The producer of one request: its pieces in order, each step a scheduler job, its audio handed out (or held
    back by the start rule) onto ``ready``."""

    def __init__(self, pipeline: Pipeline, voice: Voice, language: Language, speed: float, stats: RequestStats,
                 ready: asyncio.Queue, text_rate: Callable[[], float | None] | None = None) -> None:
        self.pipeline, self.voice, self.language, self.speed = pipeline, voice, language, speed
        self.stats, self.ready, self.text_rate = stats, ready, text_rate
        self.playback = _Playback()
        self._order = asyncio.Lock()  # audio goes onto ``ready`` in order, held back or not
        self._timer: asyncio.Task | None = None  # hands out the held audio when its time comes
        #: What is left of this reply as the planner sees it, as of its last job (the start rules of others read
        #: it: the work promised to this listener); None before its first.
        self.promised: list[Shape] | None = None
        self.synthesizing = False  # a piece of it is being synthesized (not from the audio cache)

    async def produce(self, pieces: AsyncIterator[str], fit: bool) -> None:
        texts = _Texts(pieces)
        self.pipeline.serving.add(self)
        try:
            previous: str | None = None  # the text of the piece before
            async for text, arrived in self._cut(texts, fit):
                await self._piece(text, arrived, previous, texts)
                previous = text
            if self._timer is not None:
                await self._timer
            await self.ready.put(None)
        except asyncio.CancelledError:
            raise
        except BaseException as err:  # handed to the consumer, which turns it into an error event
            await self.ready.put(err)
        finally:
            self.pipeline.serving.discard(self)
            if self._timer is not None:
                self._timer.cancel()
            await texts.close()

    async def _cut(self, texts: _Texts, fit: bool) -> AsyncIterator[tuple[str, float]]:
        """The pieces to synthesize: the texts, each cut at its clauses where the planner says so (``fit``)."""
        pipeline, playback = self.pipeline, self.playback
        while (item := await texts.next()) is not None:
            text, arrived = item
            while True:
                rest = ""
                # Cutting helps only when this request has the model to itself: when others wait too, smaller
                # pieces cost more inferences for the same audio (measured: worse at 16 clients).
                if fit and pipeline.scheduler.queue_depth == 0:
                    if playback.end is None:
                        text, rest = pipeline.planner.first_cut(text, self.language, self.speed)
                    else:
                        budget = playback.end - time.perf_counter()
                        text, rest = pipeline.planner.fit(text, self.language, self.speed, budget)
                yield text, arrived
                if not rest:
                    break
                text = rest

    async def _piece(self, text: str, arrived: float, previous: str | None, texts: _Texts) -> None:
        pipeline, playback, speed = self.pipeline, self.playback, self.speed
        key = pipeline.cache_key(text, self.voice, self.language, speed)
        cached = None if key is None else await pipeline.cached_piece(key, text, self.voice, self.language)
        if cached is not None:
            cached.pcm = pipeline.pause_pcm(previous, speed, playback) + cached.pcm
            await self._hand_out(cached, arrived)
            return
        stream = pipeline.synthesizer.stream(text, self.voice, speed=speed, language=self.language)
        self.synthesizing = True
        try:
            await self._synthesize(stream, text, arrived, previous, texts, key)
        finally:
            self.synthesizing = False

    def _crowded(self) -> bool:
        """This reply's audio plays (not held back) and the machine cannot feed every listener in real time."""
        pipeline = self.pipeline
        return self.playback.end is not None and pipeline.planner.overloaded(pipeline.synthesizing())

    async def _synthesize(self, stream: PieceStream, text: str, arrived: float, previous: str | None,
                          texts: _Texts, key: str | None) -> None:
        pipeline, playback, speed = self.pipeline, self.playback, self.speed
        parts: list[bytes] = []
        while not stream.done:
            frames, promised = None, False
            if pipeline.windowed and stream.decoding is None:  # a new part: its G2P and front part first
                self._promise_if_shared(stream, text, texts)
                await self._job(lambda: pipeline.prepare(stream))
                buffered = playback.buffered()
                # (where the machine cannot feed every listener, one who has heard the reply start waits for
                # the part whole rather than restart with a small window: see Planner.window)
                if stream.decoding is not None and not self._crowded() and \
                        pipeline.planner.runs_out(buffered, stream.decoding.remaining):
                    # A (re)start: the listener has nothing ahead, or too little for this part's first window (a
                    # streamed text that came late): the start rule, and the audio ahead plays out meanwhile.
                    shapes, promised = self._promise(stream, text, texts), True
                    # The start deadline counts from the request for its first audio, from now for a restart.
                    waited = time.perf_counter() - self.stats.started if playback.end is None else 0.0
                    others = [Listener(r.promised, r.playback.buffered()) for r in pipeline.serving
                              if r is not self and r.promised]
                    frames, hold = pipeline.planner.start(shapes, waited, others)
                    hold = max(hold, buffered or 0.0)
                    if hold > 0:
                        self._hold(hold)
            if pipeline.windowed and not promised:
                self._promise_if_shared(stream, text, texts)
            crowded = self._crowded()
            pcm = await self._job(lambda frames=frames: pipeline.step(stream, playback.buffered, frames, crowded))
            data = pcm.astype("<i2").tobytes()
            if not data and not stream.done:
                continue  # silence not sent yet: nothing to hand out
            assert stream.speech is not None
            pause = b"" if parts else pipeline.pause_pcm(previous, speed, playback)
            parts.append(data)
            await self._hand_out(
                PieceAudio(text, pause + data, stream.speech, first=len(parts) == 1, last=stream.done), arrived
            )
        assert stream.speech is not None
        pipeline.costs.note_piece(stream.speech.inference_seconds, stream.speech.seconds, len(text), speed)
        if key is not None and any(parts):
            await pipeline.cache_put(key, b"".join(parts))

    def _promise(self, stream: PieceStream, text: str, texts: _Texts) -> list[Shape]:
        """What is left of this reply, from its piece ``text`` (being synthesized by ``stream``) on: kept as
        :attr:`promised` and returned. (Read between jobs: no worker is changing the stream.)"""
        rate = self.text_rate() if self.text_rate is not None else None
        self.promised = self.pipeline.shapes(stream, texts.upcoming(), text, self.speed, more=texts.open,
                                             text_rate=rate)
        return self.promised

    def _promise_if_shared(self, stream: PieceStream, text: str, texts: _Texts) -> None:
        """:meth:`_promise`, where another request is being served (only a start rule reads it); alone, the
        request keeps what it promised at its start (it is refreshed from its next job on, once others come)."""
        if len(self.pipeline.serving) > 1:
            self._promise(stream, text, texts)

    async def _job(self, fn: Callable):
        """Run ``fn`` as a scheduler job: first in line while the listener has heard nothing of this request and
        nothing is planned to play; once the start rule has held its start back, by the time its audio is due,
        like the jobs of the listeners already playing (it must not take their turn for audio that waits)."""
        playback = self.playback
        first = playback.end is None and playback.start_at is None
        return await self.pipeline.scheduler.run(playback.deadline(), fn, first=first)

    def _hold(self, seconds: float) -> None:
        """Hold the audio back for ``seconds`` from now (the start rule, where the machine is slower than real
        time): what is made meanwhile is handed out together when the time comes."""
        playback = self.playback
        start_at = playback.start_at = time.perf_counter() + seconds

        async def release() -> None:
            await asyncio.sleep(seconds)
            async with self._order:
                if playback.start_at == start_at:  # (not a later hold's)
                    await self._release()

        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.create_task(release())

    async def _hand_out(self, piece: PieceAudio, arrived: float) -> None:
        playback = self.playback
        async with self._order:
            if playback.start_at is not None and time.perf_counter() < playback.start_at:
                if not playback.held:
                    playback.held_since = time.perf_counter()
                playback.held.append(piece)
                return
            await self._release()
            now = time.perf_counter()
            if playback.end is not None and now > max(playback.end, arrived):  # the listener ran out, text here
                self.stats.gaps += 1
                self.stats.gap_seconds += now - max(playback.end, arrived)
            await self._send(piece)

    async def _release(self) -> None:
        """Hand out what the start rule held back (under ``_order``)."""
        playback = self.playback
        held, playback.held, playback.start_at = playback.held, [], None
        if held:
            self.stats.held_seconds += time.perf_counter() - playback.held_since
        for piece in held:
            await self._send(piece)

    async def _send(self, piece: PieceAudio) -> None:
        self.playback.add(piece.seconds)
        self.stats.add(piece)
        await self.ready.put(piece)


def iterate(items: list[str]) -> Texts:
    """The pieces of a text known up front, as the pipeline takes them."""
    return Texts(items)


def chunk_pcm(pcm: bytes, samples_per_chunk: int) -> list[bytes]:
    step = samples_per_chunk * 2
    return [pcm[i : i + step] for i in range(0, len(pcm), step)]

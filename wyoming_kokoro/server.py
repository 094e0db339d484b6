"""The Wyoming side: events in, events out. Text and model work is the pipeline's.

One :class:`KokoroHandler` per connection. ``describe`` is answered at once from an ``info`` built at start-up.
A ``synthesize`` or a ``synthesize-start`` starts a request task, so the handler goes on reading events while
the request runs: a client that goes away is noticed at once and its remaining work is cancelled. The requests
of one connection run one after the other, in the order they came.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Attribution, Describe, Info, TtsProgram, TtsVoice
from wyoming.server import AsyncEventHandler
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeStopped,
    SynthesizeVoice,
)

from . import __version__
from .engine.audio import CHANNELS, SAMPLE_RATE, SAMPLE_WIDTH
from .config import Settings
from .engine.voices import DEFAULT_LANGUAGE_VOICES, Voice, VoiceCatalog, VoiceError
from .g2p import language_installed
from .languages import Language, find_language
from .logs import get_logger
from .metrics import Metrics
from .pipeline import Pipeline, QueueFull, RequestStats, chunk_pcm, iterate
from .text.normalize import normalize, normalize_sentence
from .text.segment import SentenceStream, pieces, speakable
from .tts import check_speed

_LOGGER = logging.getLogger(__name__)

def _spoken_pieces(text: str, language: str) -> list[str]:
    """What a one-shot request speaks: its text normalized (markdown, emoji, numbers, units...), then cut."""
    return pieces(normalize(text, language), language)


#: Texts longer than this are normalized and split into sentences in a thread, not on the event loop (both take
#: about 3 ms per 1,000 characters).
_SPLIT_IN_THREAD = 1000

KOKORO_ATTRIBUTION = Attribution(name="hexgrad (Kokoro-82M)", url="https://huggingface.co/hexgrad/Kokoro-82M")
PROGRAM_ATTRIBUTION = Attribution(name="wyoming-kokoro", url="https://pypi.org/project/wyoming-kokoro/")

# Error codes sent in `error` events.
UNKNOWN_VOICE = "unknown-voice"
UNKNOWN_LANGUAGE = "unknown-language"
LANGUAGE_UNAVAILABLE = "language-unavailable"
TEXT_TOO_LONG = "text-too-long"
BAD_REQUEST = "bad-request"
SERVER_BUSY = "server-busy"
SYNTHESIS_FAILED = "synthesis-failed"


class RequestError(Exception):
    """A request that cannot be served; sent to the client as an ``error`` event with ``code``."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


class KokoroServer:
    """What every connection shares: the pipeline, the voices, the ``info``, the requests in flight."""

    def __init__(self, pipeline: Pipeline, settings: Settings, metrics: Metrics | None = None) -> None:
        self.pipeline = pipeline
        self.metrics = metrics
        self.requests: set[asyncio.Task] = set()
        self._ids = itertools.count(1)
        self.settings = settings
        self.apply(settings)

    def apply(self, settings: Settings, catalog: VoiceCatalog | None = None) -> None:
        """Take ``settings`` (and a new voice catalog): all of it or, on any error, none of it."""
        synthesizer = self.pipeline.synthesizer
        old = (synthesizer.voices, getattr(self, "voices", None))
        if catalog is not None:
            synthesizer.voices = catalog
        try:
            voices = {v.name: v for v in synthesizer.offered_voices()}
            if not voices:
                raise ValueError("no voice can be spoken: every voice's language lacks its extra")
            self.voices = voices
            default_voice = self.resolve_voice(settings.voice)
            language_voices = self._language_voices(settings.language_voices, default_voice)
            check_speed(settings.speed)
        except BaseException:
            synthesizer.voices = old[0]
            if old[1] is not None:
                self.voices = old[1]
            raise
        self.default_voice, self.language_voices, self.settings = default_voice, language_voices, settings
        self.info_event = self.build_info().event()

    def allows(self, host: str | None) -> bool:
        """Whether a client at ``host`` may connect (``allow`` empty: anyone; a unix socket or stdio: always)."""
        if not self.settings.allow or not host:
            return True
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return True  # not an IP peer (unix socket)
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        return any(address in network for network in self.settings.allow)

    # -- voices ---------------------------------------------------------------------------------------------

    def resolve_voice(self, spec: str) -> Voice:
        """A voice by name or blend spec; raises RequestError (unknown voice, language not installed)."""
        voice = self.voices.get(spec)
        if voice is not None:
            return voice
        try:
            voice = self.pipeline.synthesizer.voices.resolve(spec)
        except VoiceError as err:
            raise RequestError(UNKNOWN_VOICE, str(err)) from None
        if not language_installed(voice.language.code):
            raise RequestError(
                LANGUAGE_UNAVAILABLE,
                f"voice {spec!r} speaks {voice.language.name}, which needs the [{voice.language.extra}] extra",
            )
        return voice

    def _language_voices(self, overrides: dict[str, str], default_voice: Voice) -> dict[str, Voice]:
        chosen: dict[str, Voice] = {}
        for code, name in overrides.items():
            language = find_language(code)
            voice = self.resolve_voice(name)
            if voice.language != language:
                _LOGGER.warning("Voice %s speaks %s, set as the voice for %s", name, voice.language.code, language.code)
            chosen[language.code] = voice
        for voice in self.voices.values():
            code = voice.language.code
            default = DEFAULT_LANGUAGE_VOICES.get(code)
            if code not in chosen or (voice.name == default and code not in overrides):
                chosen[code] = voice
        if default_voice.language.code not in overrides:
            chosen[default_voice.language.code] = default_voice
        return chosen

    def choose_voice(self, requested: SynthesizeVoice | None) -> tuple[Voice, Language]:
        """The voice of a request: by name (or blend), else by language, else the server's default."""
        if requested is not None and requested.name:
            voice = self.resolve_voice(requested.name)
            return voice, voice.language
        if requested is not None and requested.language:
            try:
                language = find_language(requested.language)
            except ValueError as err:
                raise RequestError(UNKNOWN_LANGUAGE, str(err)) from None
            voice = self.language_voices.get(language.code)
            if voice is None:
                raise RequestError(
                    LANGUAGE_UNAVAILABLE,
                    f"no voice for {language.name} ({requested.language!r}) is installed"
                    + (f"; install the [{language.extra}] extra" if language.extra else ""),
                )
            return voice, language
        return self.default_voice, self.default_voice.language

    def build_info(self) -> Info:
        voices = [
            TtsVoice(
                name=voice.name,
                description=voice.description,
                attribution=KOKORO_ATTRIBUTION,
                installed=True,
                version="1.0",
                languages=[voice.language.ha_code],
            )
            for voice in self.voices.values()
        ]
        program = TtsProgram(
            name="kokoro",
            description="Kokoro-82M neural text to speech",
            attribution=PROGRAM_ATTRIBUTION,
            installed=True,
            version=__version__,
            voices=voices,
            supports_synthesize_streaming=True,
        )
        return Info(tts=[program])

    def next_id(self) -> str:
        return f"r{next(self._ids)}"

    def check_length(self, length: int) -> None:
        if length > self.settings.max_text_length:
            raise RequestError(
                TEXT_TOO_LONG, f"text of {length} characters is over the limit of {self.settings.max_text_length}"
            )


@dataclass
class _Stream:
    """A streamed request (synthesize-start … synthesize-stop) while its text still arrives."""

    deltas: asyncio.Queue = field(default_factory=asyncio.Queue)
    characters: int = 0
    closed: bool = False


class ClientGone(Exception):
    """The client closed the connection."""


class KokoroHandler(AsyncEventHandler):
    def __init__(self, server: KokoroServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        super().__init__(reader, writer)
        self.server = server
        peer = writer.get_extra_info("peername")
        self.client = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) and len(peer) >= 2 else str(peer or "local")
        self._stream: _Stream | None = None
        self._turn = asyncio.Lock()  # one request of this connection at a time
        self._tasks: set[asyncio.Task] = set()

    async def run(self) -> None:
        host = self.client.rsplit(":", 1)[0] if ":" in self.client else None
        if not self.server.allows(host):
            _LOGGER.warning("Refused a connection from %s: not in allow", self.client)
            self.writer.close()
            return
        try:
            await super().run()
        except ConnectionError as err:  # a reset while reading: the client is gone, which is normal
            # (disconnect() has run and said at INFO which requests it stopped)
            _LOGGER.debug("Client %s disconnected (%s)", self.client, type(err).__name__)

    async def handle_event(self, event: Event) -> bool:
        if Describe.is_type(event.type):
            await self.write_event(self.server.info_event)
        elif Synthesize.is_type(event.type):
            if self._stream is not None:
                _LOGGER.debug("Ignoring the compatibility synthesize inside a stream from %s", self.client)
            else:
                self._start(self._one_shot, event)
        elif SynthesizeStart.is_type(event.type):
            if self._stream is not None:  # a new stream without a stop: the old one ends here
                self._close_stream()
            self._stream = _Stream()
            self._start(self._streamed, event, self._stream)
        elif SynthesizeChunk.is_type(event.type):
            self._feed(event)
        elif SynthesizeStop.is_type(event.type):
            self._close_stream()
        else:
            _LOGGER.debug("Ignoring event %s from %s", event.type, self.client)
        return True  # never drop the connection over an event

    async def disconnect(self) -> None:
        running = [task for task in self._tasks if not task.done()]
        if running:
            _LOGGER.info("Client %s disconnected; stopping its %d request(s)", self.client, len(running))
        for task in running:
            task.cancel()

    # -- events → requests ----------------------------------------------------------------------------------

    def _start(self, request: Callable[..., Awaitable[None]], *args) -> None:
        task = asyncio.create_task(self._run(request, *args))
        self._tasks.add(task)
        self.server.requests.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(self.server.requests.discard)

    def _feed(self, event: Event) -> None:
        stream = self._stream
        if stream is None or stream.closed:
            _LOGGER.debug("Ignoring synthesize-chunk outside a stream from %s", self.client)
            return
        text = event.data.get("text")
        if not isinstance(text, str):
            stream.closed = True
            stream.deltas.put_nowait(RequestError(BAD_REQUEST, "synthesize-chunk without a text"))
            return
        stream.characters += len(text)
        try:
            self.server.check_length(stream.characters)
        except RequestError as err:  # the request ends here; its remaining chunks go nowhere
            stream.closed = True
            stream.deltas.put_nowait(err)
            return
        stream.deltas.put_nowait(text)

    def _close_stream(self) -> None:
        if self._stream is not None:
            if not self._stream.closed:
                self._stream.closed = True
                self._stream.deltas.put_nowait(None)
            self._stream = None

    async def _send(self, event: Event) -> None:
        if self.writer.is_closing():
            raise ClientGone()
        try:
            await self.write_event(event)
        except (ConnectionError, BrokenPipeError) as err:
            raise ClientGone() from err

    async def _run(self, request: Callable[..., Awaitable[None]], *args) -> None:
        async with self._turn:
            await request(*args)

    # -- the two kinds of request ---------------------------------------------------------------------------

    def _open(self, kind, event: Event, state: "_Outcome"):
        """The request's event parsed, and its voice and language; RequestError for a malformed one."""
        if event.data.get("voice", 0) is None:  # "voice": null means no voice asked for
            event = Event(event.type, {k: v for k, v in event.data.items() if k != "voice"}, event.payload)
        if not isinstance(event.data.get("voice", {}), dict):
            raise RequestError(BAD_REQUEST, f"{event.type} voice must be an object like {{\"name\": \"af_heart\"}}")
        try:
            request = kind.from_event(event)
        except (KeyError, TypeError, AttributeError) as err:
            raise RequestError(BAD_REQUEST, f"{event.type} without a valid {err}") from None
        voice, language = self.server.choose_voice(request.voice)
        state.voice, state.language = voice.name, language.code
        return request, voice, language

    async def _one_shot(self, event: Event) -> None:
        rid, stats = self.server.next_id(), RequestStats()
        state = _Outcome(rid, self.client, stats, self.server.metrics)
        audio_open = False
        try:
            synthesize, voice, language = self._open(Synthesize, event, state)
            if not isinstance(synthesize.text, str):
                raise RequestError(BAD_REQUEST, "synthesize text must be a string")
            self.server.check_length(len(synthesize.text))
            if len(synthesize.text) > _SPLIT_IN_THREAD:
                texts = await asyncio.to_thread(_spoken_pieces, synthesize.text, language.code)
            else:
                texts = _spoken_pieces(synthesize.text, language.code)
            await self._send(AudioStart(rate=SAMPLE_RATE, width=SAMPLE_WIDTH, channels=CHANNELS).event())
            audio_open = True
            async for piece in self._audio(iterate(texts), voice, language, stats):
                await self._send_audio(piece.pcm, stats)
            await self._send(AudioStop().event())
            audio_open = False
            state.outcome = "ok"
        except BaseException as err:
            await self._fail(err, state, close_audio=audio_open)
        finally:
            state.log()

    async def _streamed(self, event: Event, stream: _Stream) -> None:
        rid, stats = self.server.next_id(), RequestStats()
        state = _Outcome(rid, self.client, stats, self.server.metrics, streamed=True)
        audio_open = False
        try:
            _, voice, language = self._open(SynthesizeStart, event, state)
            async for piece in self._audio(self._sentences(stream, language), voice, language, stats):
                if piece.first:  # a sentence's audio: its parts (decoder windows) between one start and stop
                    await self._send(AudioStart(rate=SAMPLE_RATE, width=SAMPLE_WIDTH, channels=CHANNELS).event())
                    audio_open = True
                await self._send_audio(piece.pcm, stats)
                if piece.last:
                    await self._send(AudioStop().event())
                    audio_open = False
            await self._send(SynthesizeStopped().event())
            state.outcome = "ok"
        except BaseException as err:
            await self._fail(err, state, close_audio=audio_open, stopped=True)
        finally:
            if self._stream is stream:  # it failed before its stop: the rest of its chunks go nowhere
                stream.closed = True
            state.log()

    async def _sentences(self, stream: _Stream, language: Language) -> AsyncIterator[str]:
        splitter = SentenceStream(language.code)
        while True:
            delta = await stream.deltas.get()
            if delta is None:
                break
            if isinstance(delta, RequestError):
                raise delta
            for sentence in splitter.feed(delta):
                spoken = normalize_sentence(sentence, language.code)
                if speakable(spoken):
                    yield spoken
        for sentence in splitter.flush():
            spoken = normalize_sentence(sentence, language.code)
            if speakable(spoken):
                yield spoken

    def _audio(self, texts: AsyncIterator[str], voice: Voice, language: Language, stats: RequestStats):
        return self.server.pipeline.run(texts, voice, language, self.server.settings.speed, stats, fit=True)

    async def _send_audio(self, pcm: bytes, stats: RequestStats) -> None:
        if not pcm:
            return
        if stats.first_audio_seconds is None:
            stats.first_audio_seconds = time.perf_counter() - stats.started
        for chunk in chunk_pcm(pcm, self.server.settings.samples_per_chunk):
            await self._send(AudioChunk(rate=SAMPLE_RATE, width=SAMPLE_WIDTH, channels=CHANNELS, audio=chunk).event())

    async def _fail(self, err: BaseException, state: "_Outcome", close_audio: bool, stopped: bool = False) -> None:
        """Turn what stopped a request into its outcome, and into an error event when the client is there."""
        if isinstance(err, asyncio.CancelledError):
            state.outcome = "cancelled"
            raise err
        if isinstance(err, ClientGone):
            state.outcome = "client gone"
            return
        if isinstance(err, RequestError):
            code, text = err.code, err.text
        elif isinstance(err, QueueFull):
            code, text = SERVER_BUSY, f"server busy: {err}"
        elif isinstance(err, VoiceError):
            code, text = UNKNOWN_VOICE, str(err)
        elif isinstance(err, Exception):
            _LOGGER.exception("Request %s from %s failed", state.rid, self.client)
            code, text = SYNTHESIS_FAILED, f"synthesis failed: {type(err).__name__}: {err}"
        else:
            raise err
        state.outcome, state.code = "error", code
        try:
            await self._send(Error(text=text, code=code).event())
            if close_audio:
                await self._send(AudioStop().event())
            if stopped:
                await self._send(SynthesizeStopped().event())
        except ClientGone:
            pass  # the error was for a client that has gone


_REQUEST_LOG = get_logger("wyoming_kokoro.request")


@dataclass
class _Outcome:
    """How a request ended: one log line with its numbers, and the metrics."""

    rid: str
    client: str
    stats: RequestStats
    metrics: Metrics | None
    streamed: bool = False
    voice: str = "-"
    language: str = "-"
    outcome: str = "unfinished"
    code: str | None = None

    def __post_init__(self) -> None:
        if self.metrics is not None:
            self.metrics.in_flight.inc()

    def log(self) -> None:
        stats = self.stats
        total = time.perf_counter() - stats.started
        kind = "streamed" if self.streamed else "one-shot"
        level = logging.WARNING if self.code == SYNTHESIS_FAILED else logging.INFO
        _REQUEST_LOG.log(
            level,
            "request",
            request_id=self.rid,
            client=self.client,
            kind=kind,
            outcome=self.outcome,
            error_code=self.code,
            voice=self.voice,
            language=self.language,
            characters=stats.characters,
            sentences=stats.pieces,
            first_audio_ms=None if stats.first_audio_seconds is None else round(stats.first_audio_seconds * 1000, 1),
            total_ms=round(total * 1000, 1),
            audio_seconds=round(stats.audio_seconds, 3),
            rtf=round(stats.rtf, 4),
            windows=stats.windows,
            words=stats.g2p.words,
            lexicon_words=stats.g2p.lexicon_words,
            user_lexicon_words=stats.g2p.user_lexicon_words,
            fallback_words=stats.g2p.fallback_words,
            text_fallbacks=stats.g2p.text_fallbacks,
            unknown_words=stats.g2p.unknown_words,
            dropped_symbols=stats.g2p.dropped_symbols,
            cache_hits=stats.g2p.cache_hits,
            audio_cache_hits=stats.audio_cache_hits,
        )
        metrics = self.metrics
        if metrics is None:
            return
        metrics.in_flight.dec()
        label = self.outcome.replace(" ", "_") if self.code is None else "error"
        metrics.requests.labels(kind, label).inc()
        if self.code is not None:
            metrics.errors.labels(self.code).inc()
        if stats.first_audio_seconds is not None:
            metrics.first_audio.observe(stats.first_audio_seconds)
        if stats.audio_seconds:
            metrics.rtf.observe(stats.rtf)
            metrics.audio_seconds.inc(stats.audio_seconds)
        metrics.characters.inc(stats.characters)
        g2p = stats.g2p
        metrics.g2p_words.labels("lexicon").inc(g2p.lexicon_words)
        metrics.g2p_words.labels("user").inc(g2p.user_lexicon_words)
        metrics.g2p_words.labels("fallback").inc(g2p.fallback_words)
        metrics.g2p_words.labels("other").inc(
            max(0, g2p.words - g2p.lexicon_words - g2p.user_lexicon_words - g2p.fallback_words)
        )
        metrics.g2p_text_fallbacks.inc(g2p.text_fallbacks)
        metrics.g2p_unknown_words.inc(g2p.unknown_words)
        metrics.dropped_symbols.inc(g2p.dropped_symbols)
        metrics.audio_cache.labels("hit").inc(stats.audio_cache_hits)
        metrics.audio_cache.labels("miss").inc(stats.pieces - stats.audio_cache_hits)
        metrics.phoneme_cache.labels("hit").inc(g2p.cache_hits)
        metrics.phoneme_cache.labels("miss").inc(g2p.cache_misses)

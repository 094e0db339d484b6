"""The Wyoming side: events in, events out. What every connection shares is state.py's; text and model work is
the pipeline's.

One :class:`KokoroHandler` per connection. ``describe`` is answered at once with the offer's ``info``. A
``synthesize`` or a ``synthesize-start`` starts a request task, so the handler goes on reading events while the
request runs: a client that goes away is noticed at once and its remaining work is cancelled. The requests of one
connection run one after the other, in the order they came.

Any device on the LAN may connect, so what a client sends is bounded (guard.py): frames are read within limits
and a bad one closes its connection with one log line and an ``error``; a connection that asks for nothing is
closed after ``idle_timeout``; connections are capped in all and per address; an event's fields are checked
before use. Nothing a client sends puts a traceback in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe
from wyoming.server import AsyncEventHandler
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop, SynthesizeStopped

from .engine.audio import CHANNELS, SAMPLE_RATE, SAMPLE_WIDTH
from .engine.voices import Voice, VoiceError
from .errors import (
    BAD_REQUEST, IDLE_TIMEOUT, SERVER_BUSY, SHUTTING_DOWN, SYNTHESIS_FAILED, TOO_MANY_CONNECTIONS, TOO_MANY_REQUESTS,
    UNKNOWN_VOICE, RequestError,
)
from .guard import BadFrame, IdleTimeout, read_frame
from .languages import Language
from .logs import get_logger
from .metrics import RequestRecord
from .pipeline import RequestStats, chunk_pcm, iterate
from .scheduler import QueueFull
from .state import ServerState
from .text.spoken import SpokenSentences, spoken_pieces

_LOGGER = logging.getLogger(__name__)
_REQUEST_LOG = get_logger("wyoming_kokoro.request")

#: Texts longer than this are normalized and split into sentences in a thread, not on the event loop (both take
#: about 3 ms per 1,000 characters).
_SPLIT_IN_THREAD = 1000
#: Requests one connection may have in flight (one answered, the others waiting their turn); more get
#: too-many-requests. Home Assistant sends one at a time.
REQUESTS_PER_CONNECTION = 4
#: Seconds a last word to a client (an error before its connection closes) may take to be written, and what
#: the client still sends then that is read and dropped, at most.
_LAST_WORD_SECONDS = 1.0
_LINGER_BYTES = 1 << 16
#: The JSON names of the types a field may wrongly have, for errors.
_JSON_TYPES = {dict: "an object", list: "a list", str: "a text", int: "a number", float: "a number", bool: "a boolean"}


@dataclass
class _Stream:
    """A streamed request (synthesize-start … synthesize-stop) while its text still arrives."""

    deltas: asyncio.Queue = field(default_factory=asyncio.Queue)
    characters: int = 0
    closed: bool = False
    first_delta: float | None = None  # when its text began to arrive

    def rate(self) -> float | None:
        """Characters a second its text has arrived at so far (None until a tenth of a second of it)."""
        if self.first_delta is None:
            return None
        elapsed = time.perf_counter() - self.first_delta
        return self.characters / elapsed if elapsed >= 0.1 else None


@dataclass
class _Reply:
    """A request being answered: its record, and whether an audio-start has gone out without its audio-stop."""

    record: RequestRecord
    audio_open: bool = False


class ClientGone(Exception):
    """The client closed the connection."""


class KokoroHandler(AsyncEventHandler):
    def __init__(self, state: ServerState, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        super().__init__(reader, writer)
        self.state = state
        peer = writer.get_extra_info("peername")
        self.client = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) and len(peer) >= 2 else str(peer or "local")
        self.host = peer[0] if isinstance(peer, tuple) and peer else None  # None: a unix socket or stdio
        # standard input and output: the one client is the process that started the server, never idle, and the
        # end of its input is the end of what it asks, not a hang-up: its replies are finished
        self.pipe = writer.get_extra_info("socket") is None
        self.idle_timeout = 0 if self.pipe else self.state.settings.idle_timeout
        self._stream: _Stream | None = None
        self._turn = asyncio.Lock()  # one request of this connection at a time
        self._tasks: set[asyncio.Task] = set()
        self._last_activity = time.monotonic()  # the last event read, or the end of the last request
        self._ended = False  # our end of the stream is closed (after a last word): nothing more may be written

    async def run(self) -> None:
        if not self.state.allows(self.host):
            _LOGGER.warning("Refused a connection from %s: not in allow", self.client)
            self.writer.close()
            return
        caps, metrics = self.state.connections, self.state.metrics
        refused = caps.admit(self.host or "")
        if refused is not None:
            limit = caps.total if refused == "total" else caps.per_client
            where = "in all" if refused == "total" else f"from {self.host}"
            setting = "max_connections" if refused == "total" else "max_connections_per_client"
            await self._close_with(
                refused, TOO_MANY_CONNECTIONS, f"too many connections: {limit} are open {where}",
                f"Refused a connection from {self.client}: {limit} connections are open {where} ({setting})",
            )
            self.writer.close()
            return
        metrics.connections.inc()
        try:
            await self._serve()
        except OSError as err:  # a reset or a timeout of the socket while reading: the client is gone
            # (disconnect() has run and said at INFO which requests it stopped)
            _LOGGER.debug("Client %s disconnected (%s)", self.client, type(err).__name__)
        finally:
            caps.release(self.host or "")
            metrics.connections.dec()

    async def _serve(self) -> None:
        """Read and handle events until the client closes, sends a bad frame or stays idle too long."""
        self._is_running = True
        limits = self.state.frame_limits
        try:
            while self._is_running:
                idle = self._idle_left()
                if idle is not None and idle <= 0:
                    await self._close_with(
                        "idle-timeout", IDLE_TIMEOUT, f"closed after {self.idle_timeout:g} s without a request",
                        f"Closed the connection from {self.client}: it asked for nothing for "
                        f"{self.idle_timeout:g} s (idle_timeout)", level=logging.INFO,
                    )
                    break
                try:
                    event = await read_frame(self.reader, limits, idle)
                except IdleTimeout:
                    continue
                except BadFrame as err:
                    await self._close_with("bad-frame", BAD_REQUEST, f"bad frame: {err.reason}",
                                           f"Closed the connection from {self.client}: {err.reason}")
                    break
                if event is None:
                    if self.pipe:  # the end of standard input: the text of an open stream has all come
                        self._close_stream()
                        await asyncio.gather(*self._tasks, return_exceptions=True)
                    break
                self._last_activity = time.monotonic()
                try:
                    await self.handle_event(event)
                except ClientGone:  # it went away, or reads nothing of what it asked for
                    break
        finally:
            await self.disconnect()
            if self.writer.transport.get_write_buffer_size():
                self._drop()
            else:
                self.writer.close()

    def _idle_left(self) -> float | None:
        """Seconds the connection may go on asking for nothing (None: no limit). While a reply is being sent
        whose text has all come, the client has asked: it waits for audio."""
        timeout = self.idle_timeout
        if not timeout:
            return None
        answering = self._stream is None and any(not task.done() for task in self._tasks)
        if answering:
            return timeout
        return self._last_activity + timeout - time.monotonic()

    def _warn(self, reason: str, message: str, level: int = logging.WARNING) -> None:
        """Count a connection closed for ``reason`` in the metrics, and log ``message`` about this client unless
        it has misbehaved this way too often lately."""
        self.state.metrics.closed.labels(reason).inc()
        allowed, quiet = self.state.throttle.allow(f"{self.host} {reason}")
        if allowed:
            _LOGGER.log(level, message + (f" ({quiet} more like it not logged)" if quiet else ""))

    async def _close_with(self, reason: str, code: str, text: str, message: str,
                          level: int = logging.WARNING) -> None:
        """The end of a connection the server closes: counted and logged (:meth:`_warn`), an error with ``code``
        to the client, and a moment for it to read that before the close."""
        self._warn(reason, message, level)
        await self._last_word(code, text)
        await self._linger()

    async def _linger(self) -> None:
        """Before closing after a last word: say the end of what we send, and read (and drop) what the client
        still sends for a moment. Closed with its bytes unread, the connection would be reset, and a reset can
        reach the client before the error it was sent."""
        if self.writer.is_closing() or self.pipe:
            return
        self._ended = True  # nothing more is written: a request still running finds its client gone
        with contextlib.suppress(OSError, RuntimeError):
            if self.writer.can_write_eof():
                self.writer.write_eof()
        read = 0
        with contextlib.suppress(OSError, TimeoutError, asyncio.LimitOverrunError):
            async with asyncio.timeout(_LAST_WORD_SECONDS):
                while read < _LINGER_BYTES:
                    chunk = await self.reader.read(_LINGER_BYTES)
                    if not chunk:
                        break
                    read += len(chunk)

    async def _last_word(self, code: str, text: str) -> None:
        """An error to a client whose connection is about to close, if it can still be written."""
        if self.writer.is_closing() or self._ended:
            return
        try:
            await asyncio.wait_for(self.write_event(Error(text=text, code=code).event()), _LAST_WORD_SECONDS)
        except (ConnectionError, asyncio.TimeoutError):
            pass

    async def handle_event(self, event: Event) -> bool:
        if Describe.is_type(event.type):
            await self._send(self.state.offer.info_event)
        elif Synthesize.is_type(event.type):
            if self._stream is not None:
                _LOGGER.debug("Ignoring the compatibility synthesize inside a stream from %s", self.client)
            else:
                await self._start("one-shot", event)
        elif SynthesizeStart.is_type(event.type):
            if self._stream is not None:  # a new stream without a stop: the old one ends here
                self._close_stream()
            self._stream = _Stream()
            await self._start("streamed", event, self._stream)
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

    async def _start(self, kind: str, event: Event, stream: _Stream | None = None) -> None:
        if self.state.draining:  # the server stops: it finishes what it has, and takes nothing new
            refusal = Error(text="the server is shutting down", code=SHUTTING_DOWN)
        elif len(self._tasks) >= REQUESTS_PER_CONNECTION:
            refusal = Error(text=f"too many requests: {REQUESTS_PER_CONNECTION} are in flight on this connection",
                            code=TOO_MANY_REQUESTS)
        else:
            refusal = None
        if refusal is not None:
            _LOGGER.debug("Refused a request from %s: %s", self.client, refusal.text)
            self.state.metrics.errors.labels(refusal.code).inc()
            if stream is not None:
                stream.closed = True
            await self._send(refusal.event())
            return
        task = asyncio.create_task(self._request(kind, event, stream))
        self._tasks.add(task)
        self.state.requests.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(self.state.requests.discard)

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
        if not text:
            return
        if stream.first_delta is None:
            stream.first_delta = time.perf_counter()
        stream.characters += len(text)
        try:
            self.state.check_length(stream.characters)
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
        """Write ``event``; ClientGone when the client has gone, or has read nothing for ``idle_timeout``
        seconds while its socket was full (then the connection is dropped: a client that never reads must not
        hold a request and its audio)."""
        if self.writer.is_closing() or self._ended:
            raise ClientGone()
        timeout = self.idle_timeout or None
        try:
            await asyncio.wait_for(self.write_event(event), timeout)
        except (ConnectionError, BrokenPipeError) as err:
            raise ClientGone() from err
        except asyncio.TimeoutError:
            self._warn("idle-timeout", f"Closed the connection from {self.client}: it read nothing for {timeout:g} s "
                       "(idle_timeout)")
            self._drop()
            raise ClientGone() from None

    def _drop(self) -> None:
        """Close the connection at once, with what the client has not read dropped (a reset): a plain close
        would wait for a client that reads nothing, forever."""
        sock = self.writer.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

    # -- a request, from start to its log line --------------------------------------------------------------

    async def _request(self, kind: str, event: Event, stream: _Stream | None) -> None:
        reply = _Reply(RequestRecord(self.state.next_id(), self.client, kind))
        metrics = self.state.metrics
        turn = False
        try:
            async with self._turn:  # what ends a request is said within its turn: replies never interleave
                turn = True
                try:
                    with metrics.in_flight.track_inprogress():
                        if stream is None:
                            await self._one_shot(event, reply)
                        else:
                            await self._streamed(event, stream, reply)
                    reply.record.outcome = "ok"
                except BaseException as err:
                    await self._fail(err, reply, stopped=stream is not None)
        except asyncio.CancelledError as err:  # cancelled while waiting for its turn
            if not turn:
                await self._fail(err, reply, stopped=stream is not None)
            raise
        finally:
            self._last_activity = time.monotonic()
            if stream is not None and self._stream is stream:  # it ended before its stop: the rest of
                stream.closed = True  # its chunks go nowhere
            record = reply.record
            level = logging.WARNING if record.code == SYNTHESIS_FAILED else logging.INFO
            _REQUEST_LOG.log(level, "request", **record.fields())
            metrics.observe(record)

    def _open(self, kind, event: Event, record: RequestRecord):
        """The request's event parsed, and its voice and language; RequestError for a malformed one."""
        if event.data.get("voice", 0) is None:  # "voice": null means no voice asked for
            event = Event(event.type, {k: v for k, v in event.data.items() if k != "voice"}, event.payload)
        voice = event.data.get("voice", {})
        if not isinstance(voice, dict):
            raise RequestError(BAD_REQUEST, f"{event.type} voice must be an object like {{\"name\": \"af_heart\"}}")
        for key in ("name", "language", "speaker"):
            value = voice.get(key)
            if value is not None and not isinstance(value, str):
                raise RequestError(BAD_REQUEST, f"{event.type} voice {key} must be a text, not {_json_type(value)}")
        try:
            request = kind.from_event(event)
        except (KeyError, TypeError, AttributeError, ValueError) as err:
            raise RequestError(BAD_REQUEST, f"{event.type} without a valid {err}") from None
        asked = request.voice
        voice, language = self.state.offer.choose(asked.name if asked else None, asked.language if asked else None)
        record.voice, record.language = voice.name, language.code
        return request, voice, language

    async def _one_shot(self, event: Event, reply: _Reply) -> None:
        synthesize, voice, language = self._open(Synthesize, event, reply.record)
        if not isinstance(synthesize.text, str):
            raise RequestError(BAD_REQUEST, f"synthesize text must be a text, not {_json_type(synthesize.text)}")
        self.state.check_length(len(synthesize.text))
        if len(synthesize.text) > _SPLIT_IN_THREAD:
            texts = await asyncio.to_thread(spoken_pieces, synthesize.text, language.code)
        else:
            texts = spoken_pieces(synthesize.text, language.code)
        await self._audio_start(reply)
        async for piece in self._audio(iterate(texts), voice, language, reply.record.stats):
            await self._send_audio(piece.pcm, reply.record.stats)
        await self._audio_stop(reply)

    async def _streamed(self, event: Event, stream: _Stream, reply: _Reply) -> None:
        _, voice, language = self._open(SynthesizeStart, event, reply.record)
        sentences = self._sentences(stream, language)
        async for piece in self._audio(sentences, voice, language, reply.record.stats, stream.rate):
            if piece.first:  # a sentence's audio: its parts (decoder windows) between one start and stop
                await self._audio_start(reply)
            await self._send_audio(piece.pcm, reply.record.stats)
            if piece.last:
                await self._audio_stop(reply)
        await self._send(SynthesizeStopped().event())

    async def _sentences(self, stream: _Stream, language: Language) -> AsyncIterator[str]:
        sentences = SpokenSentences(language.code)
        while True:
            delta = await stream.deltas.get()
            if delta is None:
                break
            if isinstance(delta, RequestError):
                raise delta
            for sentence in sentences.feed(delta):
                yield sentence
        for sentence in sentences.flush():
            yield sentence

    def _audio(self, texts: AsyncIterator[str], voice: Voice, language: Language, stats: RequestStats,
               text_rate=None):
        return self.state.pipeline.run(
            texts, voice, language, self.state.settings.speed, stats, fit=True, text_rate=text_rate
        )

    async def _audio_start(self, reply: _Reply) -> None:
        await self._send(AudioStart(rate=SAMPLE_RATE, width=SAMPLE_WIDTH, channels=CHANNELS).event())
        reply.audio_open = True

    async def _audio_stop(self, reply: _Reply) -> None:
        await self._send(AudioStop().event())
        reply.audio_open = False

    async def _send_audio(self, pcm: bytes, stats: RequestStats) -> None:
        if not pcm:
            return
        if stats.first_audio_seconds is None:
            stats.first_audio_seconds = time.perf_counter() - stats.started
        for chunk in chunk_pcm(pcm, self.state.settings.samples_per_chunk):
            await self._send(AudioChunk(rate=SAMPLE_RATE, width=SAMPLE_WIDTH, channels=CHANNELS, audio=chunk).event())

    async def _fail(self, err: BaseException, reply: _Reply, stopped: bool) -> None:
        """Turn what stopped a request into its outcome, and into an error event when the client is there (then
        the audio-stop of audio that was open, and synthesize-stopped for a stream)."""
        record = reply.record
        if isinstance(err, asyncio.CancelledError):
            record.outcome = "cancelled"
            if self.state.stopping:  # the server stops: the client hears why its reply ends here
                record.code = SHUTTING_DOWN
                await self._tell(Error(text="the server is shutting down", code=SHUTTING_DOWN), reply, stopped)
            raise err
        if isinstance(err, ClientGone):
            record.outcome = "client gone"
            return
        if isinstance(err, RequestError):
            code, text = err.code, err.text
        elif isinstance(err, QueueFull):
            code, text = SERVER_BUSY, f"server busy: {err}"
        elif isinstance(err, VoiceError):
            code, text = UNKNOWN_VOICE, str(err)
        elif isinstance(err, Exception):
            _LOGGER.exception("Request %s from %s failed", record.rid, self.client)
            code, text = SYNTHESIS_FAILED, f"synthesis failed: {type(err).__name__}: {err}"
        else:
            raise err
        record.outcome, record.code = "error", code
        await self._tell(Error(text=text, code=code), reply, stopped)

    async def _tell(self, error: Error, reply: _Reply, stopped: bool) -> None:
        """``error``, then the audio-stop of audio that was open, and synthesize-stopped for a stream."""
        try:
            await self._send(error.event())
            if reply.audio_open:
                await self._audio_stop(reply)
            if stopped:
                await self._send(SynthesizeStopped().event())
        except ClientGone:
            pass  # the error was for a client that has gone


def _json_type(value: object) -> str:
    return _JSON_TYPES.get(type(value), "null" if value is None else type(value).__name__)

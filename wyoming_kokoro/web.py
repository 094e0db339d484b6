"""The HTTP side (aiohttp), off unless ``http_uri`` is set: OpenAI's speech API for everything in a home lab that
speaks it (Open WebUI, n8n, scripts), and the Prometheus metrics.

It runs in the same process and on the same event loop as the Wyoming server, and shares its state (state.py):
the model and its scheduler (HTTP and Wyoming requests take their turns by the same rules: first pieces first,
then whose audio is due first), the voices on offer, the audio cache, the request log and the metrics.

- ``POST /v1/audio/speech``: ``model``, ``input``, ``voice`` (a name or a blend, as on the Wyoming side; OpenAI's
  own names reach the Kokoro voice of that name, ``alloy`` → ``af_alloy``), ``response_format`` (mp3, opus, aac,
  flac, wav, pcm) and ``speed`` (0.25 to 4 as OpenAI takes it, held to the 0.5 to 2 that Kokoro speaks well).
  The body streams as the audio is made (chunked): its first bytes leave when the first window is decoded.
  Encoding runs in a thread (encode.py).
- ``GET /v1/audio/voices``, ``GET /v1/models``, ``GET /v1/models/{id}``: what clients list.
- ``GET /metrics``: the same metrics as ``metrics_port``.

Errors come in OpenAI's shape (``{"error": {"message", "type", "param", "code"}}``) with the Wyoming side's codes.
With ``api_key`` set, the API asks for ``Authorization: Bearer KEY`` (compared in constant time); ``allow``
applies here too.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import math
import time
from importlib.resources import files
from typing import cast
from urllib.parse import quote, urlparse

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from . import __version__
from .encode import FORMATS, Encoder
from .engine.model import MAX_SPEED, MIN_SPEED
from .engine.audio import wav_bytes
from .engine.voices import MAX_SPEC_LENGTH, VoiceError
from .g2p import LexiconError, LexiconG2P, UserLexicon
from .languages import find_language
from .errors import (
    BAD_REQUEST, SERVER_BUSY, SHUTTING_DOWN, SYNTHESIS_FAILED, TEXT_TOO_LONG, TOO_MANY_CONNECTIONS, TOO_MANY_REQUESTS,
    UNKNOWN_VOICE, RequestError, shown,
)
from .logs import get_logger
from .metrics import RequestRecord
from .pipeline import iterate
from .scheduler import QueueFull
from .state import ServerState
from .text.normalize import normalize
from .text.spoken import spoken_pieces

_LOGGER = logging.getLogger(__name__)
_REQUEST_LOG = get_logger("wyoming_kokoro.request")

#: The model names clients send: ours, and OpenAI's (Open WebUI and most clients send tts-1 unless told).
MODELS = ("kokoro", "tts-1", "tts-1-hd", "gpt-4o-mini-tts")
#: The speeds OpenAI's API takes; Kokoro speaks well between MIN_SPEED and MAX_SPEED, and is held there.
API_SPEEDS = (0.25, 4.0)
#: Seconds a connection refused over a cap stays open for its client to read the answer, and bytes of its request
#: read (and dropped) meanwhile.
_LAST_WORD_SECONDS, _LINGER_BYTES = 1.0, 1 << 16
#: Characters of a lexicon entry tried on the page, and of the text it is tried in.
TRIAL_LENGTH = 200
UNAUTHORIZED = "unauthorized"
NOT_ALLOWED = "not-allowed"
NOT_FOUND = "not-found"
_STATUS = {
    BAD_REQUEST: 400, UNKNOWN_VOICE: 400, TEXT_TOO_LONG: 400, "unknown-language": 400, "language-unavailable": 400,
    UNAUTHORIZED: 401, NOT_ALLOWED: 403, NOT_FOUND: 404, SERVER_BUSY: 429, TOO_MANY_REQUESTS: 429,
    SYNTHESIS_FAILED: 500,
    SHUTTING_DOWN: 503,
}
_TYPES = {401: "authentication_error", 403: "permission_error", 404: "invalid_request_error",
          429: "rate_limit_error", 500: "server_error", 503: "server_error"}


def error_response(code: str, message: str, param: str | None = None) -> web.Response:
    """An error as OpenAI's API gives one, with the status that goes with ``code``."""
    status = _STATUS.get(code, 400)
    body = {"error": {"message": message, "type": _TYPES.get(status, "invalid_request_error"), "param": param,
                      "code": code}}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return web.json_response(body, status=status, headers=headers)


class _Invalid(Exception):
    """A request field that is wrong: its error response."""

    def __init__(self, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.response = error_response(code, message, param)


class WebApp:
    """The HTTP side of one server: its aiohttp application and where it listens."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        settings = state.settings
        # A body holds at most max_text_length characters of input, each up to 12 bytes escaped (a surrogate
        # pair), and the rest
        self.app = web.Application(client_max_size=12 * settings.max_text_length + 4096,
                                   middlewares=[self._guard])
        self.app.add_routes([
            web.get("/", self.page),
            web.get("/app.js", self.page),
            web.get("/api/speech", self.speech),
            web.post("/api/phonemes", self.phonemes),
            web.post("/api/lexicon", self.try_entry),
            web.post("/v1/audio/speech", self.speech),
            web.get("/v1/audio/voices", self.voices),
            web.get("/v1/models", self.models),
            web.get("/v1/models/{model}", self.model),
            web.get("/metrics", self.metrics),
            web.get("/openapi.json", self.openapi),
        ])
        self._runner: web.AppRunner | None = None
        self._server: asyncio.Server | None = None
        self.description = ""

    # -- listening --------------------------------------------------------------------------------------------

    async def start(self, uri: str) -> None:
        """Listen on ``uri`` (tcp://HOST:PORT or unix://PATH)."""
        where = urlparse(uri)
        if where.scheme not in ("tcp", "unix"):
            raise ValueError(f"cannot serve HTTP on {uri!r}: expected tcp://HOST:PORT or unix://PATH")
        settings = self.state.settings
        # A connection that asks for nothing is closed after idle_timeout (aiohttp's own default is an hour);
        # a client that goes away cancels its request, so the model stops working for it
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False, handler_cancellation=True,
                                     keepalive_timeout=settings.idle_timeout or 75.0, shutdown_timeout=0.5)
        await self._runner.setup()
        # Our own listener in front of aiohttp's protocol (web.TCPSite would take every connection): each
        # connection is counted with the Wyoming side's against max_connections and max_connections_per_client
        loop = asyncio.get_running_loop()
        if where.scheme == "tcp":
            self._server = await loop.create_server(self._connection, where.hostname or None, where.port or 10202,
                                                    reuse_address=True)
        else:
            self._server = await loop.create_unix_server(self._connection, where.path)
        self.description = uri

    @property
    def port(self) -> int | None:
        """The TCP port listened on (the one chosen, for port 0)."""
        for sock in self._server.sockets if self._server is not None else ():
            address = sock.getsockname()
            if isinstance(address, tuple):
                return address[1]
        return None

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _connection(self) -> asyncio.Protocol:
        return _Counted(self.state, self._runner.server)

    # -- every request ----------------------------------------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler):
        """``allow`` and ``api_key``; and every error in OpenAI's shape, never a traceback to the client."""
        if not self.state.allows(request.remote):
            allowed, quiet = self.state.throttle.allow(f"{request.remote} not-allowed")
            if allowed:
                _LOGGER.warning("Refused an HTTP request from %s: not in allow%s", request.remote,
                                f" ({quiet} more like it not logged)" if quiet else "")
            return error_response(NOT_ALLOWED, "this address may not use the server")
        key = self.state.settings.api_key
        if key and request.path.startswith(("/v1/", "/api/")):
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" and request.path.startswith("/api/"):
                # the page's audio element cannot send a header: its URL carries the key
                scheme, token = "bearer", request.query.get("key", "")
            if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), key.encode()):
                self.state.metrics.errors.labels(UNAUTHORIZED).inc()
                return error_response(UNAUTHORIZED, "a valid API key is needed: Authorization: Bearer KEY")
        try:
            return await handler(request)
        except _Invalid as err:
            return err.response
        except web.HTTPNotFound:
            return error_response(NOT_FOUND, f"no such path: {shown(request.path)}")
        except web.HTTPMethodNotAllowed as err:
            response = error_response(BAD_REQUEST, f"{request.method} is not allowed on {shown(request.path)}")
            response.set_status(405)
            response.headers["Allow"] = ", ".join(sorted(err.allowed_methods))
            return response
        except web.HTTPException:
            raise
        except Exception as err:  # a bug of ours, or a language whose extra is missing: a clear 500, logged once
            _LOGGER.exception("HTTP %s %s from %s failed", request.method, request.path, request.remote)
            return error_response(SYNTHESIS_FAILED, f"failed: {type(err).__name__}: {err}")

    # -- the listings -----------------------------------------------------------------------------------------

    async def models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [_model(name) for name in MODELS]})

    async def model(self, request: web.Request) -> web.Response:
        name = request.match_info["model"]
        if name not in MODELS:
            return error_response(NOT_FOUND, f"no model {shown(name)}: there are {', '.join(MODELS)}", "model")
        return web.json_response(_model(name))

    async def voices(self, request: web.Request) -> web.Response:
        offer = self.state.offer
        details = [
            {"id": voice.name, "name": voice.name, "language": voice.language.code,
             "language_name": voice.language.name, "gender": voice.gender, "description": voice.description}
            for voice in offer.voices.values()
        ]
        return web.json_response({"voices": [v["id"] for v in details], "data": details,
                                  "default": offer.default.name})

    async def openapi(self, request: web.Request) -> web.Response:
        return web.json_response(openapi(self.state.settings.max_text_length, bool(self.state.settings.api_key)))

    async def metrics(self, request: web.Request) -> web.Response:
        body = generate_latest(self.state.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    # -- the audition page -------------------------------------------------------------------------------------

    async def page(self, request: web.Request) -> web.Response:
        """The page (``/``) and its script, served from the package: no build step, no CDN."""
        name, media = ("app.js", "text/javascript") if request.path.endswith(".js") else ("index.html", "text/html")
        text = files("wyoming_kokoro").joinpath("data", "web", name).read_text(encoding="utf-8")
        return web.Response(text=text, content_type=media, charset="utf-8",
                            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

    async def phonemes(self, request: web.Request) -> web.Response:
        """``{input, language}`` → what the text becomes before it is spoken, and each word's phonemes with the
        backend that made them (the G2P runs as a scheduler job, after the audio that is due)."""
        body = await self._body(request)
        text = self._input(body)
        code = body.get("language") or self.state.offer.default.language.code
        try:
            if not isinstance(code, str) or len(code) > 16:
                raise ValueError(f"unknown language {shown(code)}")
            language = find_language(code)
        except ValueError as err:
            raise _Invalid("unknown-language", str(err), "language") from None
        spoken = normalize(text, language.code)
        g2p = self.state.g2p
        try:
            result = await self.state.pipeline.scheduler.run(time.perf_counter() + 5.0,
                                                             lambda: g2p.phonemize(spoken, language.code))
        except QueueFull as err:
            raise _Invalid(SERVER_BUSY, f"server busy: {err}") from None
        except RequestError as err:
            raise _Invalid(err.code, err.text, "language") from None
        return web.json_response({
            "normalized": spoken, "language": language.code, "phonemes": result.phonemes,
            "words": [{"text": w.text, "phonemes": w.phonemes, "source": w.source} for w in result.words],
        })

    async def try_entry(self, request: web.Request) -> web.Response:
        """``{word, phonemes, input?, language?, voice?, speed?}`` → a WAV of ``input`` (default: the word) said
        with the lexicon entry word → phonemes in front of everything else, for this request only: what the
        entry would sound like in a ``--lexicon`` file. The phonemes it said are in ``X-Phonemes``
        (percent-encoded). The entry is checked as the lexicon file's entries are (Kokoro's symbols only)."""
        body = await self._body(request)
        word, phonemes = body.get("word"), body.get("phonemes")
        for key, value in (("word", word), ("phonemes", phonemes)):
            if not isinstance(value, str) or not value.strip() or len(value) > TRIAL_LENGTH:
                raise _Invalid(BAD_REQUEST, f"{key} must be a non-empty text of at most {TRIAL_LENGTH} characters",
                               key)
        text = body.get("input") or word
        if not isinstance(text, str) or len(text) > TRIAL_LENGTH:
            raise _Invalid(BAD_REQUEST, f"input must be a text of at most {TRIAL_LENGTH} characters", "input")
        speed = self._speed(body)
        voice, language = self._voice(body)
        try:
            entry = UserLexicon.from_mapping({language.code: {word: phonemes}})
        except LexiconError as err:
            raise _Invalid(BAD_REQUEST, str(err), "phonemes") from None
        table = entry.for_language(language.code)
        if not table:  # Chinese and Japanese take entries through their English words
            raise _Invalid(BAD_REQUEST, f"{language.code} takes no lexicon entries of its own", "language")
        synthesizer, spoken = self.state.pipeline.synthesizer, normalize(text, language.code)

        def say():
            g2p = LexiconG2P(synthesizer.g2p.get(language.code), table, "trial")
            said = g2p.phonemize(spoken).phonemes
            return said, synthesizer.synthesize_phonemes(said, voice, speed=speed)

        try:
            said, speech = await self.state.pipeline.scheduler.run(time.perf_counter(), say)
        except QueueFull as err:
            raise _Invalid(SERVER_BUSY, f"server busy: {err}") from None
        return web.Response(body=wav_bytes(speech.audio), content_type="audio/wav",
                            headers={"X-Phonemes": quote(said)})

    # -- speech -----------------------------------------------------------------------------------------------

    async def speech(self, request: web.Request) -> web.StreamResponse:
        state = self.state
        client = f"{request.remote or 'local'}"
        record = RequestRecord(state.next_id(), client, "http")
        metrics = state.metrics
        response: web.StreamResponse | None = None
        task = asyncio.current_task()
        if state.draining:  # the server stops: it finishes what it has, and takes nothing new
            metrics.errors.labels(SHUTTING_DOWN).inc()
            return error_response(SHUTTING_DOWN, "the server is shutting down")
        if task is not None:  # (drained and cut at shutdown like the Wyoming side's)
            state.requests.add(task)
        try:
            with metrics.in_flight.track_inprogress():
                text, voice, language, speed, fmt = await self._read(request, record)
                # (no length: aiohttp chunks an HTTP/1.1 body and ends an HTTP/1.0 one by closing)
                response = web.StreamResponse(headers={"Content-Type": FORMATS[fmt].media_type})
                await self._speak(request, response, text, voice, language, speed, fmt, record)
            record.outcome = "ok"
            return response
        except _Invalid as err:
            record.outcome, record.code = "error", json.loads(err.response.body)["error"]["code"]
            return err.response
        except ConnectionError:  # the client went away (a reset, or the connection lost while we wrote)
            record.outcome = "client gone"
            return response if response is not None else web.Response(status=400)
        except asyncio.CancelledError:
            if not state.stopping:  # aiohttp cancels the handler of a client that went away
                record.outcome = "client gone"
                raise
            record.outcome, record.code = "cancelled", SHUTTING_DOWN  # cut at shutdown
            if response is not None and response.prepared:
                raise  # its audio has begun: the connection closes, and the body ends short
            if task is not None:
                task.uncancel()
            cut = error_response(SHUTTING_DOWN, "the server is shutting down: the request was cut")
            cut.force_close()  # the connection's last answer: its task ends, as the drain waits for it to
            return cut
        except Exception as err:
            code, message = _error(err, record, client)
            record.outcome, record.code = "error", code
            if response is None or not response.prepared:
                return error_response(code, message)
            # the audio has begun and its status is sent: the connection is cut before the body's last chunk, so
            # the client sees a body that ended short, not a shorter reply
            if request.transport is not None:
                request.transport.abort()
            return response
        finally:
            if task is not None:
                state.requests.discard(task)
            level = logging.WARNING if record.code == SYNTHESIS_FAILED else logging.INFO
            _REQUEST_LOG.log(level, "request", **record.fields())
            metrics.observe(record)

    async def _body(self, request: web.Request) -> dict:
        """The request's JSON object (UTF-8, whatever charset it names), or _Invalid; within ``frame_timeout``."""
        limit = self.state.settings.frame_timeout or None
        try:
            async with asyncio.timeout(limit):
                raw = await request.read()
            body = _strict_loads(raw.decode("utf-8"))
        except web.HTTPRequestEntityTooLarge:
            raise _Invalid(TEXT_TOO_LONG, f"the body is over {request.client_max_size} bytes: the input may have "
                           f"{self.state.settings.max_text_length} characters at most", "input") from None
        except TimeoutError:
            raise _Invalid(BAD_REQUEST, f"the body took over {limit:g} s to arrive (frame_timeout)") from None
        except (ValueError, UnicodeDecodeError) as err:
            raise _Invalid(BAD_REQUEST, f"the body must be a JSON object in UTF-8: {err}") from None
        except (RequestPayloadError, HttpProcessingError) as err:
            raise _Invalid(BAD_REQUEST, f"the body could not be read: {err}") from None
        if not isinstance(body, dict):
            raise _Invalid(BAD_REQUEST, "the body must be a JSON object")
        return body

    async def _read(self, request: web.Request, record: RequestRecord):
        """The request's fields, checked: (text, voice, language, speed, format), or _Invalid. A POST has them
        in its JSON body; the page's GET (its audio element streams what it plays) in its query."""
        if request.method == "GET":
            body: dict = {k: v for k, v in request.query.items() if k != "key"}
            if "speed" in body:
                try:
                    body["speed"] = float(body["speed"])
                except ValueError:
                    pass  # refused below, naming the value
        else:
            body = await self._body(request)
        model = body.get("model", "kokoro")
        if not isinstance(model, str) or model not in MODELS:
            raise _Invalid(BAD_REQUEST, f"model {shown(model)} is not one of {', '.join(MODELS)}", "model")
        text = self._input(body)
        fmt = body.get("response_format", "mp3")
        if not isinstance(fmt, str) or fmt not in FORMATS:
            raise _Invalid(BAD_REQUEST, f"response_format {shown(fmt)} is not one of {', '.join(FORMATS)}",
                           "response_format")
        speed = self._speed(body)
        voice, language = self._voice(body)
        record.voice, record.language = voice.name, language.code
        return text, voice, language, speed, fmt

    def _input(self, body: dict) -> str:
        """The body's ``input``: a non-empty text within ``max_text_length``, or _Invalid."""
        text = body.get("input")
        if not isinstance(text, str) or not text.strip():
            raise _Invalid(BAD_REQUEST, "input must be a non-empty text", "input")
        try:
            self.state.check_length(len(text))
        except RequestError as err:
            raise _Invalid(err.code, err.text, "input") from None
        return text

    def _speed(self, body: dict) -> float:
        """The body's ``speed`` (OpenAI's 0.25 to 4; the setting's when none), held to what Kokoro speaks well."""
        speed = body.get("speed", self.state.settings.speed)
        if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not math.isfinite(speed) \
                or not API_SPEEDS[0] <= speed <= API_SPEEDS[1]:
            raise _Invalid(BAD_REQUEST, f"speed must be a number from {API_SPEEDS[0]} to {API_SPEEDS[1]}, "
                           f"not {shown(speed)}", "speed")
        return min(MAX_SPEED, max(MIN_SPEED, float(speed)))

    def _voice(self, body: dict):
        """(voice, language) of the body's ``voice`` and ``language``, as a Wyoming request's are chosen; OpenAI's
        name of a Kokoro voice is that voice."""
        name, language = body.get("voice"), body.get("language")
        for key, value in (("voice", name), ("language", language)):
            if value is not None and not isinstance(value, str):
                raise _Invalid(BAD_REQUEST, f"{key} must be a text", key)
        offer = self.state.offer
        if name and name not in offer.voices and ":" not in name and "," not in name:
            name = _openai_voice(name, offer.voices) or name
        try:
            return offer.choose(name or None, language or None)
        except VoiceError as err:
            raise _Invalid(UNKNOWN_VOICE, str(err), "voice") from None
        except RequestError as err:
            raise _Invalid(err.code, err.text, "voice" if err.code == UNKNOWN_VOICE else "language") from None

    async def _speak(self, request, response, text, voice, language, speed, fmt, record) -> None:
        """The reply's audio, encoded in a thread as it comes, written as the body. A client that reads none of
        it for ``idle_timeout`` seconds is dropped (a write would wait for it forever)."""
        stats = record.stats
        pieces = await asyncio.to_thread(spoken_pieces, text, language.code) if len(text) > 1000 \
            else spoken_pieces(text, language.code)
        encoder = await asyncio.to_thread(Encoder, fmt)
        try:
            async for piece in self.state.pipeline.run(iterate(pieces), voice, language, speed, stats, fit=True):
                data = await _in_thread(encoder.encode, piece.pcm) if encoder.format.container \
                    else encoder.encode(piece.pcm)
                await self._write(request, response, data, stats)
            await self._write(request, response, await _in_thread(encoder.finish), stats)
            await response.write_eof()
        finally:
            encoder.close()

    async def _write(self, request: web.Request, response: web.StreamResponse, data: bytes, stats) -> None:
        timeout = self.state.settings.idle_timeout or None
        try:
            async with asyncio.timeout(timeout):
                if not response.prepared:
                    await response.prepare(request)
                if data:
                    if stats.first_audio_seconds is None:
                        stats.first_audio_seconds = time.perf_counter() - stats.started
                    await response.write(data)
        except TimeoutError:
            _LOGGER.info("Dropped the HTTP client %s: it read nothing for %g s (idle_timeout)", request.remote,
                         timeout)
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("the client reads nothing") from None


class _Counted(asyncio.Protocol):
    """One HTTP connection in front of aiohttp's protocol for it, counted with the Wyoming side's connections
    against ``max_connections`` and ``max_connections_per_client``. A connection over a cap never reaches
    aiohttp: it is answered 503 ``too-many-connections`` in OpenAI's shape, its request read and dropped for a
    moment (closed with its bytes unread, it would be reset before the client read the answer), and closed."""

    def __init__(self, state: ServerState, make_handler) -> None:
        self._state = state
        self._make_handler = make_handler
        self._inner: asyncio.Protocol | None = None  # aiohttp's protocol, for a connection taken
        self._host = ""
        self._transport: asyncio.Transport | None = None
        self._dropped = 0  # bytes of a refused connection's request, read and dropped

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        self._host = peer[0] if isinstance(peer, tuple) and peer else ""
        caps = self._state.connections
        refused = caps.admit(self._host)
        if refused is None:
            self._state.metrics.connections.inc()
            self._inner = self._make_handler()
            self._inner.connection_made(transport)
            return
        self._transport = transport = cast(asyncio.Transport, transport)
        limit, where, setting = (caps.total, "in all", "max_connections") if refused == "total" else \
            (caps.per_client, f"from {self._host}", "max_connections_per_client")
        self._state.metrics.closed.labels(refused).inc()
        allowed, quiet = self._state.throttle.allow(f"{self._host} {refused}")
        if allowed:
            _LOGGER.warning("Refused an HTTP connection from %s: %d connections are open %s (%s)%s",
                            self._host or "a local client", limit, where, setting,
                            f" ({quiet} more like it not logged)" if quiet else "")
        body = json.dumps({"error": {"message": f"too many connections: {limit} are open {where}",
                                     "type": "server_error", "param": None, "code": TOO_MANY_CONNECTIONS}})
        transport.write(f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
                        f"Content-Length: {len(body)}\r\nConnection: close\r\nRetry-After: 1\r\n\r\n{body}"
                        .encode())
        if transport.can_write_eof():
            transport.write_eof()
        asyncio.get_running_loop().call_later(_LAST_WORD_SECONDS, transport.close)

    def data_received(self, data: bytes) -> None:
        if self._inner is not None:
            self._inner.data_received(data)
            return
        self._dropped += len(data)
        if self._dropped > _LINGER_BYTES and self._transport is not None:
            self._transport.close()

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else False

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._inner is not None:
            self._state.connections.release(self._host)
            self._state.metrics.connections.dec()
            self._inner.connection_lost(exc)
            self._inner = None


async def _in_thread(fn, *args):
    """``fn(*args)`` in a thread; cancelled meanwhile, it still waits for ``fn`` to end (an encoder must not be
    closed while a thread is in it), then is cancelled."""
    future = asyncio.get_running_loop().run_in_executor(None, fn, *args)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await future
        raise


def openapi(max_text_length: int, keyed: bool) -> dict:
    """The OpenAPI description of the HTTP side (``GET /openapi.json``): what the tests fuzz it by."""
    error = {"description": "An error, in OpenAI's shape, with the Wyoming side's code",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    errors = {str(status): error for status in (400, 401, 403, 404, 405, 429, 500, 503)}
    audio = {"description": "The audio, streamed as it is made (chunked)",
             "content": {fmt.media_type: {"schema": {"type": "string", "format": "binary"}} for fmt in FORMATS.values()}}
    text = {"type": "string", "minLength": 1, "maxLength": max_text_length,
            "description": "the text to speak (markdown, numbers and units are read as a listener expects)"}
    voice = {"type": "string", "maxLength": MAX_SPEC_LENGTH, "description": "a voice name (GET /v1/audio/voices), a "
             "blend like af_heart:0.7,af_bella:0.3, or OpenAI's name of a Kokoro voice (alloy: af_alloy)"}
    language = {"type": "string", "maxLength": 16, "description": "a language (en-us, fr, ja_JP, ...): its voice, "
                "when no voice is named"}
    speed = {"type": "number", "minimum": API_SPEEDS[0], "maximum": API_SPEEDS[1], "default": 1.0,
             "description": f"speaking rate; Kokoro speaks well from {MIN_SPEED} to {MAX_SPEED}, and is held there"}
    response_format = {"type": "string", "enum": list(FORMATS), "default": "mp3"}
    secured = [{"bearer": []}] if keyed else []

    def operation(summary: str, responses: dict, **more) -> dict:
        return {"summary": summary, "security": secured, "responses": {**responses, **errors}, **more}

    def json_body(schema: dict) -> dict:
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    listing = {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "wyoming-kokoro HTTP side", "version": __version__,
                 "description": "OpenAI's speech API, and what the audition page uses, on the Wyoming server's model"},
        "paths": {
            "/v1/audio/speech": {"post": operation("Speak a text (OpenAI's speech API)", {"200": audio},
                                                   requestBody=json_body({"$ref": "#/components/schemas/Speech"}))},
            "/v1/audio/voices": {"get": operation("The voices, with language, gender and description", listing)},
            "/v1/models": {"get": operation("The model names taken", listing)},
            "/v1/models/{model}": {"get": operation("One model name", listing, parameters=[
                {"name": "model", "in": "path", "required": True, "schema": {"type": "string"}}])},
            "/api/speech": {"get": operation("Speak a text, its fields in the query (the page's audio element)",
                                             {"200": audio}, parameters=[
                {"name": "input", "in": "query", "required": True, "schema": text},
                {"name": "voice", "in": "query", "schema": voice},
                {"name": "language", "in": "query", "schema": language},
                {"name": "speed", "in": "query", "schema": speed},
                {"name": "response_format", "in": "query", "schema": response_format},
                {"name": "model", "in": "query", "schema": {"type": "string", "enum": list(MODELS)}},
            ])},
            "/api/phonemes": {"post": operation(
                "What a text becomes before it is spoken, and each word's phonemes and their source",
                {"200": {"description": "OK", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["normalized", "language", "phonemes", "words"],
                    "properties": {"normalized": {"type": "string"}, "language": {"type": "string"},
                                   "phonemes": {"type": "string"}, "words": {"type": "array"}}}}}}},
                requestBody=json_body({"type": "object", "required": ["input"],
                                       "properties": {"input": text, "language": language}}))},
            "/api/lexicon": {"post": operation(
                "A lexicon entry tried: a text said with word → phonemes, for this request only",
                {"200": {"description": "The speech, WAV", "content": {"audio/wav": {"schema": {
                    "type": "string", "format": "binary"}}}}},
                requestBody=json_body({"type": "object", "required": ["word", "phonemes"], "properties": {
                    "word": {"type": "string", "minLength": 1, "maxLength": TRIAL_LENGTH},
                    "phonemes": {"type": "string", "minLength": 1, "maxLength": TRIAL_LENGTH},
                    "input": {"type": "string", "maxLength": TRIAL_LENGTH}, "voice": voice, "language": language,
                    "speed": speed}}))},
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {
                "200": {"description": "OK", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
        },
        "components": {
            "schemas": {
                "Speech": {"type": "object", "required": ["input"], "properties": {
                    "model": {"type": "string", "enum": list(MODELS), "default": "kokoro"}, "input": text,
                    "voice": voice, "response_format": response_format, "speed": speed, "language": language}},
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["message", "type", "code"], "properties": {
                        "message": {"type": "string"}, "type": {"type": "string"},
                        "param": {"type": ["string", "null"]}, "code": {"type": "string"}}}}},
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _model(name: str) -> dict:
    return {"id": name, "object": "model", "created": 0, "owned_by": f"wyoming-kokoro {__version__}"}


def _openai_voice(name: str, voices) -> str | None:
    """The installed voice whose name ends in ``_NAME`` when there is one only (OpenAI's ``alloy`` is Kokoro's
    ``af_alloy``, ``onyx`` its ``am_onyx``)."""
    matches = [voice for voice in voices if voice.endswith(f"_{name.lower()}")]
    return matches[0] if len(matches) == 1 else None


def _strict_loads(data: str):
    """JSON without NaN or Infinity, which no JSON client sends."""
    def refuse(constant: str):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(data, parse_constant=refuse)


def _error(err: BaseException, record: RequestRecord, client: str) -> tuple[str, str]:
    """(code, message) of what stopped a request."""
    if isinstance(err, RequestError):
        return err.code, err.text
    if isinstance(err, QueueFull):
        return SERVER_BUSY, f"server busy: {err}"
    if isinstance(err, VoiceError):
        return UNKNOWN_VOICE, str(err)
    _LOGGER.exception("Request %s from %s failed", record.rid, client)
    return SYNTHESIS_FAILED, f"synthesis failed: {type(err).__name__}: {err}"

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
import hmac
import json
import logging
import math
import time
from importlib.resources import files
from urllib.parse import urlparse

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from . import __version__
from .encode import FORMATS, Encoder
from .engine.model import MAX_SPEED, MIN_SPEED
from .engine.voices import VoiceError
from .languages import find_language
from .errors import (
    BAD_REQUEST, SERVER_BUSY, SHUTTING_DOWN, SYNTHESIS_FAILED, TEXT_TOO_LONG, UNKNOWN_VOICE, RequestError, shown,
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
UNAUTHORIZED = "unauthorized"
NOT_ALLOWED = "not-allowed"
NOT_FOUND = "not-found"
_STATUS = {
    BAD_REQUEST: 400, UNKNOWN_VOICE: 400, TEXT_TOO_LONG: 400, "unknown-language": 400, "language-unavailable": 400,
    UNAUTHORIZED: 401, NOT_ALLOWED: 403, NOT_FOUND: 404, SERVER_BUSY: 429, SYNTHESIS_FAILED: 500,
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
        # A body holds at most max_text_length characters of input, each up to 6 bytes escaped, and the rest
        self.app = web.Application(client_max_size=6 * settings.max_text_length + 4096,
                                   middlewares=[self._guard])
        self.app.add_routes([
            web.get("/", self.page),
            web.get("/app.js", self.page),
            web.get("/api/speech", self.speech),
            web.post("/api/phonemes", self.phonemes),
            web.post("/v1/audio/speech", self.speech),
            web.get("/v1/audio/voices", self.voices),
            web.get("/v1/models", self.models),
            web.get("/v1/models/{model}", self.model),
            web.get("/metrics", self.metrics),
        ])
        self._runner: web.AppRunner | None = None
        self.description = ""

    # -- listening --------------------------------------------------------------------------------------------

    async def start(self, uri: str) -> None:
        """Listen on ``uri`` (tcp://HOST:PORT or unix://PATH)."""
        where = urlparse(uri)
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        if where.scheme == "tcp":
            site: web.BaseSite = web.TCPSite(self._runner, where.hostname or None, where.port or 10202,
                                             shutdown_timeout=0.5)
        elif where.scheme == "unix":
            site = web.UnixSite(self._runner, where.path, shutdown_timeout=0.5)
        else:
            raise ValueError(f"cannot serve HTTP on {uri!r}: expected tcp://HOST:PORT or unix://PATH")
        await site.start()
        self.description = uri

    @property
    def port(self) -> int | None:
        """The TCP port listened on (the one chosen, for port 0)."""
        if self._runner is None:
            return None
        for address in self._runner.addresses:
            if isinstance(address, tuple):
                return address[1]
        return None

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- every request ----------------------------------------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler):
        """``allow`` and ``api_key``; and every error in OpenAI's shape, never a traceback to the client."""
        if not self.state.allows(request.remote):
            _LOGGER.warning("Refused an HTTP request from %s: not in allow", request.remote)
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
            {"id": voice.name, "name": voice.name, "language": voice.language.code, "gender": voice.gender,
             "description": voice.description}
            for voice in offer.voices.values()
        ]
        return web.json_response({"voices": [v["id"] for v in details], "data": details,
                                  "default": offer.default.name})

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
        text = body.get("input")
        if not isinstance(text, str) or not text.strip():
            raise _Invalid(BAD_REQUEST, "input must be a non-empty text", "input")
        try:
            self.state.check_length(len(text))
        except RequestError as err:
            raise _Invalid(err.code, err.text, "input") from None
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

    # -- speech -----------------------------------------------------------------------------------------------

    async def speech(self, request: web.Request) -> web.StreamResponse:
        state = self.state
        client = f"{request.remote or 'local'}"
        record = RequestRecord(state.next_id(), client, "http")
        metrics = state.metrics
        response: web.StreamResponse | None = None
        try:
            with metrics.in_flight.track_inprogress():
                if state.draining:
                    raise RequestError(SHUTTING_DOWN, "the server is shutting down")
                text, voice, language, speed, fmt = await self._read(request, record)
                response = web.StreamResponse(headers={"Content-Type": FORMATS[fmt].media_type})
                response.enable_chunked_encoding()
                await self._speak(request, response, text, voice, language, speed, fmt, record)
            record.outcome = "ok"
            return response
        except _Invalid as err:
            record.outcome, record.code = "error", json.loads(err.response.body)["error"]["code"]
            metrics.errors.labels(record.code).inc()
            return err.response
        except (ConnectionResetError, asyncio.CancelledError):
            record.outcome = "client gone"
            raise
        except Exception as err:
            code, message = _error(err, record, client)
            record.outcome, record.code = "error", code
            metrics.errors.labels(code).inc()
            if response is None or not response.prepared:
                return error_response(code, message)
            # the audio has begun and its status is sent: the connection is cut before the body's last chunk, so
            # the client sees a body that ended short, not a shorter reply
            if request.transport is not None:
                request.transport.abort()
            return response
        finally:
            level = logging.WARNING if record.code == SYNTHESIS_FAILED else logging.INFO
            _REQUEST_LOG.log(level, "request", **record.fields())
            metrics.observe(record)

    async def _body(self, request: web.Request) -> dict:
        """The request's JSON object, or _Invalid."""
        try:
            body = await request.json(loads=_strict_loads)
        except web.HTTPRequestEntityTooLarge:
            raise _Invalid(TEXT_TOO_LONG, f"the body is over {request.client_max_size} bytes: the input may have "
                           f"{self.state.settings.max_text_length} characters at most", "input") from None
        except (ValueError, UnicodeDecodeError) as err:
            raise _Invalid(BAD_REQUEST, f"the body must be a JSON object: {err}") from None
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
        text = body.get("input")
        if not isinstance(text, str) or not text.strip():
            raise _Invalid(BAD_REQUEST, "input must be a non-empty text", "input")
        try:
            self.state.check_length(len(text))
        except RequestError as err:
            raise _Invalid(err.code, err.text, "input") from None
        fmt = body.get("response_format", "mp3")
        if not isinstance(fmt, str) or fmt not in FORMATS:
            raise _Invalid(BAD_REQUEST, f"response_format {shown(fmt)} is not one of {', '.join(FORMATS)}",
                           "response_format")
        speed = body.get("speed", self.state.settings.speed)
        if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not math.isfinite(speed) \
                or not API_SPEEDS[0] <= speed <= API_SPEEDS[1]:
            raise _Invalid(BAD_REQUEST, f"speed must be a number from {API_SPEEDS[0]} to {API_SPEEDS[1]}, "
                           f"not {shown(speed)}", "speed")
        speed = min(MAX_SPEED, max(MIN_SPEED, float(speed)))
        name, language = body.get("voice"), body.get("language")
        for key, value in (("voice", name), ("language", language)):
            if value is not None and not isinstance(value, str):
                raise _Invalid(BAD_REQUEST, f"{key} must be a text", key)
        offer = self.state.offer
        if name and name not in offer.voices and ":" not in name and "," not in name:
            name = _openai_voice(name, offer.voices) or name
        try:
            voice, language = offer.choose(name or None, language or None)
        except VoiceError as err:
            raise _Invalid(UNKNOWN_VOICE, str(err), "voice") from None
        except RequestError as err:
            raise _Invalid(err.code, err.text, "voice" if err.code == UNKNOWN_VOICE else "language") from None
        record.voice, record.language = voice.name, language.code
        return text, voice, language, speed, fmt

    async def _speak(self, request, response, text, voice, language, speed, fmt, record) -> None:
        """The reply's audio, encoded in a thread as it comes, written as the body."""
        loop = asyncio.get_running_loop()
        stats = record.stats
        pieces = await asyncio.to_thread(spoken_pieces, text, language.code) if len(text) > 1000 \
            else spoken_pieces(text, language.code)
        encoder = Encoder(fmt)
        task = asyncio.current_task()
        if task is not None:
            self.state.requests.add(task)
        try:
            audio = self.state.pipeline.run(iterate(pieces), voice, language, speed, stats, fit=True)
            async for piece in audio:
                data = await loop.run_in_executor(None, encoder.encode, piece.pcm) if encoder.format.container \
                    else encoder.encode(piece.pcm)
                if not response.prepared:
                    await response.prepare(request)
                if data:
                    if stats.first_audio_seconds is None:
                        stats.first_audio_seconds = time.perf_counter() - stats.started
                    await response.write(data)
            tail = await loop.run_in_executor(None, encoder.finish)
            if not response.prepared:
                await response.prepare(request)
            if tail:
                await response.write(tail)
            await response.write_eof()
        finally:
            encoder.close()
            if task is not None:
                self.state.requests.discard(task)


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

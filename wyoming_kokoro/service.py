"""Running the server as a service: build it from its settings, warm it up, listen, advertise, reload on SIGHUP,
and stop cleanly on SIGTERM or SIGINT.

:func:`run` is the whole life: :func:`build` (every object of the server, wired once), :func:`warm_up`, then
:func:`serve`, which is start-up, a wait for the signal to stop, and shutdown, each written once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from urllib.parse import urlparse

from wyoming.server import AsyncEventHandler

from .audio_cache import AudioCache
from .config import SECRETS, ConfigError, Settings
from .discovery import Advertiser, advertised_host, default_service_name
from .engine.voices import VoiceCatalog, VoiceError
from .errors import RequestError
from .g2p import UserLexicon
from .languages import find_language
from .logs import set_level
from .metrics import Metrics
from .offer import VoiceOffer
from .pauses import Pauses
from .pipeline import Pipeline
from .scheduler import Scheduler
from .server import KokoroHandler
from .state import ServerState
from .synthesizer import Synthesizer
from .systemd import Notifier
from .web import WebApp

_LOGGER = logging.getLogger(__name__)

MEGABYTE = 1024 * 1024
#: Seconds requests cut at shutdown get to tell their clients so.
_LAST_WORDS_SECONDS = 0.5

#: What SIGHUP calls: the current settings in, the fresh ones and the keys that changed but need a restart out.
ReloadSettings = Callable[[Settings], tuple[Settings, list[str]]]


def run(settings: Settings, reload_settings: ReloadSettings | None = None) -> int:
    """Build the server, warm it up and serve until stopped; the exit code."""
    state = build(settings)
    _LOGGER.info("Warmed up in %.2f s; default voice %s", warm_up(state), state.offer.default.name)
    if state.pipeline.windowed:
        _LOGGER.info("Rate model, measured here: %s", state.pipeline.costs.describe())
    if settings.metrics_port:
        state.metrics.serve(settings.metrics_port)
    return asyncio.run(serve(state, reload_settings))


def build(settings: Settings) -> ServerState:
    """Every object of the server, from its settings: the model, voices and G2P (the synthesizer), the scheduler,
    the audio cache, the pipeline, the voices on offer and the metrics. A bad setting raises before anything
    serves (a bad lexicon file before the model loads)."""
    lexicon = UserLexicon.load(settings.lexicon) if settings.lexicon else None
    synthesizer = Synthesizer.load(
        model=settings.model,
        voices=settings.voices,
        providers=settings.provider,
        intra_op_threads=settings.intra_op_threads or None,
        inter_op_threads=settings.inter_op_threads or None,
        split="off" if settings.windowed_decoding == "off" else "auto",
        pauses=Pauses(settings.sentence_pause, settings.clause_pause),
    )
    synthesizer.g2p.configure(lexicon, settings.g2p)
    scheduler = Scheduler(parallel=settings.parallel_inferences, max_queue=settings.queue_size)
    cache = None
    if settings.cache_size or settings.cache_dir:
        cache = AudioCache(
            synthesizer.model.sha256, max_bytes=settings.cache_size * MEGABYTE, directory=settings.cache_dir,
            max_disk_bytes=settings.cache_dir_size * MEGABYTE,
        )
    model = synthesizer.model
    pipeline = Pipeline(
        synthesizer, scheduler, cache=cache, windowed=model.split is not None, start_deadline=settings.start_deadline,
        full_context=settings.seam_context == "full",
    )
    _LOGGER.info(
        "Decoding %s (%s)",
        "window by window: a reply's first words are sent as soon as they are decoded" if pipeline.windowed
        else "whole pieces", model.split_reason,
    )
    offer = VoiceOffer.build(synthesizer.voices, settings.voice, settings.language_voices)
    metrics = Metrics()
    metrics.set_build(model.sha256, model.providers, model.load_seconds)
    metrics.watch_queue(lambda: scheduler.queue_depth)
    metrics.watch_costs(pipeline.costs)
    _LOGGER.info(
        "Loaded the model in %.2f s (%s); %d voices in %d languages",
        model.load_seconds, ", ".join(model.providers), len(offer.voices),
        len({v.language for v in offer.voices.values()}),
    )
    return ServerState(pipeline, synthesizer.g2p, offer, settings, metrics)


def warm_up(state: ServerState) -> float:
    """One piece through the whole path (G2P, tokens, model, the decoder's windows), so the first request pays no
    first-run cost and the costs are measured; and the G2P of every language given a voice in the settings, so
    its first request does not load it. (The other languages load on their first request: a G2P costs memory,
    English's and Chinese's 150 MB or more.) Returns the seconds it took."""
    started = time.perf_counter()
    voice = state.offer.default
    state.pipeline.warm_up(voice)
    for code in state.settings.language_voices:
        language = find_language(code)
        if language != voice.language:
            state.g2p.phonemize("Ready.", language.code)
    return time.perf_counter() - started


class Listener:
    """Where connections come from: a ``tcp://`` or ``unix://`` socket, or standard input and output (one
    connection). Each connection gets a handler from ``handler_factory``."""

    def __init__(self, uri: str, handler_factory: Callable[..., AsyncEventHandler], limit: int = 2**16) -> None:
        self.uri = urlparse(uri)
        self.limit = limit  # bytes a connection's reader buffers at most while it looks for a line's end
        self.description = "standard input and output" if self.uri.scheme == "stdio" else uri
        self._factory = handler_factory
        self._server: asyncio.AbstractServer | None = None
        self._handlers: set[AsyncEventHandler] = set()
        self._stdio: asyncio.Task | None = None

    async def start(self) -> None:
        if self.uri.scheme not in ("tcp", "unix", "stdio"):
            raise ValueError(f"cannot listen on {self.description!r}: expected tcp://HOST:PORT, unix://PATH or stdio://")
        if self.uri.scheme == "tcp":
            self._server = await asyncio.start_server(
                self._connected, self.uri.hostname, self.uri.port, limit=self.limit
            )
        elif self.uri.scheme == "unix":
            Path(self.uri.path).unlink(missing_ok=True)
            self._server = await asyncio.start_unix_server(self._connected, self.uri.path, limit=self.limit)
        else:
            self._stdio = asyncio.create_task(self._serve_stdio())

    async def _serve_stdio(self) -> None:
        """Standard input and output as one connection, read by the handler like a socket's."""
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=self.limit)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, sys.stdout)
        await self._connected(reader, asyncio.StreamWriter(transport, protocol, None, loop))

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = self._factory(reader, writer)
        self._handlers.add(handler)
        try:
            await handler.run()
        except Exception:  # a bug of ours, not the client's doing: the connection ends, the server goes on
            _LOGGER.exception("A connection from %s ended on an error", getattr(handler, "client", "a client"))
        finally:
            self._handlers.discard(handler)

    async def ended(self) -> None:
        """Returns when no more connections can come: standard input closed (a socket never ends by itself)."""
        if self._stdio is not None:
            await asyncio.wait({self._stdio})
        else:
            await asyncio.Event().wait()

    def close(self) -> None:
        """Accept no new connections; the open ones go on."""
        if self._server is not None:
            self._server.close()

    async def stop(self) -> None:
        """Close every connection (and standard input and output)."""
        self.close()
        await asyncio.gather(*(handler.stop() for handler in list(self._handlers)), return_exceptions=True)
        if self._stdio is not None:
            self._stdio.cancel()
        if self.uri.scheme == "unix":
            Path(self.uri.path).unlink(missing_ok=True)


async def serve(state: ServerState, reload_settings: ReloadSettings | None = None, notifier: Notifier | None = None) -> int:
    """Serve until SIGTERM or SIGINT (or, on stdio://, until standard input ends); then stop accepting, give
    requests in flight ``shutdown_grace`` seconds, unregister from zeroconf and return 0. SIGHUP reloads the
    settings that can change without a restart."""
    settings = state.settings
    notifier = notifier or Notifier()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    if reload_settings is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError, AttributeError):
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(reload(state, reload_settings, notifier)))
    watchdog = asyncio.create_task(notifier.watchdog())

    # Start-up
    listener = Listener(settings.uri, partial(KokoroHandler, state), limit=state.frame_limits.header + 1)
    await listener.start()
    web = None
    if settings.http_uri:
        web = WebApp(state)
        await web.start(settings.http_uri)
        _LOGGER.info("Serving HTTP (OpenAI's speech API, /metrics) on %s", settings.http_uri)
    _LOGGER.info("Serving on %s", listener.description)
    advertiser = await _advertise(settings, listener)
    notifier.ready(f"serving on {listener.description}")

    # Wait
    waits = {asyncio.create_task(stop.wait()), asyncio.create_task(listener.ended())}
    _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()

    # Shutdown
    notifier.stopping()
    _LOGGER.info("Stopping: no new connections; %d request(s) in flight", len(state.requests))
    listener.close()
    state.draining = True
    await _drain(state, settings.shutdown_grace)
    if advertiser is not None:
        await advertiser.unregister()
    await listener.stop()
    if web is not None:
        await web.stop()
    watchdog.cancel()
    state.pipeline.scheduler.shutdown()
    state.pipeline.synthesizer.model.stop()  # (what a cut request left running in a worker thread)
    _LOGGER.info("Stopped")
    return 0


async def _advertise(settings: Settings, listener: Listener) -> Advertiser | None:
    """The zeroconf advertisement, when asked for and the server listens on TCP (else a warning)."""
    if settings.zeroconf is None:
        return None
    uri = listener.uri
    if uri.scheme != "tcp":
        _LOGGER.warning("Zeroconf needs a tcp:// URI; not advertising %s", settings.uri)
        return None
    try:
        advertiser = Advertiser(
            settings.zeroconf or default_service_name(),
            advertised_host(uri.hostname or "", settings.zeroconf_host),
            uri.port or 0,
        )
        await advertiser.register()
    except Exception as err:  # discovery is a convenience: the server goes on without it
        _LOGGER.error("Zeroconf registration failed (%s: %s); serving without discovery", type(err).__name__, err)
        return None
    return advertiser


async def reload(state: ServerState, reload_settings: ReloadSettings, notifier: Notifier) -> None:
    """SIGHUP: read the settings again and apply what can change without a restart (default voice, voices per
    language, extra voices folder, user lexicon, which is read again even when its path stays, G2P backends, log
    level). A bad file is reported and the old settings stay."""
    notifier.reloading()
    current = state.settings
    try:
        fresh, restart_keys = reload_settings(current)
        changed = current.changed(fresh)
        loop = asyncio.get_running_loop()
        catalog = None
        if "voices" in changed:
            catalog = await loop.run_in_executor(None, VoiceCatalog.load, fresh.voices)
        lexicon = state.g2p.lexicon
        if fresh.lexicon is not None or "lexicon" in changed:  # the file is read again: its words may have changed
            lexicon = await loop.run_in_executor(None, UserLexicon.load, fresh.lexicon) if fresh.lexicon else None
        relexed = state.reload(fresh, catalog, lexicon)
    except (ConfigError, VoiceError, RequestError, ValueError) as err:
        text = err.text if isinstance(err, RequestError) else str(err)
        _LOGGER.error("Reload failed, the settings stay as they were: %s", text)
    except Exception:  # the server goes on with what it had; systemd hears READY again below
        _LOGGER.exception("Reload failed, the settings stay as they were")
    else:
        if "log_level" in changed:
            set_level(fresh.log_level)
        if restart_keys:
            _LOGGER.warning("Reload: %s changed in the file; that takes a restart", ", ".join(restart_keys))
        if relexed:
            _LOGGER.info("Reloaded the lexicon %s: %d word(s)", fresh.lexicon, lexicon.size if lexicon else 0)
        if changed:
            _LOGGER.info(
                "Reloaded: %s", "; ".join(f"{key} {_show(current, key)} -> {_show(fresh, key)}" for key in changed)
            )
        elif not relexed:
            _LOGGER.info("Reloaded: nothing changed")
    notifier.ready()


def _show(settings: Settings, key: str) -> str:
    value = getattr(settings, key)
    if value is None:
        return "unset"
    return "(set, not shown)" if key in SECRETS else repr(str(value))


async def _drain(state: ServerState, grace: float) -> None:
    """Let the requests in flight finish within ``grace`` seconds, then cut the rest: each client is told
    (an ``error`` with the code shutting-down, and the audio-stop of audio it was hearing)."""
    pending = set(state.requests)
    if not pending:
        return
    done, pending = await asyncio.wait(pending, timeout=grace)
    if pending:
        state.stopping = True
        state.metrics.cut.inc(len(pending))
        _LOGGER.warning(
            "Cutting %d request(s) still running after %.1f s (shutdown_grace); their clients are told "
            "shutting-down", len(pending), grace,
        )
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=_LAST_WORDS_SECONDS)

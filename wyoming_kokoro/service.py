"""Running the server as a service: warm up, listen, advertise, and stop cleanly on SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable
from functools import partial
from urllib.parse import urlparse

from wyoming.server import AsyncServer, AsyncStdioServer

from .config import ConfigError, Settings
from .discovery import Advertiser, advertised_host, default_service_name
from .engine.voices import VoiceCatalog, VoiceError
from .g2p import UserLexicon
from .languages import find_language
from .logs import set_level
from .server import KokoroHandler, KokoroServer, RequestError
from .systemd import Notifier

_LOGGER = logging.getLogger(__name__)


def warm_up(server: KokoroServer) -> float:
    """One inference through the whole path (G2P, tokens, model), so the first request pays no first-run cost;
    and the G2P of every language given a voice in the settings, so its first request does not load it.
    (The other languages load on their first request: a G2P costs memory, English's and Chinese's 150 MB or more.)"""
    started = time.perf_counter()
    voice = server.default_voice
    pipeline = server.pipeline
    pipeline.synthesize_piece("Ready.", voice, voice.language, 1.0)
    if pipeline.windowed:  # small windows too, which also measures the decoder's cost per frame
        stream = pipeline.synthesizer.stream("Ready when you are.", voice)
        while not stream.done:
            pipeline._window_step(stream, lambda: None, urgent=True)
    for code in server.settings.language_voices:
        language = find_language(code)
        if language != voice.language:
            server.pipeline.synthesizer.phonemize("Ready.", language)
    return time.perf_counter() - started


async def serve(
    server: KokoroServer,
    settings: Settings,
    reload_settings: Callable[[Settings], Settings] | None = None,
    notifier: Notifier | None = None,
) -> int:
    """Serve until SIGTERM or SIGINT; then stop accepting, give requests in flight ``shutdown_grace`` seconds,
    unregister from zeroconf and return 0. SIGHUP reloads the settings that can change without a restart."""
    notifier = notifier or Notifier()
    uri = settings.uri
    result = urlparse(uri)
    wyoming_server = AsyncServer.from_uri(uri)
    handler_factory = partial(KokoroHandler, server)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    if reload_settings is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError, AttributeError):
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(reload(server, reload_settings, notifier)))
    watchdog = asyncio.create_task(notifier.watchdog())

    if isinstance(wyoming_server, AsyncStdioServer):
        _LOGGER.info("Serving on standard input and output")
        notifier.ready("serving on standard input and output")
        runner = asyncio.create_task(wyoming_server.run(handler_factory))
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        notifier.stopping()
        await _drain(server, settings.shutdown_grace)
        runner.cancel()
        watchdog.cancel()
        server.pipeline.scheduler.shutdown()
        return 0

    await wyoming_server.start(handler_factory)
    _LOGGER.info("Serving on %s", uri)

    advertiser = None
    if settings.zeroconf is not None and result.scheme == "tcp":
        try:
            advertiser = Advertiser(
                settings.zeroconf or default_service_name(),
                advertised_host(result.hostname or "", settings.zeroconf_host),
                result.port or 0,
            )
            await advertiser.register()
        except Exception as err:  # discovery is a convenience: the server goes on without it
            _LOGGER.error("Zeroconf registration failed (%s: %s); serving without discovery", type(err).__name__, err)
            advertiser = None
    elif settings.zeroconf is not None:
        _LOGGER.warning("Zeroconf needs a tcp:// URI; not advertising %s", uri)
    notifier.ready(f"serving on {uri}")

    await stop.wait()
    notifier.stopping()
    _LOGGER.info("Stopping: no new connections; %d request(s) in flight", len(server.requests))
    listener = getattr(wyoming_server, "_server", None)
    if listener is not None:
        listener.close()
    await _drain(server, settings.shutdown_grace)
    if advertiser is not None:
        await advertiser.unregister()
    await wyoming_server.stop()
    watchdog.cancel()
    server.pipeline.scheduler.shutdown()
    _LOGGER.info("Stopped")
    return 0


async def reload(server: KokoroServer, reload_settings: Callable[[Settings], Settings], notifier: Notifier) -> None:
    """SIGHUP: read the settings again and apply what can change without a restart (default voice, voices per
    language, extra voices folder, user lexicon, which is read again even when its path stays, G2P backends, log
    level). A bad file is reported and the old settings stay."""
    notifier.reloading()
    current = server.settings
    try:
        fresh, restart_keys = reload_settings(current)
        changed = current.changed(fresh)
        loop = asyncio.get_running_loop()
        catalog = None
        if "voices" in changed:
            catalog = await loop.run_in_executor(None, VoiceCatalog.load, fresh.voices)
        g2p = server.pipeline.synthesizer.g2p
        lexicon = g2p.lexicon
        if fresh.lexicon is not None or "lexicon" in changed:  # the file is read again: its words may have changed
            lexicon = await loop.run_in_executor(None, UserLexicon.load, fresh.lexicon) if fresh.lexicon else None
        server.apply(fresh, catalog)
        relexed = (lexicon or None) != (g2p.lexicon or None)
        if relexed or "g2p" in changed:
            g2p.configure(lexicon, fresh.g2p)
    except (ConfigError, VoiceError, RequestError, ValueError) as err:
        text = err.text if isinstance(err, RequestError) else str(err)
        _LOGGER.error("Reload failed, the settings stay as they were: %s", text)
    else:
        if "log_level" in changed:
            set_level(fresh.log_level)
        if restart_keys:
            _LOGGER.warning("Reload: %s changed in the file; that takes a restart", ", ".join(restart_keys))
        if relexed:
            _LOGGER.info("Reloaded the lexicon %s: %d word(s)", fresh.lexicon, lexicon.size if lexicon else 0)
        if changed:
            _LOGGER.info(
                "Reloaded: %s", "; ".join(f"{key} {_show(getattr(current, key))} -> {_show(getattr(fresh, key))}"
                                         for key in changed)
            )
        elif not relexed:
            _LOGGER.info("Reloaded: nothing changed")
    notifier.ready()


def _show(value) -> str:
    return repr(str(value)) if value is not None else "unset"


async def _drain(server: KokoroServer, grace: float) -> None:
    """Let the requests in flight finish within ``grace`` seconds, then cancel the rest."""
    pending = set(server.requests)
    if not pending:
        return
    done, pending = await asyncio.wait(pending, timeout=grace)
    if pending:
        _LOGGER.warning("Cancelling %d request(s) still running after %.1f s", len(pending), grace)
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=1.0)

"""Running the server as a service: warm up, listen, advertise, and stop cleanly on SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from functools import partial
from urllib.parse import urlparse

from wyoming.server import AsyncServer, AsyncStdioServer

from .discovery import Advertiser, advertised_host, default_service_name
from .languages import find_language
from .server import KokoroHandler, KokoroServer

_LOGGER = logging.getLogger(__name__)


def warm_up(server: KokoroServer) -> float:
    """One inference through the whole path (G2P, tokens, model), so the first request pays no first-run cost;
    and the G2P of every language given a voice in the settings, so its first request does not load it.
    (The other languages load on their first request: a G2P costs memory, English's and Chinese's 150 MB or more.)"""
    started = time.perf_counter()
    voice = server.default_voice
    server.pipeline.synthesize_piece("Ready.", voice, voice.language, 1.0, last=True)
    for code in server.settings.language_voices:
        language = find_language(code)
        if language != voice.language:
            server.pipeline.synthesizer.phonemize("Ready.", language)
    return time.perf_counter() - started


def parse_uri(uri: str) -> tuple[str, str | None, int | None]:
    """(scheme, host, port) of a server URI; ValueError naming the URI when it is not one we can serve."""
    result = urlparse(uri)
    if result.scheme == "tcp":
        try:
            port = result.port
        except ValueError:
            port = None
        if result.hostname is None or port is None:
            raise ValueError(f"bad --uri {uri!r}: a tcp URI needs a host and a port, like tcp://0.0.0.0:10200")
        return "tcp", result.hostname, port
    if result.scheme == "unix":
        if not result.path:
            raise ValueError(f"bad --uri {uri!r}: a unix URI needs a path, like unix:///run/wyoming-kokoro.sock")
        return "unix", None, None
    if result.scheme == "stdio":
        return "stdio", None, None
    raise ValueError(f"bad --uri {uri!r}: expected tcp://HOST:PORT, unix://PATH or stdio://")


async def serve(
    server: KokoroServer,
    uri: str,
    zeroconf_name: str | None = None,
    zeroconf_host: str | None = None,
    shutdown_grace: float = 5.0,
) -> int:
    """Serve until SIGTERM or SIGINT; then stop accepting, give requests in flight ``shutdown_grace`` seconds,
    unregister from zeroconf and return 0."""
    scheme, host, port = parse_uri(uri)
    wyoming_server = AsyncServer.from_uri(uri)
    handler_factory = partial(KokoroHandler, server)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)

    if isinstance(wyoming_server, AsyncStdioServer):
        _LOGGER.info("Serving on standard input and output")
        runner = asyncio.create_task(wyoming_server.run(handler_factory))
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        await _drain(server, shutdown_grace)
        runner.cancel()
        server.pipeline.scheduler.shutdown()
        return 0

    await wyoming_server.start(handler_factory)
    _LOGGER.info("Serving on %s", uri)

    advertiser = None
    if zeroconf_name is not None and scheme == "tcp":
        assert port is not None and host is not None
        try:
            advertiser = Advertiser(
                zeroconf_name or default_service_name(), advertised_host(host, zeroconf_host), port
            )
            await advertiser.register()
        except Exception as err:  # discovery is a convenience: the server goes on without it
            _LOGGER.error("Zeroconf registration failed (%s: %s); serving without discovery", type(err).__name__, err)
            advertiser = None
    elif zeroconf_name is not None:
        _LOGGER.warning("Zeroconf needs a tcp:// URI; not advertising %s", uri)

    await stop.wait()
    _LOGGER.info("Stopping: no new connections; %d request(s) in flight", len(server.requests))
    listener = getattr(wyoming_server, "_server", None)
    if listener is not None:
        listener.close()
    await _drain(server, shutdown_grace)
    if advertiser is not None:
        await advertiser.unregister()
    await wyoming_server.stop()
    server.pipeline.scheduler.shutdown()
    _LOGGER.info("Stopped")
    return 0


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

"""The health check against nothing, a silent server, and tiny real Wyoming servers.

The servers run on an event loop in a background thread, so that ``main`` can run
its own ``asyncio.run`` in the test's thread, as it does under Docker or Kubernetes.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from wyoming.event import Event
from wyoming.info import Attribution, Describe, Info, TtsProgram, TtsVoice
from wyoming.server import AsyncEventHandler, AsyncTcpServer

from wyoming_kokoro.health_check import main

ATTRIBUTION = Attribution(name="test", url="https://example.invalid")
VOICE = TtsVoice(
    name="af_heart", attribution=ATTRIBUTION, installed=True, description=None, version=None, languages=["en-us"]
)


def _info(voices: list[TtsVoice]) -> Info:
    program = TtsProgram(
        name="kokoro", attribution=ATTRIBUTION, installed=True, description=None, version=None, voices=voices
    )
    return Info(tts=[program])


class BackgroundLoop:
    """An event loop in a daemon thread; ``run(coro)`` waits for a coroutine on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro, timeout: float = 10.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


@pytest.fixture
def background() -> Iterator[BackgroundLoop]:
    loop = BackgroundLoop()
    yield loop
    loop.close()


def _serve(background: BackgroundLoop, info: Info) -> tuple[str, AsyncTcpServer]:
    """Start a Wyoming server answering Describe with ``info`` (a ping first, to be ignored)."""

    class Handler(AsyncEventHandler):
        async def handle_event(self, event: Event) -> bool:
            if Describe.is_type(event.type):
                await self.write_event(Event(type="ping"))
                await self.write_event(info.event())
            return True

    server = AsyncTcpServer("127.0.0.1", 0)

    async def start() -> int:
        await server.start(Handler)
        return server._server.sockets[0].getsockname()[1]  # pylint: disable=protected-access

    port = background.run(start())
    return f"tcp://127.0.0.1:{port}", server


@pytest.fixture
def serve(background) -> Iterator:
    servers: list[AsyncTcpServer] = []

    def start(info: Info) -> str:
        uri, server = _serve(background, info)
        servers.append(server)
        return uri

    yield start
    for server in servers:
        background.run(server.stop())


def test_nothing_listening_fails_fast(capsys):
    with socket.socket() as sock:  # bound but not listening: connecting is refused
        sock.bind(("127.0.0.1", 0))
        uri = f"tcp://127.0.0.1:{sock.getsockname()[1]}"
        start = time.monotonic()
        assert main(["--uri", uri]) == 1
        assert time.monotonic() - start < 2
    assert "connection refused" in capsys.readouterr().err


def test_silent_server_times_out(background, capsys):
    async def start() -> asyncio.Server:
        return await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)

    server = background.run(start())
    try:
        port = server.sockets[0].getsockname()[1]
        start_time = time.monotonic()
        assert main(["--uri", f"tcp://127.0.0.1:{port}", "--timeout", "0.5"]) == 1
        assert time.monotonic() - start_time < 3
    finally:
        background.loop.call_soon_threadsafe(server.close)
    assert "timeout" in capsys.readouterr().err


def test_server_with_a_voice_is_healthy(serve, capsys):
    assert main(["--uri", serve(_info([VOICE]))]) == 0
    assert "1 voice" in capsys.readouterr().out


def test_server_without_voices_is_unhealthy(serve, capsys):
    assert main(["--uri", serve(_info([]))]) == 1
    assert "no voices" in capsys.readouterr().err


def test_server_without_tts_is_unhealthy(serve, capsys):
    assert main(["--uri", serve(Info())]) == 1
    assert "no TTS program" in capsys.readouterr().err


def test_module_entry_point(serve):
    uri = serve(_info([VOICE]))
    run = subprocess.run(
        [sys.executable, "-m", "wyoming_kokoro.health_check", "--uri", uri, "--timeout", "5"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert run.returncode == 0, run.stderr

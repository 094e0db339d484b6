"""The real server as a subprocess, for the end-to-end tests.

``start_server(log_dir, *options)`` runs ``python -m wyoming_kokoro`` on a free port of 127.0.0.1 (or the
``--uri`` given), with its stderr in a file of ``log_dir``, and returns once the server answers ``describe``.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

from wyoming.client import AsyncClient
from wyoming.info import Describe, Info

READY_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
_counter = itertools.count(1)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServerProcess:
    proc: subprocess.Popen
    uri: str
    port: int | None
    log_path: pathlib.Path
    http: str | None = None  # the HTTP side's base URL, when started with one

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, then SIGKILL if it does not exit within ``timeout`` seconds; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode


async def _describe(uri: str, timeout: float) -> Info | None:
    async def ask() -> Info | None:
        async with AsyncClient.from_uri(uri) as client:
            await client.write_event(Describe().event())
            while True:
                event = await client.read_event()
                if event is None:
                    return None
                if Info.is_type(event.type):
                    return Info.from_event(event)

    return await asyncio.wait_for(ask(), timeout)


def start_server(log_dir: pathlib.Path, *options: str, uri: str | None = None,
                 timeout: float = READY_TIMEOUT, env: dict[str, str] | None = None,
                 describe: bool = True) -> ServerProcess:
    """Start a server with ``options`` (after the test defaults: cpu, 2 threads) and wait until it describes
    itself. Fails (RuntimeError with the server's stderr) when it exits or is not ready within ``timeout``."""
    port = None
    if uri is None:
        port = free_port()
        uri = f"tcp://127.0.0.1:{port}"
    log_path = pathlib.Path(log_dir) / f"server-{os.getpid()}-{next(_counter)}.log"
    command = [sys.executable, "-m", "wyoming_kokoro", "--uri", uri, "--provider", "cpu",
               "--intra-op-threads", "2", "--log-level", "INFO", "--log-format", "json", *options]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                                env=None if env is None else {**os.environ, **env})
    server = ServerProcess(proc, uri, port, log_path)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(
                f"server {' '.join(command)} exited with code {proc.returncode} before it was ready:\n"
                + server.log_text()
            )
        if "Serving on" in server.log_text():
            if not describe:  # (a server that refuses this client: its log line must do)
                return server
            try:
                if asyncio.run(_describe(uri, 5.0)) is not None:
                    return server
            except (OSError, asyncio.TimeoutError):
                pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"server not ready within {timeout:.0f} s:\n" + server.log_text())
        time.sleep(0.1)


def start_http_server(log_dir: pathlib.Path, key: str, *options: str) -> ServerProcess:
    """:func:`start_server` with its HTTP side on a free port of 127.0.0.1 (``.http``: its base URL) and ``key``
    as its api_key."""
    port = free_port()
    server = start_server(log_dir, "--http-uri", f"tcp://127.0.0.1:{port}", "--api-key", key, *options)
    server.http = f"http://127.0.0.1:{port}"
    return server

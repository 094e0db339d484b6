"""Hostile LAN clients against a real server: each case of the hostile-client issue replayed, one row each.

    python bench/bench_hostile.py [--case NAME ...] [--server-option=--flag --server-option=value ...]

The Wyoming port has no authentication, so any device on the LAN is a client. For each case the script prints
what the server answered (its error code, or served), whether the connection was closed, whether the server is
alive, how long a ``describe`` from another client took right after, and how the server's resident memory moved
(RSS after the case minus before, and the peak so far). tests/test_hostile.py runs the same cases and holds
each to a clean outcome.

Timeouts are shortened for the run (``--idle-timeout 3 --frame-timeout 2``) so the held-socket cases end in
seconds, and the audio cache is off; everything else is the server as it ships.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from wyoming.event import async_read_event

#: The server's flags for the run: held sockets end in seconds, and no reply comes from the audio cache (a
#: client's time to first audio alone and under siege compare the same work).
TIMEOUTS = ("--idle-timeout", "3", "--frame-timeout", "2", "--cache-size", "0")
#: Seconds a case waits for the server's answer.
ANSWER_SECONDS = 10.0
#: An address of the loopback network other than 127.0.0.1, for the well-behaved client while the hostile ones
#: come from 127.0.0.1 (Linux routes all of 127.0.0.0/8 to the loopback interface).
OTHER_HOST = "127.0.0.2"


@dataclass
class Answer:
    """What a connection got back: the types of its events (``error:CODE`` for errors) and whether the server
    closed it."""

    events: list[str]
    closed: bool
    seconds: float

    def __str__(self) -> str:
        seen = []
        for event in self.events:  # audio-chunk x 120 is one entry
            if seen and seen[-1][0] == event:
                seen[-1][1] += 1
            else:
                seen.append([event, 1])
        shown = ", ".join(f"{e} x{n}" if n > 1 else e for e, n in seen) or "nothing"
        return f"{shown}; {'closed' if self.closed else 'open'}"


async def answer(reader: asyncio.StreamReader, until: Callable[[list[str]], bool] | None = None,
                 timeout: float = ANSWER_SECONDS) -> Answer:
    """Read the server's events until it closes, ``until(events)`` holds, or ``timeout`` passes."""
    events: list[str] = []
    started = time.perf_counter()
    deadline = started + timeout
    closed = False
    while time.perf_counter() < deadline:
        try:
            event = await asyncio.wait_for(async_read_event(reader), deadline - time.perf_counter())
        except (asyncio.TimeoutError, ConnectionError):
            closed = not isinstance(sys.exc_info()[1], asyncio.TimeoutError)
            break
        if event is None:
            closed = True
            break
        events.append(f"error:{event.data.get('code')}" if event.type == "error" else event.type)
        if until is not None and until(events):  # then a moment more: does the server close?
            deadline = min(deadline, time.perf_counter() + 0.3)
            until = None
    return Answer(events, closed, time.perf_counter() - started)


def _ended(events: list[str]) -> bool:
    return bool(events) and (events[-1] in ("audio-stop", "synthesize-stopped") or events[-1].startswith("error"))


async def send(host: str, port: int, data: bytes, until=_ended, timeout: float = ANSWER_SECONDS) -> Answer:
    """Send ``data`` on a new connection and read the answer."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(data)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        return await answer(reader, until, timeout)
    finally:
        writer.close()


def frame(event_type: str, data=None, *, inline: dict | None = None, data_bytes: bytes | None = None,
          **header) -> bytes:
    """A Wyoming frame: the header line (``inline`` data in it), then ``data`` as JSON (or ``data_bytes``)."""
    body = data_bytes if data_bytes is not None else (json.dumps(data).encode() if data is not None else b"")
    head = {"type": event_type, **({"data": inline} if inline is not None else {}), **header}
    if body:
        head.setdefault("data_length", len(body))
    return json.dumps(head).encode() + b"\n" + body


def synthesize(text: str = "Hello.", **voice) -> bytes:
    return frame("synthesize", {"text": text, **({"voice": voice} if voice else {})})


# -- the cases: each returns what it saw, in a few words ----------------------------------------------------------


async def huge_payload(host: str, port: int) -> str:
    """A header announcing a 2 GB payload, then 128 MiB of zeros (the server must read none of it)."""
    reader, writer = await asyncio.open_connection(host, port)
    sent = 0
    try:
        writer.write(frame("synthesize", {"text": "Hi."}, payload_length=2_000_000_000))
        zeros = bytes(1 << 20)
        with contextlib.suppress(ConnectionError):
            for _ in range(128):
                writer.write(zeros)
                await asyncio.wait_for(writer.drain(), 5)
                sent += len(zeros)
    except asyncio.TimeoutError:
        pass
    try:
        got = await answer(reader, timeout=3)
    finally:
        writer.close()
    return f"{got} ({sent >> 20} MiB sent before the server closed)"


async def cut_short(host: str, port: int) -> str:
    """A header announcing 100 bytes of data, 10 of them, then the end of the stream."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b'{"type": "synthesize", "data_length": 100}\n{"text": "')
    await writer.drain()
    writer.write_eof()
    try:
        return str(await answer(reader))
    finally:
        writer.close()


async def held_sockets(host: str, port: int, count: int = 200, partial: bool = True) -> str:
    """``count`` connections that send half a header (or nothing) and stay silent; meanwhile a client from
    another address asks for speech. How many the server closed, and how long that client waited."""
    alone = await first_audio(OTHER_HOST, port)
    opened = []
    started = time.perf_counter()
    for _ in range(count):
        with contextlib.suppress(OSError):
            reader, writer = await asyncio.open_connection(host, port)
            if partial:
                writer.write(b'{"type": "synth')
            opened.append((reader, writer))
    await asyncio.sleep(0.2)
    served = await first_audio(OTHER_HOST, port)
    closed = 0
    for reader, _ in opened:
        with contextlib.suppress(asyncio.TimeoutError, ConnectionError):
            while await asyncio.wait_for(reader.read(65536), max(0.1, 30 - (time.perf_counter() - started))):
                pass
            closed += 1
    for _, writer in opened:
        writer.close()
    return (f"{len(opened)} opened, {closed} closed by the server within {time.perf_counter() - started:.1f} s; "
            f"a client from {OTHER_HOST} meanwhile: {served} (alone: {alone})")


async def first_audio(host: str, port: int, text: str = "The kitchen light is on.") -> str:
    """Speech for a well-behaved client: its first audio's time, or what it got instead."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(host, 0))
    try:
        writer.write(synthesize(text))
        await writer.drain()
        got = await answer(reader, until=lambda events: _ended(events) or "audio-chunk" in events)
        if "audio-chunk" in got.events:
            first = time.perf_counter() - started
            got = await answer(reader)
            return f"first audio in {first * 1000:.0f} ms, then {'audio-stop' if 'audio-stop' in got.events else got}"
        return str(got)
    finally:
        writer.close()


#: A text whose audio (about 90 s) fills a socket's buffers.
LONG_TEXT = "This sentence is long enough to fill a socket with its audio. " * 40


async def never_reads(host: str, port: int, request: bytes = synthesize(LONG_TEXT)) -> str:
    """A long text asked for (or ``request``), and the answer never read: the server gives up writing and frees
    the request."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(request)
    await writer.drain()
    started = time.perf_counter()
    try:
        # Read nothing until the server has closed (the read returns what was buffered, then the end).
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(_closed_by_peer(writer), 120)
        return f"closed by the server after {time.perf_counter() - started:.1f} s"
    finally:
        writer.close()


async def _closed_by_peer(writer: asyncio.StreamWriter) -> None:
    """Returns once the server has closed its side, seen without reading (the socket's TCP state)."""
    sock = writer.get_extra_info("socket")
    while True:
        await asyncio.sleep(0.5)
        state = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]
        if state in (7, 8, 9):  # TCP_CLOSE, TCP_CLOSE_WAIT, TCP_LAST_ACK
            return


def _blend(parts: int) -> str:
    return ",".join(["af_heart:1"] * parts)


#: name -> what the client does (host, port) -> what it saw
CASES: dict[str, Callable[[str, int], Awaitable[str]]] = {
    # first, a client that behaves: the working set a long reply grows the server to, once (the model's buffers)
    "a long reply, read": lambda h, p: _str(send(h, p, synthesize(LONG_TEXT), timeout=300)),
    "2 GB payload header": huge_payload,
    "header not JSON": lambda h, p: _str(send(h, p, b"hello there\n")),
    "header a JSON list": lambda h, p: _str(send(h, p, b"[1, 2, 3]\n")),
    "header without type": lambda h, p: _str(send(h, p, b'{"data": {"text": "Hi."}}\n')),
    "data_length a string": lambda h, p: _str(send(h, p, b'{"type": "describe", "data_length": "12"}\n')),
    "a header line of 1 MB": lambda h, p: _str(send(h, p, b'{"type": "' + b"x" * 1_000_000)),
    "data a JSON list": lambda h, p: _str(send(h, p, frame("describe", data_bytes=b"[1, 2]"))),
    "synthesize data a list": lambda h, p: _str(send(h, p, frame("synthesize", data_bytes=b'["Hi."]'))),
    "frame cut short": cut_short,
    "blend of 20,000 parts": lambda h, p: _str(send(h, p, synthesize(name=_blend(20_000)))),
    "blend of 100,000 parts": lambda h, p: _str(send(h, p, synthesize(name=_blend(100_000)))),
    "voice name a number": lambda h, p: _str(send(h, p, synthesize(name=42))),
    "language a list": lambda h, p: _str(send(h, p, synthesize(language=["en"]))),
    "text a list": lambda h, p: _str(send(h, p, frame("synthesize", {"text": ["Hi."]}))),
    "100 requests on one connection": lambda h, p: _str(send(h, p, synthesize("One.") * 100, until=None, timeout=5)),
    "terminal escapes in the text": lambda h, p: _str(send(h, p, synthesize("\x1b[31mError\x1b[0m: the door is open."))),
    "200 half headers, held": held_sockets,
    "50 silent connections": lambda h, p: held_sockets(h, p, 50, partial=False),
    "audio never read": never_reads,
    "describe asked, never read": lambda h, p: never_reads(h, p, frame("describe") * 20_000),
}


async def _str(answer_: Awaitable[Answer]) -> str:
    return str(await answer_)


# -- the server, and a row per case ----------------------------------------------------------------------------


def rss_mb(pid: int, key: str = "VmRSS") -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


async def describe_ms(port: int, host: str = OTHER_HOST) -> float | None:
    """Milliseconds a describe takes from another address (``host``, of the loopback network); None when it is
    not answered within 5 s."""
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(host, 0))
    except OSError:
        return None
    try:
        writer.write(frame("describe"))
        while (event := await asyncio.wait_for(async_read_event(reader), 5)) is not None:
            if event.type == "info":
                return (time.perf_counter() - started) * 1000
        return None
    except (asyncio.TimeoutError, ConnectionError):
        return None
    finally:
        writer.close()


def start(options: list[str], log: Path) -> tuple[subprocess.Popen, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "wyoming_kokoro", "--uri", f"tcp://127.0.0.1:{port}", *TIMEOUTS, *options]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=log.open("wb"))
    deadline = time.monotonic() + 120
    while asyncio.run(describe_ms(port, "127.0.0.1")) is None:
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the server did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.5)
    return process, port


async def run_case(name: str, pid: int, port: int) -> dict:
    before = rss_mb(pid)
    try:
        outcome = await CASES[name]("127.0.0.1", port)
    except Exception as err:  # the client's side failed: that is an outcome too
        outcome = f"client failed: {type(err).__name__}: {err}"
    await asyncio.sleep(0.5)
    latency = await describe_ms(port)
    after = rss_mb(pid)
    return {"case": name, "outcome": outcome, "alive": latency is not None, "describe_ms": latency,
            "rss_delta_mb": None if before is None or after is None else after - before,
            "peak_mb": rss_mb(pid, "VmHWM")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", action="append", choices=list(CASES), help="a case to run (default: all)")
    parser.add_argument("--server-option", action="append", default=[], help="a flag for the server")
    parser.add_argument("--log", type=Path, default=Path("bench-hostile-server.log"))
    parser.add_argument("--json", type=Path, help="write the rows here too")
    args = parser.parse_args()
    process, port = start(args.server_option, args.log)
    try:
        ready = rss_mb(process.pid)
        print(f"server ready: RSS {ready:.0f} MB")
        print(f"{'case':32} {'alive':5} {'describe':>9} {'RSS +MB':>8} {'peak MB':>8}  outcome")
        rows = []
        for name in args.case or CASES:
            row = asyncio.run(run_case(name, process.pid, port))
            rows.append(row)
            describe = f"{row['describe_ms']:.0f} ms" if row["describe_ms"] is not None else "-"
            print(f"{name:32} {'yes' if row['alive'] else 'NO':5} {describe:>9} {row['rss_delta_mb']:>+8.1f} "
                  f"{row['peak_mb']:>8.0f}  {row['outcome']}", flush=True)
        final = rss_mb(process.pid)
        print(f"after all cases: RSS {final:.0f} MB ({final - ready:+.0f} MB since ready), peak {rss_mb(process.pid, 'VmHWM'):.0f} MB")
        log = args.log.read_text(errors="replace")
        print(f"server log: {log.count('Traceback')} tracebacks, {sum(1 for line in log.splitlines() if 'warning' in line.lower())} warnings, {len(log.splitlines())} lines")
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1))
    finally:
        process.terminate()
        process.wait(30)


if __name__ == "__main__":
    main()

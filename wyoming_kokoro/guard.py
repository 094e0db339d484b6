"""What any device on the LAN can send, bounded: the Wyoming port has no authentication, so every frame is read
as if hostile.

:func:`read_frame` reads one Wyoming frame (a JSON header line, then ``data_length`` bytes of JSON data, then
``payload_length`` bytes of payload) within :class:`FrameLimits`, and raises :class:`BadFrame` with a short
reason for anything else: a header that is not a JSON object, a field of the wrong type, a length over its limit
(checked before a byte of it is read, so a header announcing 2 GB costs nothing), a frame cut short. The
``wyoming`` library's reader trusts the header and lets every such case escape as a traceback.

:class:`ConnectionCaps` counts open connections, in all and per client address, and :class:`Throttle` keeps a
client that misbehaves in a loop from filling the journal.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass

from wyoming.event import Event

from .errors import shown

#: Bytes a header line and a data part may take for each character of the longest text a request may have: a
#: character written as a JSON escape (``\\ud83d\\ude00``: an emoji in two) takes up to 12.
BYTES_PER_CHARACTER = 12
#: Bytes a header or data part may take beyond its text (the event's other fields).
FRAME_OVERHEAD = 4096


class BadFrame(Exception):
    """A frame that breaks the protocol or a limit; ``reason`` says how, in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IdleTimeout(Exception):
    """No frame began within the time a connection may stay idle."""


@dataclass(frozen=True)
class FrameLimits:
    header: int  # bytes of the header line, its newline included
    data: int  # bytes of the data part
    payload: int = 0  # bytes of payload (a TTS server receives no audio)
    frame_seconds: float = 10.0  # a frame's bytes, once the first has come, must all come within this

    @classmethod
    def for_text(cls, max_text_length: int, payload: int = 0, frame_seconds: float = 10.0,
                 frame_bytes: int = 0) -> "FrameLimits":
        """Limits that let through the longest text a request may have (``max_text_length`` characters) and
        little more; ``frame_bytes`` (not 0) sets the header's and the data's limit instead."""
        size = frame_bytes or BYTES_PER_CHARACTER * max_text_length + FRAME_OVERHEAD
        return cls(header=size, data=size, payload=payload, frame_seconds=frame_seconds)


def _length(header: dict, key: str, limit: int) -> int:
    value = header.get(key)
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadFrame(f"{key} is {shown(value, 20)}, not a whole number of bytes")
    if value > limit:
        raise BadFrame(f"{key} of {value} bytes is over the limit of {limit}")
    return value


def _object(raw: bytes, what: str) -> dict:
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise BadFrame(f"{what} is not JSON") from None
    except RecursionError:
        raise BadFrame(f"{what} is nested too deep") from None
    if not isinstance(value, dict):
        raise BadFrame(f"{what} is a JSON {type(value).__name__ if value is not None else 'null'}, not an object")
    return value


async def read_frame(reader: asyncio.StreamReader, limits: FrameLimits, idle: float | None = None) -> Event | None:
    """The next event from ``reader``; None at the end of the stream (between frames). Raises
    :class:`IdleTimeout` when no frame begins within ``idle`` seconds (None: no limit), and :class:`BadFrame`
    for a frame that breaks the protocol or ``limits``, a frame cut short, or one that takes longer than
    ``limits.frame_seconds``."""
    # (A socket's own errors are OSErrors, ETIMEDOUT a TimeoutError among them: only a timeout of ours that
    # expired is one; the others go to the caller, as a client gone.)
    scope = asyncio.timeout(idle)
    try:
        async with scope:
            first = await reader.read(1)
    except TimeoutError:
        if scope.expired():
            raise IdleTimeout() from None
        raise
    if not first:
        return None
    scope = asyncio.timeout(limits.frame_seconds)
    try:
        async with scope:
            return await _rest_of_frame(first, reader, limits)
    except TimeoutError:
        if scope.expired():
            raise BadFrame(f"a frame took longer than {limits.frame_seconds:g} s to arrive") from None
        raise
    except asyncio.IncompleteReadError:
        raise BadFrame("the frame was cut short") from None


async def _rest_of_frame(first: bytes, reader: asyncio.StreamReader, limits: FrameLimits) -> Event:
    if first == b"\n":
        raise BadFrame("an empty header line")
    try:
        line = first + await reader.readuntil(b"\n")
    except asyncio.LimitOverrunError:
        raise BadFrame(f"a header line over {limits.header} bytes") from None
    if len(line) > limits.header:
        raise BadFrame(f"a header line of {len(line)} bytes is over the limit of {limits.header}")
    header = _object(line, "the header")
    event_type = header.get("type")
    if not isinstance(event_type, str) or not event_type:
        raise BadFrame("the header has no type" if event_type is None else f"the type is {shown(event_type, 20)}")
    data = header.get("data")
    if data is None:
        data = {}
    elif not isinstance(data, dict):
        raise BadFrame(f"the header's data is a JSON {type(data).__name__}, not an object")
    data_length = _length(header, "data_length", limits.data)
    payload_length = _length(header, "payload_length", limits.payload)
    if data_length:
        data = {**data, **_object(await reader.readexactly(data_length), "the data")}
    payload = await reader.readexactly(payload_length) if payload_length else None
    return Event(type=event_type, data=data, payload=payload)


class ConnectionCaps:
    """Open connections, in all and per client address, against their caps (0: no cap)."""

    def __init__(self, total: int, per_client: int) -> None:
        self.total = total
        self.per_client = per_client
        self.open: dict[str, int] = {}
        self.count = 0

    def admit(self, host: str) -> str | None:
        """Count a new connection from ``host`` ("": a unix socket, capped in all only) and return None, or
        return which cap refuses it ("total", "per-client") and count nothing."""
        if self.total and self.count >= self.total:
            return "total"
        if host and self.per_client and self.open.get(host, 0) >= self.per_client:
            return "per-client"
        self.open[host] = self.open.get(host, 0) + 1
        self.count += 1
        return None

    def release(self, host: str) -> None:
        left = self.open.get(host, 0) - 1
        if left > 0:
            self.open[host] = left
        else:
            self.open.pop(host, None)
        self.count = max(0, self.count - 1)


class Throttle:
    """How many lines a key (a client address and what went wrong) may write to the log: ``burst`` lines, then
    one line each ``period`` seconds, which says how many it kept quiet meanwhile."""

    def __init__(self, burst: int = 5, period: float = 60.0, keys: int = 1024) -> None:
        self.burst = burst
        self.period = period
        self._keys = keys
        self._seen: dict[str, tuple[float, int, int]] = {}  # key -> (window start, lines in it, kept quiet)

    def allow(self, key: str, now: float | None = None) -> tuple[bool, int]:
        """Whether a line for ``key`` may go to the log now, and how many lines were kept quiet before it."""
        now = time.monotonic() if now is None else now
        start, lines, quiet = self._seen.get(key, (now, 0, 0))
        if now - start >= self.period:
            start, lines = now, 0
        if lines < self.burst:
            self._remember(key, (start, lines + 1, 0))
            return True, quiet
        self._remember(key, (start, lines, quiet + 1))
        return False, 0

    def _remember(self, key: str, value: tuple[float, int, int]) -> None:
        if key not in self._seen and len(self._seen) >= self._keys:
            self._seen.pop(next(iter(self._seen)))  # the oldest key goes: a bounded memory of a scan of the LAN
        self._seen[key] = value

"""Health check for Docker HEALTHCHECK and Kubernetes probes.

``python -m wyoming_kokoro.health_check [--uri tcp://127.0.0.1:10200] [--timeout 5]``
asks the server to describe itself and exits 0 when it offers a TTS program
with at least one voice, else 1 with a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from wyoming.client import AsyncClient
from wyoming.info import Describe, Info

_LOGGER = logging.getLogger(__name__)

DEFAULT_URI = "tcp://127.0.0.1:10200"
DEFAULT_TIMEOUT = 5.0


class Unhealthy(Exception):
    """The server is not ready to speak; the message says why."""


async def fetch_info(uri: str) -> Info:
    """Connect to ``uri``, send Describe and return the first Info event."""
    async with AsyncClient.from_uri(uri) as client:
        await client.write_event(Describe().event())
        while True:
            event = await client.read_event()
            if event is None:
                raise Unhealthy(f"{uri} closed the connection without sending info")
            if Info.is_type(event.type):
                return Info.from_event(event)


async def check(uri: str, timeout: float) -> str:
    """Return a summary if ``uri`` serves a TTS program with a voice, else raise Unhealthy."""
    try:
        info = await asyncio.wait_for(fetch_info(uri), timeout)
    except TimeoutError as err:
        raise Unhealthy(f"timeout: no info from {uri} within {timeout:g}s") from err
    except ConnectionRefusedError as err:
        raise Unhealthy(f"connection refused: {uri}") from err
    except OSError as err:
        raise Unhealthy(f"cannot connect to {uri}: {err}") from err
    if not info.tts:
        raise Unhealthy(f"{uri} offers no TTS program")
    voices = sum(len(program.voices) for program in info.tts)
    if not voices:
        raise Unhealthy(f"no voices: {uri} offers TTS without voices")
    return f"ok: {uri} offers {voices} voice(s)"


def main(argv: list[str] | None = None) -> int:
    """Run the check; 0 when healthy, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="python -m wyoming_kokoro.health_check", description=__doc__.split("\n")[0])
    parser.add_argument("--uri", default=DEFAULT_URI, help=f"server to check (default: {DEFAULT_URI})")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds to wait in all (default: 5)")
    args = parser.parse_args(argv)
    try:
        summary = asyncio.run(check(args.uri, args.timeout))
    except Unhealthy as err:
        print(f"unhealthy: {err}", file=sys.stderr)
        return 1
    except Exception as err:  # pylint: disable=broad-except  # bad URI, garbled reply: a probe never tracebacks
        print(f"unhealthy: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())

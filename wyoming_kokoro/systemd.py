"""systemd's service notification protocol (sd_notify): READY=1, STOPPING=1, RELOADING=1, WATCHDOG=1, STATUS=.

The protocol is one datagram to the socket named by ``$NOTIFY_SOCKET``; systemd documents it as stable and meant
to be spoken directly, which spares a dependency on libsystemd. Outside systemd every call is a no-op.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time

_LOGGER = logging.getLogger(__name__)


class Notifier:
    def __init__(self, environ: dict[str, str] | None = None) -> None:
        environ = os.environ if environ is None else environ
        address = environ.get("NOTIFY_SOCKET") or None
        if address and address.startswith("@"):  # abstract namespace
            address = "\0" + address[1:]
        self.address = address
        watchdog_usec = environ.get("WATCHDOG_USEC")
        watchdog_pid = environ.get("WATCHDOG_PID")
        self.watchdog_seconds: float | None = None
        if watchdog_usec and (not watchdog_pid or watchdog_pid == str(os.getpid())):
            try:
                self.watchdog_seconds = int(watchdog_usec) / 1e6
            except ValueError:
                _LOGGER.warning("Ignoring WATCHDOG_USEC=%r: not a number", watchdog_usec)

    def notify(self, *fields: str) -> bool:
        """Send ``fields`` (like ``READY=1``); False when not under systemd or the send failed."""
        if self.address is None:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.connect(self.address)
                sock.sendall("\n".join(fields).encode())
            return True
        except OSError as err:
            _LOGGER.warning("sd_notify %s failed: %s", ",".join(fields), err)
            return False

    def ready(self, status: str = "") -> bool:
        return self.notify("READY=1", *([f"STATUS={status}"] if status else []))

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def reloading(self) -> bool:
        # systemd 253+ wants the monotonic time with RELOADING=1 (Type=notify-reload); older ones ignore it.
        return self.notify("RELOADING=1", f"MONOTONIC_USEC={time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000}")

    async def watchdog(self) -> None:
        """Ping the watchdog at half its interval for as long as the event loop runs (a stuck loop stops the
        pings, and systemd restarts the service)."""
        if self.watchdog_seconds is None or self.address is None:
            return
        while True:
            self.notify("WATCHDOG=1")
            await asyncio.sleep(self.watchdog_seconds / 2)

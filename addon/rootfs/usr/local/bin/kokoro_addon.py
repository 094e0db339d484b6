"""The add-on's entry point: the options the user set in Home Assistant become the server's flags, the server is
announced to Home Assistant through the Supervisor's discovery API once it answers, and the server runs.

    kokoro_addon.py [--options /data/options.json] [--print]

``--print`` prints the server's command line and exits (what the tests check). Otherwise a helper process
(``--announce``) waits until the server answers ``describe`` and posts ``{"service": "wyoming", "config":
{"uri": "tcp://HOSTNAME:10200"}}`` to the Supervisor, as the official Wyoming add-ons do, and this process
becomes the server (exec), so that it gets SIGTERM from Docker's init itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

OPTIONS = Path("/data/options.json")
SERVER = "/opt/venv/bin/wyoming-kokoro"
PORT = 10200
#: The HTTP side (OpenAI's speech API and the audition page): the Supervisor's ingress reaches the page on it.
HTTP_PORT = 10202
#: Where the audio cache lives: /data is the add-on's own persistent folder.
CACHE_DIR = "/data/cache"
#: Seconds the announcer waits for the server (a slow machine loads the model in a minute or two).
READY_TIMEOUT = 600.0
#: Tries at the Supervisor, and seconds between them (it may be busy starting Home Assistant).
ATTEMPTS, RETRY_SECONDS = 3, 5.0


def server_command(options: dict, port: int = PORT) -> list[str]:
    """The server's command line for the add-on's options (config.yaml's schema; the Supervisor has checked
    their types, the server checks their values and names a bad one)."""
    command = [SERVER, "--uri", f"tcp://0.0.0.0:{port}", "--http-uri", f"tcp://0.0.0.0:{HTTP_PORT}",
               "--cache-dir", CACHE_DIR]
    if options.get("voice"):
        command += ["--voice", str(options["voice"])]
    for entry in options.get("language_voices") or []:
        command += ["--language-voices", f"{entry['language']}={entry['voice']}"]
    if options.get("speed") is not None:
        command += ["--speed", str(options["speed"])]
    if options.get("cache_size") is not None:
        command += ["--cache-size", str(options["cache_size"])]
    if options.get("log_level"):
        command += ["--log-level", str(options["log_level"]).upper()]
    return command


def server_environment(options: dict) -> dict[str, str]:
    """The server's environment beyond the add-on's own: the API key goes there, not on the command line, so
    that neither the log nor a process listing shows it."""
    return {"WYOMING_KOKORO_API_KEY": str(options["api_key"])} if options.get("api_key") else {}


def discovery_message(port: int = PORT, host: str | None = None) -> dict:
    """What the Supervisor is told: the Wyoming service at this add-on's host name (Home Assistant reaches the
    add-on by it on the internal network)."""
    return {"service": "wyoming", "config": {"uri": f"tcp://{host or socket.gethostname()}:{port}"}}


def wait_ready(port: int, timeout: float = READY_TIMEOUT) -> bool:
    """Whether the server answered ``describe`` on ``port`` within ``timeout`` seconds."""
    from wyoming_kokoro.health_check import check

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            asyncio.run(check(f"tcp://127.0.0.1:{port}", 5.0))
            return True
        except Exception:  # not listening yet, or still loading: try again
            time.sleep(1.0)
    return False


def announce(port: int = PORT) -> int:
    """Wait for the server, then post the discovery message to the Supervisor; 0 when it took it."""
    token = os.environ.get("SUPERVISOR_TOKEN")
    if not token:
        log("No SUPERVISOR_TOKEN: not running under Home Assistant's Supervisor, so not announcing the server")
        return 0
    if not wait_ready(port):
        log(f"The server did not answer within {READY_TIMEOUT:.0f} s; not announcing it")
        return 1
    url = os.environ.get("SUPERVISOR_URL", "http://supervisor").rstrip("/") + "/discovery"
    message = discovery_message(port)
    request = urllib.request.Request(
        url, data=json.dumps(message).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                result = json.loads(response.read() or b"{}").get("result", "ok")
        except (OSError, ValueError) as err:
            result = f"failed: {err}"
        if result == "ok":
            log(f"Announced {message['config']['uri']} to Home Assistant")
            return 0
        log(f"Discovery message to Home Assistant {result} (attempt {attempt} of {ATTEMPTS})")
        if attempt < ATTEMPTS:
            time.sleep(RETRY_SECONDS)
    return 1


def log(message: str) -> None:
    print(f"[kokoro add-on] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--options", type=Path, default=OPTIONS, help="the add-on's options (JSON)")
    parser.add_argument("--port", type=int, default=PORT, help=argparse.SUPPRESS)
    parser.add_argument("--print", action="store_true", help="print the server's command line and exit")
    parser.add_argument("--announce", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.announce:
        return announce(args.port)
    options = json.loads(args.options.read_text(encoding="utf-8")) if args.options.exists() else {}
    command = server_command(options, args.port)
    if args.print:
        print(shlex.join(command))
        return 0
    log("Starting: " + shlex.join(command))
    subprocess.Popen([sys.executable, __file__, "--announce", "--port", str(args.port)], start_new_session=True)
    os.execve(command[0], command, {**os.environ, **server_environment(options)})
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())

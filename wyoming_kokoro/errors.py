"""The error codes a client can get (in Wyoming ``error`` events), and the exception that carries one.

One list, so that the server, the voice choice and the documentation name the same codes.
"""

from __future__ import annotations

UNKNOWN_VOICE = "unknown-voice"  # a voice name or blend that is not installed, or malformed
UNKNOWN_LANGUAGE = "unknown-language"  # a language no voice could ever speak
LANGUAGE_UNAVAILABLE = "language-unavailable"  # a known language whose extra is not installed
TEXT_TOO_LONG = "text-too-long"  # over max_text_length
BAD_REQUEST = "bad-request"  # an event with missing or mistyped fields, or a frame that breaks the protocol
SERVER_BUSY = "server-busy"  # queue_size pieces already wait for the model
SYNTHESIS_FAILED = "synthesis-failed"  # anything else that went wrong (logged with its traceback)
TOO_MANY_REQUESTS = "too-many-requests"  # a connection with REQUESTS_PER_CONNECTION requests already in flight
TOO_MANY_CONNECTIONS = "too-many-connections"  # max_connections or max_connections_per_client open already
IDLE_TIMEOUT = "idle-timeout"  # a connection that asked nothing for idle_timeout seconds, closed
SHUTTING_DOWN = "shutting-down"  # the server stopped before the request could finish

#: Characters of a value a client sent that a log line or an error shows (a 200 kB voice name is shown cut).
SHOWN_CHARACTERS = 60


def shown(value: object, limit: int = SHOWN_CHARACTERS) -> str:
    """``value`` as a log line or an error may show it: its repr, cut to about ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


class RequestError(Exception):
    """A request that cannot be served; sent to the client as an ``error`` event with ``code``."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text

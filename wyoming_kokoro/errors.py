"""The error codes a client can get (in Wyoming ``error`` events), and the exception that carries one.

One list, so that the server, the voice choice and the documentation name the same codes.
"""

from __future__ import annotations

UNKNOWN_VOICE = "unknown-voice"  # a voice name or blend that is not installed, or malformed
UNKNOWN_LANGUAGE = "unknown-language"  # a language no voice could ever speak
LANGUAGE_UNAVAILABLE = "language-unavailable"  # a known language whose extra is not installed
TEXT_TOO_LONG = "text-too-long"  # over max_text_length
BAD_REQUEST = "bad-request"  # an event with missing or mistyped fields
SERVER_BUSY = "server-busy"  # queue_size pieces already wait for the model
SYNTHESIS_FAILED = "synthesis-failed"  # anything else that went wrong (logged with its traceback)


class RequestError(Exception):
    """A request that cannot be served; sent to the client as an ``error`` event with ``code``."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text

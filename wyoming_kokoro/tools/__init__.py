"""What the commands do besides serving: speak into a file, show phonemes and spoken text, measure pronunciation,
compare renderings. Nothing here serves a request; the server's packages never import it."""

from __future__ import annotations

import sys


def read_text(text: str | None) -> str:
    """A command's text: the argument, else standard input (not a terminal: nobody would know to type)."""
    if text is not None:
        return text
    if sys.stdin is None or sys.stdin.isatty():
        raise SystemExit("error: give the text as an argument or on standard input")
    return sys.stdin.read()

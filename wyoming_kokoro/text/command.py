"""``wyoming-kokoro normalize``: what a text becomes before it is spoken, and the pieces it is spoken in.

A tool for checking a template or an LLM reply without synthesizing it: the spoken text first, then the
pieces (sentences, the first one cut after its first clause when it is long) one a line.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable

from .normalize import normalize
from .segment import pieces


def add_parser(commands, language_type: Callable[[str], str]) -> argparse.ArgumentParser:
    """Add the ``normalize`` subcommand to ``commands`` (an argparse subparsers object)."""
    parser = commands.add_parser(
        "normalize", help="show what a text becomes before it is spoken, and its sentence pieces",
        description="Print the spoken form of a text (markdown, emoji, URLs, numbers, units, times, dates), "
        "then the pieces it is synthesized in, one a line.",
    )
    parser.add_argument("text", nargs="?", help="the text (default: read from standard input)")
    parser.add_argument("--lang", type=language_type, default="en-us", help="language (default: en-us)")
    parser.set_defaults(run=run)  # main() runs a subcommand's ``run``
    return parser


def run(args: argparse.Namespace) -> int:
    text = args.text
    if text is None:
        if sys.stdin is None or sys.stdin.isatty():
            raise SystemExit("error: give the text as an argument or on standard input")
        text = sys.stdin.read()
    spoken = normalize(text, args.lang)
    print(spoken)
    print()
    for number, piece in enumerate(pieces(spoken, args.lang), 1):
        print(f"{number:3d}  {piece}")
    return 0

"""``wyoming-kokoro normalize``: what a text becomes before it is spoken, and the pieces it is spoken in.

A tool for checking a template or an LLM reply without synthesizing it: the spoken text first, then the
pieces (sentences, the first one cut after its first clause when it is long) one a line.
"""

from __future__ import annotations

import argparse

from ..text.normalize import normalize
from ..text.segment import pieces
from . import read_text


def run_normalize(args: argparse.Namespace) -> int:
    spoken = normalize(read_text(args.text), args.lang)
    print(spoken)
    print()
    for number, piece in enumerate(pieces(spoken, args.lang), 1):
        print(f"{number:3d}  {piece}")
    return 0

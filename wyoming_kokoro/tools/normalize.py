"""``wyoming-kokoro normalize``: what a text becomes before it is spoken, and the pieces it is spoken in.

A tool for checking a template or an LLM reply without synthesizing it: the spoken text first, then each thing
the rules rewrote with its kind (a time, a version, a title, a unit...) and what it is said as, then the pieces
(sentences, the first one cut after its first clause when it is long) one a line.
"""

from __future__ import annotations

import argparse
import difflib
import re

from ..text.normalize import normalize
from ..text.segment import pieces
from . import read_text

# What a rewritten span was, guessed from how it was written (the first that matches).
_KINDS = [
    ("date", re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}")),
    ("time", re.compile(r"\d{1,2}\s?(?::|h\b|h\s?\d{2}|時|点)\s?\d{0,2}|\b\d{1,2}\s?[ap]\.?m\b", re.I)),
    ("version", re.compile(r"\d+(?:\.\d+){2,}|\b[vV]\d|\d-(?:alpha|beta|rc|dev|preview)|^[A-Za-z][\w.-]*\s\d+\.\d+$")),
    ("currency", re.compile(r"[$€£¥₹￥]|\b(?:EUR|USD|GBP|JPY|INR|CHF|BRL|Rs)\b")),
    ("percent", re.compile(r"%")),
    ("temperature", re.compile(r"°")),
    ("unit", re.compile(r"\d\s?[^\W\d_]{1,4}(?:/[^\W\d_]+)?[²³]?\b|^[^\W\d_]{1,4}/[^\W\d_]{1,4}\W?$")),
    ("phone", re.compile(r"\+\d|\d{3}[-. ]\d{3}")),
    ("number", re.compile(r"\d")),
    ("abbreviation", re.compile(r"^[^\W\d_]{1,5}(?:\.[^\W\d_]{0,4})?\.?$")),
]


_CJK_TOKEN = re.compile(r"[\x21-\x7e°€£¥₹￥%²³]+|\s+|.", re.S)


def kind_of(written: str) -> str:
    for kind, pattern in _KINDS:
        if pattern.search(written):
            return kind
    return "text"


def rewrites(written: str, spoken: str, language: str) -> list[tuple[str, str, str]]:
    """(kind, as written, as said) for each span the normalization changed (aligned word by word; character by
    character in Chinese and Japanese, written without spaces)."""
    if language in ("ja", "zh"):  # runs of ASCII (a number with what is written around it), other characters one by one
        before, after, join = _CJK_TOKEN.findall(written), _CJK_TOKEN.findall(spoken), ""
    else:
        before, after, join = written.split(), spoken.split(), " "
    changes = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        if operation == "equal":
            continue
        source, target = join.join(before[i1:i2]).strip(), join.join(after[j1:j2]).strip()
        if source.strip(".,;:!?。、") == target.strip(".,;:!?。、"):
            continue  # only punctuation or spacing moved
        changes.append((kind_of(source) if source else "text", source, target))
    return changes


def run_normalize(args: argparse.Namespace) -> int:
    text = read_text(args.text)
    spoken = normalize(text, args.lang)
    print(spoken)
    changes = rewrites(text, spoken, args.lang)
    if changes:
        print()
        width = max(len(kind) for kind, _, _ in changes)
        for kind, source, target in changes:
            print(f"  {kind:<{width}}  {source or '(nothing)'}  →  {target or '(nothing)'}")
    print()
    for number, piece in enumerate(pieces(spoken, args.lang), 1):
        print(f"{number:3d}  {piece}")
    return 0

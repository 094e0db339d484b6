"""Markdown to the text a listener should hear, with a real CommonMark parser (markdown-it-py).

Assistants answer in markdown; read aloud, its marks are noise ("asterisk asterisk") and its structure is lost
(a list read as one run-on sentence). So: emphasis marks go, a link is its text, a code span is its text, an
HTML tag is dropped, and each heading, list item and table row becomes a sentence of its own, on its own line,
ending with a full stop when it has no final punctuation, so that the sentence splitter cuts there.

Text without markdown passes through: :func:`looks_like_markdown` is a cheap test for any mark that could
change the parse, and a text without one is returned as it is, without parsing.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

_PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])

# Anything that could make CommonMark read a text differently from plain text: inline marks, entities, block
# starts (heading, quote, list item, fence, indented code, setext underline, table row).
_HINT = re.compile(
    r"[*_`\[\]<|~\\]|&#?\w+;|^\s{0,3}(?:#{1,6}(?:\s|$)|>|[-+*]\s|\d{1,9}[.)](?:\s|$)|[=-]+\s*$)|^ {4}|^\t",
    re.M,
)
# Sentence-final marks in the nine languages; a text ending with one (or one and closing quotes) is a sentence.
FINAL_MARKS = ".!?…。！？।"
_CLOSERS = "\"'”’»)]}」』）"
# A clause mark at the end of a heading or list item ("Options:") becomes the full stop.
_TRAILING_CLAUSE_MARK = re.compile(r"[,;:、，；：\s]+$")
_TAG = re.compile(r"<[^>]*>")
_TASK_BOX = re.compile(r"^\[[ xX]\]\s+")


def looks_like_markdown(text: str) -> bool:
    """Whether ``text`` has a mark that CommonMark could read as markup (cheap; false positives are fine)."""
    return _HINT.search(text) is not None


def as_sentence(text: str, full_stop: str = ".") -> str:
    """``text`` ending with sentence-final punctuation: ``full_stop`` added (or put in place of a trailing
    comma, colon or semicolon) when it has none."""
    text = text.strip()
    if not text:
        return ""
    body = text.rstrip(_CLOSERS)
    if body and body[-1] in FINAL_MARKS:
        return text
    return _TRAILING_CLAUSE_MARK.sub("", text) + full_stop


def markdown_to_text(text: str, full_stop: str = ".") -> str:
    """The words of a markdown text, one block (paragraph, heading, list item, table row) a line.

    Paragraphs keep their text and their line breaks; headings, list items and table rows become sentences
    ending with ``full_stop`` (``"。"`` for Chinese and Japanese, ``"।"`` for Hindi) when they have no final
    punctuation. Fenced and indented code is read as its text, HTML blocks without their tags.
    """
    if not looks_like_markdown(text):
        return text
    return "\n".join(line for line in _blocks(_PARSER.parse(text), full_stop) if line.strip())


def _blocks(tokens: list[Token], full_stop: str) -> list[str]:
    blocks: list[str] = []
    sentences = 0  # inside a heading or a list item: each paragraph there is a sentence
    lists: list[bool] = []  # for each open list: whether its item numbers are said (an ordered list not from 1)
    row: list[str] | None = None
    number = ""
    for token in tokens:
        kind = token.type
        if kind == "inline":
            words = _inline(token.children or [])
            if row is not None:
                if words.strip():
                    row.append(words.strip())
            elif sentences:
                words = _TASK_BOX.sub("", words.strip())
                blocks.append(as_sentence(number + words, full_stop) if words else "")
                number = ""
            else:
                blocks.append(words)
        elif kind in ("heading_open", "list_item_open"):
            sentences += 1
            if kind == "list_item_open" and lists and lists[-1]:
                number = f"{token.info}{token.markup} "
        elif kind in ("heading_close", "list_item_close"):
            sentences -= 1
            number = ""
        elif kind == "bullet_list_open":
            lists.append(False)
        elif kind == "ordered_list_open":
            # "1. Preheat" is a step: its number is noise. "2026. A good year." is a line that CommonMark reads as
            # a list starting at 2026: there the number is text and is kept.
            lists.append(str(token.attrGet("start") or 1) != "1")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close":
            if row:
                blocks.append(as_sentence(", ".join(row), full_stop))
            row = None
        elif kind in ("fence", "code_block"):
            blocks.extend(token.content.splitlines())
        elif kind == "html_block":
            blocks.extend(_TAG.sub(" ", token.content).splitlines())
    return blocks


def _inline(children: list[Token]) -> str:
    parts: list[str] = []
    for index, child in enumerate(children):
        kind = child.type
        if kind == "text" or kind == "code_inline":
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind == "image":
            parts.append(child.content)  # its alt text
        elif kind == "html_inline" and child.content.lower().startswith("<br"):
            parts.append("\n")
        elif (
            child.markup.startswith("*") and kind.endswith(("_open", "_close"))
            and _between_digits(children, index, parts)
        ):
            parts.append(child.markup)  # "2*3*4" is arithmetic, not "2<em>3</em>4"
        # Emphasis, strike-through and link marks, and other inline HTML, say nothing.
    return "".join(parts)


def _between_digits(children: list[Token], index: int, parts: list[str]) -> bool:
    before = parts[-1][-1:] if parts else ""
    after = children[index + 1].content[:1] if index + 1 < len(children) else ""
    return before.isdigit() and after.isdigit()

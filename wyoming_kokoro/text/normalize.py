"""What assistants write, turned into what should be spoken.

Home Assistant replies come from templates and LLMs: markdown, lists, emoji, URLs, numbers with units, times,
dates, currencies and abbreviations. :func:`normalize` makes them speakable, in this order:

1. emoji and other pictographs are dropped (bullets made of them too), so that no rule sees them;
2. markdown becomes text (:mod:`.markdown`): headings, list items and table rows become sentences;
3. URLs and e-mail addresses become their short spoken form (:mod:`.web`): "example dot com";
4. repeated punctuation is collapsed ("!!!" → "!", "??" → "?", "...." → "...");
5. numbers, units, times, dates, currencies and symbols are said in the language: English
   (:mod:`.numbers_en`) leaves to misaki what it already reads well; Spanish, French, Italian and Portuguese
   (:mod:`.numbers_romance`) are said in words with num2words; Hindi, Japanese and Chinese
   (:mod:`.numbers_hi`, :mod:`.numbers_cjk`) get their units and separators said, and leave the digits to
   their G2P, which reads them in the language;
6. spaces are tidied: one space between words, none before a comma or a full stop, one block a line.

Sentence boundaries survive: every block ends up on its own line and the splitter (:mod:`.segment`) cuts there.
It is fast (pure regular expressions and one markdown parse when the text has markdown in it): a typical reply
takes well under a millisecond (``bench/bench_normalize.py``).
"""

from __future__ import annotations

import re
import unicodedata

import emoji

from ..languages import find_language
from .markdown import markdown_to_text
from .numbers_cjk import normalize_chinese, normalize_japanese
from .numbers_en import normalize_english
from .numbers_hi import normalize_hindi
from .numbers_romance import normalize_romance
from .web import speak_web_addresses

__all__ = ["normalize", "strip_controls", "drop_pictographs", "collapse_punctuation", "full_stop"]

_NORMALIZERS = {
    "en-us": normalize_english,
    "en-gb": normalize_english,
    "es": normalize_romance,
    "fr": normalize_romance,
    "it": normalize_romance,
    "pt-br": normalize_romance,
    "hi": normalize_hindi,
    "ja": normalize_japanese,
    "zh": normalize_chinese,
}
_FULL_STOPS = {"ja": "。", "zh": "。", "hi": "।"}

# Symbols that mean something and are said by the rules after this step, not dropped as pictographs.
_KEEP_SYMBOLS = set("°")
_SYMBOL_WORDS = {"‼": "!!", "⁉": "?!", "℃": "°C", "℉": "°F", "№": "No."}
# Pictograph bullets that start a line ("✅ Done", "• Milk") become markdown list items.
_BULLET = re.compile(r"^[ \t]*[•◦▪▫‣⁃∙●○■□◆◇►▶➤➔→–—][ \t]+", re.M)
_ARROWS = re.compile(r"\s*[\u2190-\u21ff\u27f0-\u27ff\u2900-\u297f\u2b00-\u2b2f]+\s*")
_INVISIBLE = re.compile(r"[\ufe0e\ufe0f\u200d\u20e3\u200b\u2060]")
#: Terminal escape sequences (ECMA-48), which a tool's output passed on by an LLM may carry: a control sequence
#: (ESC [, parameters, intermediates, a final byte: colours, cursor moves), a string (ESC ] ... up to BEL or ESC \:
#: a window title, a hyperlink; only when it ends, and within 512 characters: else just its introducer goes) and
#: the other two-character escapes. The 8-bit forms (U+0080 to U+009F) are left to _CONTROLS: in text they are
#: more often Windows-1252 read as Latin-1 (ž as U+009E) than escapes, and must not swallow what follows.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]PX^_][^\x07\x1b]{0,512}(?:\x07|\x1b\\)"
    r"|\x1b[ -~]?"
)
#: The other control characters (tab, line feed and carriage return are white space, and stay), and halves of a
#: surrogate pair left alone (valid JSON can carry one: no encoder takes it).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]+")

_REPEATED_MARKS = re.compile(r"[!?][!?]+|[！？][！？]+")
_DOTS = re.compile(r"\.{4,}|…{2,}|(?:\.\s){2,}\.")
_REPEATED_COMMAS = re.compile(r"([,;])[,;]+")
_DASHES = re.compile(r"(?<=\s)-{2,3}(?=\s)")

_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")
_SPACE_BEFORE_MARK = re.compile(r"(?<=\S) +([,.!?;:](?=\s|$)|[，。！？；：、])")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
_LEADING_MARKS = re.compile(r"^[,;:]+\s*")  # what an emoji at the start of a line was followed by


def strip_controls(text: str) -> str:
    """``text`` without terminal escape sequences (``ESC[31m`` would be read "31 meters") and with other control
    characters as spaces."""
    if text.isascii() and text.isprintable():
        return text
    return _CONTROLS.sub(" ", _ESCAPES.sub("", text))


def full_stop(language: str) -> str:
    """The mark that ends a sentence in ``language``."""
    return _FULL_STOPS.get(language, ".")


def drop_pictographs(text: str) -> str:
    """``text`` without emoji (the ``emoji`` package knows every sequence: flags, skin tones, families,
    keycaps) and without other pictographic symbols (★, ✓, ☐, arrows); degree signs and the like are kept
    for the unit rules."""
    if text.isascii():
        return text
    for symbol, words in _SYMBOL_WORDS.items():
        if symbol in text:
            text = text.replace(symbol, words)
    text = _BULLET.sub("- ", text)
    text = emoji.replace_emoji(text, "")
    text = _ARROWS.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    return "".join(
        c for c in text if c.isascii() or c in _KEEP_SYMBOLS or unicodedata.category(c) != "So"
    )


def collapse_punctuation(text: str) -> str:
    """"!!!" → "!", "?!?" → "?", "....." → "...", ",," → ","; an ellipsis ("..." or "…") is kept."""
    if "!" in text or "?" in text or "！" in text or "？" in text:
        text = _REPEATED_MARKS.sub(_one_mark, text)
    if ".." in text or "……" in text or ". ." in text:
        text = _DOTS.sub(lambda m: "…" if m.group(0)[0] == "…" else "...", text)
    if ",," in text or ";;" in text or ",;" in text or ";," in text:
        text = _REPEATED_COMMAS.sub(r"\1", text)
    if "--" in text:
        text = _DASHES.sub("—", text)
    return text


def _one_mark(match: re.Match) -> str:
    marks = match.group(0)
    if marks[0] in "！？":
        return "？" if "？" in marks else "！"
    return "?" if "?" in marks else "!"


def _tidy(text: str) -> str:
    lines = []
    for line in text.splitlines():
        line = _SPACES.sub(" ", line).strip()
        if not line:
            continue
        line = _EMPTY_BRACKETS.sub("", line)
        line = _SPACE_BEFORE_MARK.sub(r"\1", line)
        line = _LEADING_MARKS.sub("", line)
        if line:
            lines.append(line)
    return "\n".join(lines)


def normalize(text: str, language: str = "en-us") -> str:
    """``text`` as it should be spoken in ``language`` (a language id or alias: ``en-us``, ``es``, ``pt_BR``).

    Markdown, emoji, URLs, repeated punctuation, and the numbers, units, times, dates, currencies and
    abbreviations of the language; plain text passes through apart from those. Blocks (paragraphs, headings,
    list items, table rows) end up one a line, each heading, item and row ending with a full stop.
    """
    code = language if language in _NORMALIZERS else find_language(language).code
    text = strip_controls(text)
    text = drop_pictographs(text)
    text = markdown_to_text(text, full_stop(code))
    text = speak_web_addresses(text, code)
    text = collapse_punctuation(text)
    text = _NORMALIZERS[code](text, code)
    return _tidy(text)


_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")  # |---|:---:|


def normalize_sentence(text: str, language: str = "en-us") -> str:
    """:func:`normalize` for one sentence of a streamed reply, which arrives without the lines around it.

    A markdown table comes a row at a time, and a row alone is no table to the markdown parser (that needs the
    header and the rule below it): a row is read here as :func:`normalize` reads a row of a whole table (its
    cells joined with commas, a full stop after them), and the rule under the header is silent.
    """
    if _TABLE_ROW.match(text):
        if _TABLE_RULE.match(text):
            return ""
        from .markdown import as_sentence

        cells = [cell.strip() for cell in text.strip().strip("|").split("|")]
        text = as_sentence(", ".join(cell for cell in cells if cell), full_stop(language))
    return normalize(text, language)

"""Pieces shared by the per-language rules: the number pattern, validity checks, dates in ISO form."""

from __future__ import annotations

import re
from typing import Callable

Rule = tuple["re.Pattern[str]", "str | Callable[[re.Match], str]"]

#: A number as assistants write it in English: "1,234,567.89", "3.5", "42".
NUM_EN = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"

# A minus sign, a figure dash and the like before a digit: the ASCII hyphen, so one pattern reads them all.
_MINUS = re.compile(r"[\u2212\u2012\u2010\u2011\ufe63\uff0d](?=\d)")
_DASH_RANGE = re.compile(r"(?<=\d)\s?[\u2013\u2014]\s?(?=\d)")  # "5–10": an en dash between numbers

ISO_DATE = re.compile(r"(?<![\w.-])(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}:\d{2}(?::\d{2})?)(?:\.\d+)?Z?)?(?![\w-])")
IPV4 = re.compile(r"(?<![\w.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?::(\d{2,5}))?(?![\w]|\.\d)")
TIME = re.compile(r"(?<![\d:.,])([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?(?!\d|:\d|[.,]\d)")


def tidy_signs(text: str) -> str:
    """Typographic minus signs as "-", an en or em dash between two numbers as "-" (a range)."""
    text = _MINUS.sub("-", text)
    if "\u2013" in text or "\u2014" in text:
        text = _DASH_RANGE.sub("-", text)
    return text


def valid_date(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31


def abbreviation(pattern: str, words: str) -> Rule:
    """A rule that writes out an abbreviation (case-insensitive): "E.g." becomes "For example" at the start of
    a sentence, and an abbreviation that ends a sentence ("..., etc. Then") keeps the full stop the sentence
    splitter needs."""

    def replace(match: re.Match) -> str:
        said = words[0].upper() + words[1:] if match.group(0)[0].isupper() else words
        after = match.string[match.end():match.end() + 2]
        if match.group(0).endswith(".") and (after == "" or after[0] == "\n" or after[1:2].isupper()):
            said += "."
        return said

    return re.compile(pattern, re.I), replace


def alternation(words) -> str:
    """A regular expression that matches any of ``words`` (longest first, so "km/h" wins over "km")."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


def apply(rules: list[Rule], text: str) -> str:
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text


def digit_groups(text: str) -> list[str]:
    """The runs of digits in a phone-like string ("+1 (555) 123-4567" → ["1", "555", "123", "4567"])."""
    return re.findall(r"\d+", text)


def split_long_digits(digits: str) -> list[str]:
    """A long run of digits in groups of three, the last of four when one digit would be left alone."""
    groups = [digits[i:i + 3] for i in range(0, len(digits), 3)]
    if len(groups) > 1 and len(groups[-1]) == 1:
        groups[-2:] = [groups[-2] + groups[-1]]
    return groups


# --- titles, street words and version numbers, shared by the languages written in the Latin script ------------

_NAME_AFTER = re.compile(r"\s+[\"“«(]?[A-ZÀ-ÖØ-Þ]")  # a capitalized word follows
_WORD_BEFORE = re.compile(r"([^\W\d_][\w'’-]*|\d+)[ \t]+$")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*)$")


def titles(before_name: dict[str, str], after_name: dict[str, str] | None = None) -> Rule:
    """A rule for abbreviations said as a word: ``before_name`` where a capitalized word follows ("St. Louis" is
    "Saint Louis", "Sra. López" is "señora López"), ``after_name`` where it follows a capitalized word or a
    number and no name follows (a street: "Main St." is "Main Street", "12 Elm Dr." is "12 Elm Drive").
    A one-letter abbreviation ("M. Dupont", "S. Pietro") needs its full stop and a name after it, and is not
    taken after another initial ("J. S. Bach"). An abbreviation that ends a sentence keeps its full stop, which
    the sentence splitter needs."""
    after_name = after_name or {}
    keys = alternation({*before_name, *after_name})
    pattern = re.compile(rf"(?<![\w.])({keys})(\.?)(?=\s|$|[,;:!?)])")

    def replace(match: re.Match) -> str:
        abbreviation_, dot = match.group(1), match.group(2)
        text, start, end = match.string, match.start(), match.end()
        before = _WORD_BEFORE.search(text, max(0, start - 40), start)
        name_next = bool(_NAME_AFTER.match(text, end))
        # A capitalized word before, not the first of its sentence (that one is capitalized anyway), or a number.
        named_before = before is not None and (
            before.group(1)[0].isdigit()
            or (before.group(1)[0].isupper() and not _SENTENCE_START.search(text, max(0, before.start() - 3),
                                                                          before.start()))
        )
        if len(abbreviation_) == 1 and (not dot or not name_next or re.search(r"\b\w\.\s*$", text[:start])):
            return match.group(0)
        if abbreviation_ in before_name and name_next and not (named_before and abbreviation_ in after_name):
            said = before_name[abbreviation_]
            return said[0].upper() + said[1:] if _SENTENCE_START.search(text, max(0, start - 3), start) else said
        if abbreviation_ in after_name and (named_before or not name_next):
            said = after_name[abbreviation_]
            after = text[end:end + 2]
            if dot and (after == "" or after[0] == "\n" or (after[0] == " " and after[1:2].isupper())):
                said += "."
            return said
        return match.group(0)

    return pattern, replace


#: Names a number after which is a version, read part by part ("Python 3.12" is "three point twelve", not
#: "three point one two").
SOFTWARE = (
    "Python", "Home Assistant", "ESPHome", "Kokoro", "iOS", "iPadOS", "macOS", "watchOS", "Android", "Windows",
    "Ubuntu", "Debian", "Fedora", "Linux", "Node.js", "Node", "Java", "PHP", "Firefox", "Chrome", "Safari",
    "Bluetooth", "Zigbee", "Z-Wave", "Matter", "Thread", "firmware", "Firmware", "kernel", "Kernel",
)
#: A version after one of :data:`SOFTWARE` (group 1 the name, 2 the number, 3 and 4 a pre-release and its
#: number), and a pre-release after any version number (group 1 its word, 2 its number).
SOFTWARE_VERSION = re.compile(
    rf"(?<![\w.])({alternation(SOFTWARE)})\s[vV]?(\d+(?:\.\d+)+)(?:-(alpha|beta|rc|RC|dev|preview)(?:\.?(\d+))?)?"
    r"(?![\w]|\.\d)"
)
#: A version number with a pre-release after it ("2.0-rc1": the number is a version, whatever its parts): group
#: 1 the number, 2 and 3 the pre-release and its number.
PRE_RELEASE_VERSION = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)+)-(alpha|beta|rc|RC|dev|preview)(?:\.?(\d+))?(?![\w])"
)
PRE_RELEASE = re.compile(r"(?<=\d)-(alpha|beta|rc|RC|dev|preview)(?:\.?(\d+))?(?![\w])")


def pre_release(word: str, number: str | None, say: Callable[[int], str]) -> str:
    """" beta", " RC two": a pre-release after a version (its number said with ``say``)."""
    said = " RC" if word.lower() == "rc" else f" {word}"
    return said + (f" {say(int(number))}" if number else "")

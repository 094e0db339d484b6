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
_INITIAL_BEFORE = re.compile(r"\b\w\.\s*$")  # "J. " before "S. Bach"


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
        initial_before = _INITIAL_BEFORE.search(text, max(0, start - 4), start)
        if len(abbreviation_) == 1 and (not dot or not name_next or initial_before):
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
_PRE = r"-(alpha|beta|rc|RC|dev|preview)(?:\.?(\d+))?(?![\w])"  # a pre-release: its word and its number
# A version after one of SOFTWARE (the name, the number, the pre-release's word and number); a dotted number with a
# pre-release after it, whatever its parts ("2.0-rc1"); a pre-release after any other version ("v2.0-rc1").
_SOFTWARE_VERSION = rf"(?<![\w.])({alternation(SOFTWARE)})\s[vV]?(\d+(?:\.\d+)+)(?:{_PRE})?(?![\w]|\.\d)"
_PRE_RELEASE_VERSION = rf"(?<![\w.])(\d+(?:\.\d+)+){_PRE}"
_PRE_RELEASE = rf"(?<=\d){_PRE}"


def version_rules(version: Callable[[str], str], number: Callable[[str], str], rc: str = "RC",
                  joiner: str = " ", flags: int = 0) -> list[Rule]:
    """The rules of a language for numbers that are versions by what surrounds them: after a software name
    ("Python 3.12" is "three point twelve", not "three point one two"), and with a pre-release ("1.2.3-beta",
    "2.0-rc1"). ``version`` says a dotted number part by part, ``number`` a pre-release's number (after
    ``joiner``), ``rc`` is what "rc" is said as; ``flags``: re.A for scripts written without spaces."""

    def pre(word: str | None, digits: str | None) -> str:
        if not word:
            return ""
        said = rc if word.lower() == "rc" else word
        return f" {said}" + (f"{joiner}{number(digits)}" if digits else "")

    return [
        (re.compile(_SOFTWARE_VERSION, flags),
         lambda m: f"{m.group(1)} {version(m.group(2))}" + pre(m.group(3), m.group(4))),
        (re.compile(_PRE_RELEASE_VERSION, flags), lambda m: version(m.group(1)) + pre(m.group(2), m.group(3))),
        (re.compile(_PRE_RELEASE, flags), lambda m: pre(m.group(1), m.group(2))),
    ]

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
TIME = re.compile(r"(?<![\d:.,])([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?(?![\d:]|[.,]\d)")


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

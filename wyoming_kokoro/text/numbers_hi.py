"""Hindi: units, times, dates and separators said in Hindi; the digits are left to espeak-ng.

num2words has no Hindi. espeak-ng's Hindi voice reads whole numbers in Hindi ("1234" is "एक हज़ार दो सौ
चौंतीस") and "%" as "प्रतिशत", but not a decimal point, "°C", "15:30", "₹", grouped digits ("1,23,456") or a
range. So those are rewritten around the digits, which stay digits.
"""

from __future__ import annotations

import re

from .common import (
    IPV4, ISO_DATE, TIME, Rule, alternation, apply, split_long_digits, tidy_signs, valid_date, version_rules,
)

_MONTHS = "जनवरी फ़रवरी मार्च अप्रैल मई जून जुलाई अगस्त सितंबर अक्टूबर नवंबर दिसंबर".split()
_NUM = r"\d{1,3}(?:,\d{2,3})+(?:\.\d+)?|\d+(?:\.\d+)?"  # Western (1,234,567) and Indian (12,34,567) grouping

_UNITS = {
    "km/h": "किलोमीटर प्रति घंटा", "km": "किलोमीटर", "m": "मीटर", "cm": "सेंटीमीटर", "mm": "मिलीमीटर",
    "kg": "किलोग्राम", "g": "ग्राम", "kWh": "किलोवाट घंटा", "kW": "किलोवाट", "W": "वाट", "V": "वोल्ट",
    "A": "एम्पियर", "L": "लीटर", "l": "लीटर", "ml": "मिलीलीटर", "h": "घंटे", "min": "मिनट", "GB": "जीबी",
    "MB": "एमबी",
}
_CURRENCIES = {"₹": ("रुपये", "पैसे"), "Rs": ("रुपये", "पैसे"), "Rs.": ("रुपये", "पैसे"), "INR": ("रुपये", "पैसे"),
               "$": ("डॉलर", "सेंट"), "USD": ("डॉलर", "सेंट"), "€": ("यूरो", "सेंट"), "EUR": ("यूरो", "सेंट"),
               "£": ("पाउंड", "पेंस"), "GBP": ("पाउंड", "पेंस"), "¥": ("येन", "सेन"), "JPY": ("येन", "सेन")}
_CURRENCY = r"₹|Rs\.?|INR|\$|USD|€|EUR|£|GBP|¥|JPY"
#: Titles before a name ("डॉ. शर्मा" is "डॉक्टर शर्मा"), and the English ones a Hindi text borrows.
_TITLES = re.compile(r"(?<!\S)(डॉ|प्रो|Dr|Mr|Mrs)\.\s?(?=\S)")
_TITLE_WORDS = {"डॉ": "डॉक्टर", "प्रो": "प्रोफ़ेसर", "Dr": "डॉक्टर", "Mr": "मिस्टर", "Mrs": "मिसेज़"}


def _plain(number: str) -> str:
    """A number as espeak-ng reads it in Hindi: no group separators; a decimal point said, its digits one by
    one ("3.14" → "3 दशमलव 1 4")."""
    number = number.replace(",", "")
    negative = number.startswith("-")
    whole, _, decimals = number.lstrip("-").partition(".")
    said = whole + (" दशमलव " + " ".join(decimals) if decimals else "")
    return ("माइनस " if negative else "") + said


def _amount(match: re.Match, number_group: int, currency_group: int) -> str:
    unit, cent_unit = _CURRENCIES[match.group(currency_group)]
    whole, _, decimals = match.group(number_group).replace(",", "").partition(".")
    said = f"{whole} {unit}"
    if decimals and len(decimals) <= 2 and int(decimals):
        said += f" {int(decimals.ljust(2, '0'))} {cent_unit}"
    elif decimals and len(decimals) > 2:
        said = f"{_plain(match.group(number_group))} {unit}"
    return said


def _time(match: re.Match) -> str:
    hour, minute = int(match.group(1)), int(match.group(2))
    return f"{hour} बजे" if minute == 0 else f"{hour} बजकर {minute} मिनट"


def _iso_date(match: re.Match) -> str:
    year, month, day, time = match.group(1), int(match.group(2)), int(match.group(3)), match.group(4)
    if not valid_date(month, day):
        return match.group(0)
    return f"{day} {_MONTHS[month - 1]} {year}" + (f" {time}" if time else "")


def _version(number: str) -> str:
    return " पॉइंट ".join(number.split("."))


def _digits(text: str) -> str:
    return ", ".join(" ".join(group) for group in re.findall(r"\d+", text))



_RULES: list[Rule] = [
    (ISO_DATE, _iso_date),
    (re.compile(r"(\d{1,2}:\d{2})\s?-\s?(?=\d{1,2}:\d{2})"), r"\1 से "),
    (re.compile(TIME.pattern + r"(?:\s?बजे)?"), _time),  # "7:00 बजे" is "7 बजे", not "7 बजे बजे"
    (re.compile(r"(?<![\w+.-])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,6}(?![\w]|[.-]\d)"),
     lambda m: "प्लस " + _digits(m.group(0))),
    (re.compile(r"(?<![\w.,-])0\d{1,4}(?:[ -]\d{2,4}){1,4}(?![\w]|[.,-]\d)"), lambda m: _digits(m.group(0))),
    (re.compile(r"(?<![\w.,-])\d{10,}(?![\w]|[.,]\d)"),
     lambda m: ", ".join(" ".join(group) for group in split_long_digits(m.group(0)))),
    (IPV4, lambda m: " डॉट ".join(" ".join(part) for part in m.groups()[:4])),
    # Versions: "Python 3.12", "2.4.1", "v2.4", "1.2.3-beta" (every part a whole number, "पॉइंट" between)
    *version_rules(_version, lambda digits: str(int(digits)), rc="आरसी"),
    (re.compile(r"(?<![\w.])((?:संस्करण|वर्ज़न)\s)?[vV](\d+(?:\.\d+)*)(?![\w]|\.\d)"),
     lambda m: (m.group(1) or "वर्ज़न ") + _version(m.group(2))),
    (re.compile(r"(?<![\w.])(\d+(?:\.\d+){2,})(?![\w]|\.\d)"), lambda m: _version(m.group(1))),
    (re.compile(rf"(?<![\w.,:/-])(-?(?:{_NUM}))\s?-\s?({_NUM})(?![\w]|[.,:/-]\d|\s?[=+*/])"), r"\1 से \2"),
    (re.compile(rf"(?<![\w])({_CURRENCY})\s?({_NUM})(?![\d])"), lambda m: _amount(m, 2, 1)),
    (re.compile(rf"(?<![\w.,])({_NUM})\s?({_CURRENCY})(?![\w])"), lambda m: _amount(m, 1, 2)),
    (re.compile(rf"(?<![\w.,])(-?(?:{_NUM}))\s?°\s?([CF])(?![A-Za-z])"),
     lambda m: f"{_plain(m.group(1))} डिग्री {'सेल्सियस' if m.group(2) == 'C' else 'फ़ारेनहाइट'}"),
    (re.compile(rf"(?<![\w.,])(-?(?:{_NUM}))\s?°"), lambda m: f"{_plain(m.group(1))} डिग्री"),
    (re.compile(rf"(?<![\w.,])(-?(?:{_NUM}))\s?%"), lambda m: f"{_plain(m.group(1))} प्रतिशत"),
    (re.compile(rf"(?<![\w.,])(-?(?:{_NUM}))\s?({alternation(_UNITS)})(?![\w/²³])"),
     lambda m: f"{_plain(m.group(1))} {_UNITS[m.group(2)]}"),
    (re.compile(rf"((?:(?<=^)|(?<=[\s(\[]))-)?(?<![\d.,])({_NUM})(?![\d])", re.M),
     lambda m: _plain((m.group(1) or "") + m.group(2))),
]
_DIGIT = re.compile(r"\d")


def normalize_hindi(text: str, language: str = "hi") -> str:
    """Hindi ``text`` with units, times, dates, currencies and decimals said, digits left as digits."""
    if "." in text:
        text = _TITLES.sub(lambda m: _TITLE_WORDS[m.group(1)] + " ", text)
    if not _DIGIT.search(text):
        return text
    return apply(_RULES, tidy_signs(text))

"""Japanese and Chinese: units, times, dates and separators in the language; the digits are left to the G2P.

misaki's Japanese G2P (pyopenjtalk) and its Chinese one (cn2an) read whole numbers in the language, and read
them better than words written here would be (Japanese counters change the reading: 3本 is "sanbon", 15時5分
is "gofun"). What they miss is rewritten around the digits: "15:30" (→ 15時30分, 15点30分), "21°C",
"50%" (Japanese), "km/h", "$5", "1,234" (the comma splits it), a range "5-10", an ISO date. Japanese decimals
and negative numbers are misread by pyopenjtalk ("3.5" as "3. 5"), so they are written with num2words ("三点五")
and "マイナス". num2words has no Chinese; cn2an reads "3.5", "-5" and "50%" well.
"""

from __future__ import annotations

import re
from functools import lru_cache

from num2words import num2words

from .common import IPV4, ISO_DATE, TIME, Rule, alternation, apply, tidy_signs, valid_date, version_rules

# Chinese and Japanese put no spaces between words, and their characters are word characters to Python: every
# pattern here is ASCII (re.A), so that "气温21°C" has a boundary before "21".
IPV4 = re.compile(IPV4.pattern, re.A)
ISO_DATE = re.compile(ISO_DATE.pattern, re.A)
TIME = re.compile(TIME.pattern, re.A)

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_ZH_UNITS = {
    "km/h": "公里每小时", "km": "公里", "m": "米", "cm": "厘米", "mm": "毫米", "kg": "公斤", "g": "克",
    "kWh": "千瓦时", "kW": "千瓦", "W": "瓦", "V": "伏", "A": "安", "L": "升", "l": "升", "ml": "毫升",
    "h": "小时", "min": "分钟", "GB": "GB", "MB": "MB",
}
_JA_UNITS = {
    "km/h": "キロメートル毎時", "km": "キロメートル", "m": "メートル", "cm": "センチメートル", "mm": "ミリメートル",
    "kg": "キログラム", "g": "グラム", "kWh": "キロワット時", "kW": "キロワット", "W": "ワット", "V": "ボルト",
    "A": "アンペア", "L": "リットル", "l": "リットル", "ml": "ミリリットル", "h": "時間", "min": "分",
    "GB": "ギガバイト", "MB": "メガバイト",
}
_ZH_CURRENCIES = {"$": "美元", "USD": "美元", "€": "欧元", "EUR": "欧元", "£": "英镑", "GBP": "英镑",
                  "¥": "元", "￥": "元", "CNY": "元", "RMB": "元", "JPY": "日元", "₹": "卢比", "INR": "卢比"}
_JA_CURRENCIES = {"$": "ドル", "USD": "ドル", "€": "ユーロ", "EUR": "ユーロ", "£": "ポンド", "GBP": "ポンド",
                  "¥": "円", "￥": "円", "JPY": "円", "CNY": "元", "₹": "ルピー", "INR": "ルピー"}
_CURRENCY = r"\$|USD|€|EUR|£|GBP|¥|￥|CNY|RMB|JPY|₹|INR"
_JA_CENTS = {"ドル": "セント", "ユーロ": "セント", "ポンド": "ペンス"}



def _ungroup(number: str) -> str:
    return number.replace(",", "")


@lru_cache(maxsize=1024)
def _japanese_number(number: str) -> str:
    """A number as pyopenjtalk reads it right: whole numbers as digits, decimals in kanji ("三点五"),
    a minus sign as "マイナス"."""
    number = _ungroup(number)
    negative = number.startswith("-")
    number = number.lstrip("-")
    if "." in number:
        whole, decimals = number.split(".", 1)
        number = num2words(int(whole), lang="ja") + "点" + "".join(num2words(int(d), lang="ja") for d in decimals)
    return ("マイナス" if negative else "") + number


def _ja_amount(number: str, currency: str) -> str:
    """"$3.50" is "3ドル50セント", as a price is said; other decimals are read as decimals."""
    unit = _JA_CURRENCIES[currency]
    whole, _, decimals = _ungroup(number).partition(".")
    if decimals and len(decimals) <= 2 and unit in _JA_CENTS:
        cents = int(decimals.ljust(2, "0"))
        return f"{whole}{unit}" + (f"{cents}{_JA_CENTS[unit]}" if cents else "")
    return _japanese_number(number) + unit


def _zh_amount(number: str, currency: str) -> str:
    """"€3.50" is "3.5欧元": trailing zeros of a price are not said."""
    number = _ungroup(number)
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return number + _ZH_CURRENCIES[currency]


def _ymd(match: re.Match) -> str:
    year, month, day, time = match.group(1), int(match.group(2)), int(match.group(3)), match.group(4)
    if not valid_date(month, day):
        return match.group(0)
    return f"{year}年{month}月{day}日" + (time or "")


def _zh_time(match: re.Match) -> str:
    hour, minute = int(match.group(1)), int(match.group(2))
    return f"{hour}点" if minute == 0 else f"{hour}点{minute:02d}分"


def _ja_time(match: re.Match) -> str:
    hour, minute = int(match.group(1)), int(match.group(2))
    return f"{hour}時" if minute == 0 else f"{hour}時{minute}分"


def _digits(text: str, separator: str) -> str:
    return separator.join(" ".join(group) for group in re.findall(r"\d+", text))


def _zh_degrees(match: re.Match) -> str:
    number, scale = _ungroup(match.group(1)), match.group(2)
    word = "摄氏度" if scale == "C" else "华氏度" if scale == "F" else "度"
    if number.startswith("-"):
        return f"零下{number[1:]}{word}"
    return f"{number}{word}"


def _ja_degrees(match: re.Match) -> str:
    number, scale = _japanese_number(match.group(1)), match.group(2)
    return f"華氏{number}度" if scale == "F" else f"{number}度"


_PHONE = re.compile(
    r"(?<![\w+.-])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,6}(?![\w]|[.-]\d)"
    r"|(?<![\w.,-])0\d{1,4}(?:[ -]\d{2,4}){1,4}(?![\w]|[.,-]\d)",
    re.A,
)
_TIME_RANGE = re.compile(r"(\d{1,2}:\d{2})\s?[-~〜～]\s?(?=\d{1,2}:\d{2})", re.A)
_RANGE = re.compile(rf"(?<![\w.,:/-])(-?(?:{_NUM}))\s?[-~〜～]\s?({_NUM})(?![\w]|[.,:/-]\d|\s?[=+*/])", re.A)
_DEGREES = re.compile(rf"(?<![\w.,])(-?(?:{_NUM}))\s?[°º]\s?([CF])?(?![A-Za-z°])", re.A)
# A version: after 版本 or バージョン, or with a "v", or with three parts or more ("2.4.1"), or after a name of
# :data:`.common.SOFTWARE`. Each part is a whole number, "点" between them (二点四点一, "ni ten yon ten ichi").
_VERSION = re.compile(r"(?<![\w.])(?:(版本|バージョン)\s?[vV]?|[vV])(\d+(?:\.\d+)*)(?![\w]|\.\d)", re.A)
_DOTTED = re.compile(r"(?<![\w.])(\d+(?:\.\d+){2,})(?![\w]|\.\d)", re.A)


def _version_parts(number: str) -> str:
    return "点".join(number.split("."))


def _version_rules(word: str) -> list[Rule]:
    """The version rules of Chinese (``word`` 版本) or Japanese (バージョン)."""
    return [
        *version_rules(_version_parts, str, joiner="", flags=re.A),
        (_VERSION, lambda m: word + _version_parts(m.group(2))),
        (_DOTTED, lambda m: _version_parts(m.group(1))),
    ]


def _rules_zh() -> list[Rule]:
    return [
        (ISO_DATE, _ymd),
        (_TIME_RANGE, r"\1到"),
        (TIME, _zh_time),
        (_PHONE, lambda m: ("加" if m.group(0).startswith("+") else "") + _digits(m.group(0), "，")),
        (IPV4, lambda m: "点".join(" ".join(part) for part in m.groups()[:4])),
        *_version_rules("版本"),
        (_RANGE, r"\1到\2"),
        (re.compile(rf"({_CURRENCY})\s?({_NUM})(?![\d])", re.A), lambda m: _zh_amount(m.group(2), m.group(1))),
        (re.compile(rf"(?<![\w.,])({_NUM})\s?({_CURRENCY})(?![\w])", re.A), lambda m: _zh_amount(m.group(1), m.group(2))),
        (_DEGREES, _zh_degrees),
        (re.compile(rf"(?<![\w.,])(-?(?:{_NUM}))\s?({alternation(_ZH_UNITS)})(?![\w/²³])", re.A),
         lambda m: _ungroup(m.group(1)) + _ZH_UNITS[m.group(2)]),
        (re.compile(r"\d{1,3}(?:,\d{3})+", re.A), lambda m: _ungroup(m.group(0))),
    ]


def _rules_ja() -> list[Rule]:
    return [
        (ISO_DATE, _ymd),
        (_TIME_RANGE, r"\1から"),
        (TIME, _ja_time),
        (_PHONE, lambda m: ("プラス" if m.group(0).startswith("+") else "") + _digits(m.group(0), "、")),
        (IPV4, lambda m: "ドット".join(" ".join(part) for part in m.groups()[:4])),
        *_version_rules("バージョン"),
        (_RANGE, r"\1から\2"),
        (re.compile(rf"({_CURRENCY})\s?({_NUM})(?![\d])", re.A), lambda m: _ja_amount(m.group(2), m.group(1))),
        (re.compile(rf"(?<![\w.,])({_NUM})\s?({_CURRENCY})(?![\w])", re.A), lambda m: _ja_amount(m.group(1), m.group(2))),
        (_DEGREES, _ja_degrees),
        (re.compile(rf"(?<![\w.,])(-?(?:{_NUM}))\s?[%％]", re.A), lambda m: _japanese_number(m.group(1)) + "パーセント"),
        (re.compile(rf"(?<![\w.,])(-?(?:{_NUM}))\s?({alternation(_JA_UNITS)})(?![\w/²³])", re.A),
         lambda m: _japanese_number(m.group(1)) + _JA_UNITS[m.group(2)]),
        (re.compile(rf"((?:(?<=^)|(?<=[^\w.,]))-)?(?<![\d.,])({_NUM})(?![\d])", re.M | re.A),
         lambda m: _japanese_number((m.group(1) or "") + m.group(2))),
    ]


_RULES = {"zh": _rules_zh(), "ja": _rules_ja()}
_DIGIT = re.compile(r"\d", re.A)


def normalize_chinese(text: str, language: str = "zh") -> str:
    """Chinese ``text`` with times, dates, units, currencies and separators said; digits left to cn2an."""
    if not _DIGIT.search(text):
        return text
    return apply(_RULES["zh"], tidy_signs(text))


def normalize_japanese(text: str, language: str = "ja") -> str:
    """Japanese ``text`` with times, dates, units, currencies, decimals and signs said; whole numbers left to
    pyopenjtalk."""
    if not _DIGIT.search(text):
        return text
    return apply(_RULES["ja"], tidy_signs(text))

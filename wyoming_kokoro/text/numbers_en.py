"""English: numbers, units, times, dates and symbols as they are said (en-us and en-gb).

misaki, the English G2P, already reads many forms well, and those are left alone here so that they are not
read twice: cardinals ("1,234,567", "3.14"), ordinals ("21st"), years ("1999", "2026", "in 2005"), percentages
("50%"), currencies with cents ("$3.50", "€20", "£5", "$5 million"), "3 PM", "&" and "+".
What is rewritten is what misaki gets wrong: a minus sign (it drops "-5" in some sentences), times ("3:45"
keeps its colon), ranges ("5-10" runs the numbers together), units (it spells "km/h" letter by letter),
degrees ("°C" is "degrees C"), dates in digits, phone numbers, version numbers, IP addresses, fractions,
"$3.5" (it says "five cents") and "$5k".
Numbers that stay numbers are left as digits for misaki; forms said in a special way ("oh five", "one two
three") are written in words.
"""

from __future__ import annotations

import re

from .common import (
    IPV4, ISO_DATE, NUM_EN, TIME, Rule, abbreviation, alternation, apply, split_long_digits, tidy_signs, titles,
    valid_date, version_rules,
)

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
MONTHS = (
    "January February March April May June July August September October November December".split()
)
_MONTH_ABBREVIATIONS = {
    "Jan": "January", "Feb": "February", "Mar": "March", "Apr": "April", "Jun": "June", "Jul": "July",
    "Aug": "August", "Sep": "September", "Sept": "September", "Oct": "October", "Nov": "November",
    "Dec": "December",
}
_MONTH = "|".join(MONTHS)
_SUFFIXES = {1: "st", 2: "nd", 3: "rd"}


def cardinal(n: int) -> str:
    """``n`` in words, for the small numbers said in words here (times, versions, digits); larger ones are
    left as digits, which misaki reads well."""
    if n < 0:
        return "minus " + cardinal(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {cardinal(rest)}" if rest else "")
    return str(n)


def ordinal_suffix(n: int) -> str:
    """"25" → "25th": the form misaki reads as an ordinal."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return str(n) + _SUFFIXES.get(n % 10, "th")


def digits(text: str) -> str:
    """Digit by digit: "4567" → "four five six seven"."""
    return " ".join(_ONES[int(c)] for c in text if c.isdigit())


# --- dates -------------------------------------------------------------------------------------------------


def _full_year(year: str) -> str:
    if len(year) == 2:
        return ("20" if int(year) < 70 else "19") + year
    return year


def say_date(year: str | None, month: int, day: int, british: bool) -> str:
    name = MONTHS[month - 1]
    if british:
        return f"the {ordinal_suffix(day)} of {name}" + (f" {year}" if year else "")
    return f"{name} {ordinal_suffix(day)}" + (f", {year}" if year else "")


def _iso_date(match: re.Match, british: bool) -> str:
    year, month, day, time = match.group(1), int(match.group(2)), int(match.group(3)), match.group(4)
    if not valid_date(month, day):
        return match.group(0)
    return say_date(year, month, day, british) + (f" at {time}" if time else "")


_NUMERIC_DATE = re.compile(r"(?<![\w./-])(\d{1,2})([/.])(\d{1,2})\2(\d{4}|\d{2})(?![\w]|[./-]\d)")


def _numeric_date(match: re.Match, british: bool) -> str:
    first, separator, second, year = int(match.group(1)), match.group(2), int(match.group(3)), match.group(4)
    if separator == "." and len(year) != 4:
        return match.group(0)
    # Day first in Britain and with dots; month first in the US; whichever order is possible when one isn't.
    day_first = british or separator == "."
    if day_first and not valid_date(second, first):
        day_first = False
    elif not day_first and not valid_date(first, second):
        day_first = True
    day, month = (first, second) if day_first else (second, first)
    if not valid_date(month, day):
        return match.group(0)
    return say_date(_full_year(year), month, day, british)


_MONTH_ABBREVIATION = re.compile(rf"\b({'|'.join(_MONTH_ABBREVIATIONS)})\.?(?= \d)")
_MONTH_DAY = re.compile(
    rf"\b({_MONTH}) (\d{{1,2}})(?:st|nd|rd|th)?(?:\s?[-–]\s?(\d{{1,2}})(?:st|nd|rd|th)?)?(?![\d:]|[.,]\d)"
)
_DAY_MONTH = re.compile(rf"(?<![\w.,-])(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?({_MONTH})\b")


def _month_day(match: re.Match) -> str:
    month, day, until = match.group(1), int(match.group(2)), match.group(3)
    if not 1 <= day <= 31:
        return match.group(0)
    said = f"{month} {ordinal_suffix(day)}"
    if until and 1 <= int(until) <= 31:
        said += f" to the {ordinal_suffix(int(until))}"
    return said


def _day_month(match: re.Match) -> str:
    day, month = int(match.group(1)), match.group(2)
    if not 1 <= day <= 31:
        return match.group(0)
    before = match.string[max(0, match.start() - 4):match.start()].lower()
    article = "" if before.endswith("the ") else "the "
    return f"{article}{ordinal_suffix(day)} of {month}"


# --- times -------------------------------------------------------------------------------------------------

# "PM", "pm", "p.m.", "P.M." after a time; its final dot is kept when it ends the sentence.
_MERIDIEM = r"(?:\s?([AaPp])\.?[Mm](\.?)(?![A-Za-z]))?"
_CLOCK = re.compile(TIME.pattern + _MERIDIEM)
_TIME_RANGE = re.compile(r"(\d{1,2}:\d{2}(?:\s?[AaPp]\.?[Mm]\.?)?)\s?-\s?(?=\d{1,2}:\d{2})")
_HOUR_MERIDIEM = re.compile(r"(?<![\w.:,])(1[0-2]|0?[1-9])\s?([AaPp])\.?[Mm](\.?)(?![A-Za-z])")


def _meridiem(match: re.Match, letter_group: int) -> str:
    letter, dot = match.group(letter_group), match.group(letter_group + 1)
    if not letter:
        return ""
    said = f" {letter.upper()}M"
    if dot and _ends_sentence(match):
        said += "."
    return said


def _ends_sentence(match: re.Match) -> bool:
    after = match.string[match.end():match.end() + 2]
    return after == "" or after[0] == "\n" or (after[0] == " " and after[1:2].isupper())


def say_time(hour: int, minute: int, second: int = 0, meridiem: bool = False) -> str:
    """A clock time as it is said: a 24-hour time as it is read ("18:45" is "eighteen forty-five"), but on the
    hour past noon with "PM" ("18:00" is "six PM": "eighteen hundred" is military, and misheard as 1800) and
    just past midnight with "AM" ("0:15" is "twelve fifteen AM", not "zero fifteen")."""
    suffix = ""
    if not meridiem and (hour > 12 and minute == 0 or hour == 0 and minute):
        hour, suffix = (hour - 12, " PM") if hour > 12 else (12, " AM")
    if minute == 0:
        if meridiem or suffix:
            said = cardinal(hour)
        elif hour == 0:
            said = "midnight"
        else:
            said = f"{cardinal(hour)} o'clock"
    else:
        said = f"{cardinal(hour)} {'oh ' if minute < 10 else ''}{cardinal(minute)}"
    said += suffix
    if second:
        said += f" and {cardinal(second)} second{'s' if second != 1 else ''}"
    return said


def _clock(match: re.Match) -> str:
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    meridiem = _meridiem(match, 4)
    return say_time(hour, minute, second, bool(meridiem)) + meridiem


def _hour_meridiem(match: re.Match) -> str:
    return str(int(match.group(1))) + _meridiem(match, 2)


# --- phone numbers, digit strings, versions, addresses -----------------------------------------------------

_PHONE = re.compile(
    r"(?<![\w+.-])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,6}(?![\w]|[.-]\d)"  # +1 555 123 4567, +44 (20) 7946 0958
    r"|(?<![\w(])\(\d{2,4}\)\s?\d{3,4}[-. ]\d{3,4}(?![\w]|[.-]\d)"  # (555) 123-4567
    r"|(?<![\w.-])\d{3}[-.]\d{3}[-.]\d{4}(?![\w]|[.-]\d)"  # 555-123-4567
    r"|(?<![\w.,-])0\d{1,4}(?:[ -]\d{2,4}){1,4}(?![\w]|[.,-]\d)"  # 020 7946 0958, 0800-123-456
)
_LONG_DIGITS = re.compile(r"(?<![\w.,$€£¥\u00a0\u202f-])\d{8,}(?![\w]|[.,]\d)")
_ZERO_LED = re.compile(r"(?<![\w.,$€£¥\u00a0\u202f-])0\d+(?![\w]|[.,]\d)")


def say_phone(text: str) -> str:
    groups = re.findall(r"\d+", text)
    if sum(len(g) for g in groups) < 7:
        return text
    said = ", ".join(digits(group) for group in groups)
    return ("plus " if text.startswith("+") else "") + said


def _long_digits(match: re.Match) -> str:
    return ", ".join(digits(group) for group in split_long_digits(match.group(0)))


def _ipv4(match: re.Match) -> str:
    parts = match.groups()[:4]
    if any(int(part) > 255 for part in parts):
        return match.group(0)
    said = " dot ".join(digits(part) for part in parts)
    if match.group(5):
        said += f", port {match.group(5)}"
    return said


_VERSION = re.compile(r"(?<![\w.])(?:([Vv])ersion\s[vV]?|[vV])(\d+(?:\.\d+)*)(?![\w]|\.\d)")
_DOTTED = re.compile(r"(?<![\w.])(\d+(?:\.\d+){2,})(?![\w]|\.\d)")


def _version_number(number: str) -> str:
    return " point ".join(cardinal(int(part)) if len(part) <= 3 else part for part in number.split("."))


def _version(match: re.Match) -> str:
    return ("Version " if match.group(1) == "V" else "version ") + _version_number(match.group(2))


def _dotted(match: re.Match) -> str:
    return _version_number(match.group(1))


# --- money -------------------------------------------------------------------------------------------------

_CURRENCY_CODES = {"USD": "$", "EUR": "€", "GBP": "£"}
_SAID_CURRENCIES = {  # misaki has no reading for these symbols: the amount, then the name
    "¥": ("yen", "yen"), "JPY": ("yen", "yen"), "円": ("yen", "yen"),
    "₹": ("rupee", "rupees"), "INR": ("rupee", "rupees"), "Rs": ("rupee", "rupees"), "Rs.": ("rupee", "rupees"),
    "CHF": ("Swiss franc", "Swiss francs"), "R$": ("real", "reais"), "BRL": ("real", "reais"),
}
_SCALE_WORDS = {"k": "thousand", "K": "thousand", "m": "million", "M": "million", "mn": "million",
                "b": "billion", "B": "billion", "bn": "billion", "tn": "trillion"}
_AMOUNT_SCALE = re.compile(rf"([$€£])({NUM_EN})\s?(k|K|m|M|mn|bn|b|B|tn)(?![\w])")
_THOUSANDS = re.compile(rf"(?<![\w.,$€£])({NUM_EN})k(?![\w])")
_ONE_CENT_DIGIT = re.compile(
    r"([$€£])(\d{1,3}(?:,\d{3})*|\d+)\.(\d)(?![\d])(?!\s?(?:thousand|million|billion|trillion)\b)"
)
_SYMBOL_AFTER = re.compile(rf"(?<![\w.,])(-?)({NUM_EN})\s?([$€£])(?![\w$€£])")
_CODE_AFTER = re.compile(rf"(?<![\w.,])({NUM_EN})\s?(USD|EUR|GBP)\b")
_CODE_BEFORE = re.compile(rf"\b(USD|EUR|GBP)\s?({NUM_EN})(?![\w])")
_SAID_BEFORE = re.compile(rf"(¥|₹|JPY|INR|Rs\.?|CHF|R\$|BRL)\s?({NUM_EN})(?![\w])")
_SAID_AFTER = re.compile(rf"(?<![\w.,])({NUM_EN})\s?(円|JPY|INR|CHF|BRL)(?![\w])")


def _said_amount(number: str, currency: str) -> str:
    singular, plural = _SAID_CURRENCIES[currency]
    return f"{number} {singular if number == '1' else plural}"


# --- measures ----------------------------------------------------------------------------------------------

_DEGREES = re.compile(rf"(?<![\w.])(-?(?:{NUM_EN}))\s?[°º]\s?([CF])(?![A-Za-z])|(?<![\w.])(-?(?:{NUM_EN}))\s?°(?![\w°])")

# "21 degrees C": the scale's letter after the word (misaki says "C").
_DEGREES_LETTER = re.compile(r"(\d\s(?:degrees?|deg))\s([CF])\b(?!\.\w)")

# Unit symbol → (singular, plural). Case matters: "m" is metres, "M" is not a unit here.
UNITS: dict[str, tuple[str, str]] = {
    "km/h": ("kilometer per hour", "kilometers per hour"), "kph": ("kilometer per hour", "kilometers per hour"),
    "mph": ("mile per hour", "miles per hour"), "m/s": ("meter per second", "meters per second"),
    "km": ("kilometer", "kilometers"), "m": ("meter", "meters"), "cm": ("centimeter", "centimeters"),
    "mm": ("millimeter", "millimeters"), "mi": ("mile", "miles"), "ft": ("foot", "feet"), "yd": ("yard", "yards"),
    "kg": ("kilogram", "kilograms"), "g": ("gram", "grams"), "mg": ("milligram", "milligrams"),
    "lb": ("pound", "pounds"), "lbs": ("pound", "pounds"), "oz": ("ounce", "ounces"),
    "L": ("liter", "liters"), "l": ("liter", "liters"), "ml": ("milliliter", "milliliters"),
    "mL": ("milliliter", "milliliters"), "gal": ("gallon", "gallons"),
    "W": ("watt", "watts"), "kW": ("kilowatt", "kilowatts"), "MW": ("megawatt", "megawatts"),
    "Wh": ("watt hour", "watt hours"), "kWh": ("kilowatt hour", "kilowatt hours"),
    "MWh": ("megawatt hour", "megawatt hours"), "V": ("volt", "volts"), "A": ("amp", "amps"),
    "mA": ("milliamp", "milliamps"), "mAh": ("milliamp hour", "milliamp hours"),
    "Hz": ("hertz", "hertz"), "kHz": ("kilohertz", "kilohertz"), "MHz": ("megahertz", "megahertz"),
    "GHz": ("gigahertz", "gigahertz"), "kB": ("kilobyte", "kilobytes"), "KB": ("kilobyte", "kilobytes"),
    "MB": ("megabyte", "megabytes"), "GB": ("gigabyte", "gigabytes"), "TB": ("terabyte", "terabytes"),
    "Mbps": ("megabit per second", "megabits per second"), "Gbps": ("gigabit per second", "gigabits per second"),
    "ms": ("millisecond", "milliseconds"), "sec": ("second", "seconds"), "secs": ("second", "seconds"),
    "min": ("minute", "minutes"), "mins": ("minute", "minutes"), "h": ("hour", "hours"), "hr": ("hour", "hours"),
    "hrs": ("hour", "hours"), "dB": ("decibel", "decibels"), "lx": ("lux", "lux"), "ppm": ("part per million",
    "parts per million"), "hPa": ("hectopascal", "hectopascals"), "mbar": ("millibar", "millibars"),
    "psi": ("psi", "psi"), "kcal": ("kilocalorie", "kilocalories"), "rpm": ("rpm", "rpm"),
    "m²": ("square meter", "square meters"), "m2": ("square meter", "square meters"),
    "m³": ("cubic meter", "cubic meters"), "m3": ("cubic meter", "cubic meters"),
    "µg/m³": ("microgram per cubic meter", "micrograms per cubic meter"),
    "μg/m³": ("microgram per cubic meter", "micrograms per cubic meter"),
    "ug/m3": ("microgram per cubic meter", "micrograms per cubic meter"),
}
_SPACED_UNITS = {"s": ("second", "seconds")}  # "30s" is "the thirties"; "30 s" is seconds
_BRITISH = {"meter": "metre", "liter": "litre"}



_UNIT = re.compile(
    rf"(?<![\w.])(-?(?:{NUM_EN}))(?:\s?({alternation(UNITS)})|\s({alternation(_SPACED_UNITS)}))"
    r"(?![\w/²³])"
)
_PER_WORDS = {
    "kWh": "kilowatt hour", "h": "hour", "hr": "hour", "hour": "hour", "day": "day", "d": "day", "week": "week",
    "wk": "week", "month": "month", "mo": "month", "year": "year", "yr": "year", "km": "kilometer",
    "mi": "mile", "kg": "kilogram", "lb": "pound", "m": "meter", "s": "second", "min": "minute",
    "person": "person", "night": "night", "L": "liter", "l": "liter",
}
# "/day" after an amount or a unit ("$0.30/kWh", "5 km/day", "50%/h"), not after any word ("and/or", "a/m").
_PER = re.compile(
    rf"((?:\d|%)(?:\s?(?:{alternation(UNITS)}))?)\s?/\s?({alternation(_PER_WORDS)})(?![\w²³])"
)


def _plural(number: str, forms: tuple[str, str], british: bool) -> str:
    word = forms[0] if number.lstrip("-") == "1" else forms[1]
    if british:
        for us, gb in _BRITISH.items():
            word = word.replace(us, gb)
    return word


def _degrees(match: re.Match, british: bool) -> str:
    number = match.group(1) or match.group(3)
    word = "degree" if number.lstrip("-") == "1" else "degrees"
    scale = match.group(2)
    if scale:
        word += " Celsius" if scale == "C" else " Fahrenheit"
    return f"{number} {word}"


def _unit(match: re.Match, british: bool) -> str:
    number = match.group(1)
    forms = UNITS.get(match.group(2)) if match.group(2) else _SPACED_UNITS[match.group(3)]
    return f"{number} {_plural(number, forms, british)}"


def _per(match: re.Match, british: bool) -> str:
    return match.group(1) + " per " + _plural("1", (_PER_WORDS[match.group(2)],) * 2, british)


# --- ranges, fractions, symbols, abbreviations -------------------------------------------------------------

_RANGE = re.compile(
    rf"(?<![\w.,:/-])(-?(?:{NUM_EN}))(%?)\s?-\s?([$€£]?(?:{NUM_EN}))(?![\w]|[.,:/-]\d|\s?[=+*/])"
)
_FRACTION_NAMES = {2: ("half", "halves"), 3: ("third", "thirds"), 4: ("quarter", "quarters"),
                   8: ("eighth", "eighths"), 16: ("sixteenth", "sixteenths")}
_OUT_OF = {5, 10, 100}
_FRACTION = re.compile(r"(?<![\w./])(?:(\d+) )?(\d{1,2})/(\d{1,3})(?![\w/]|[.,]\d)")
_VULGAR = {"½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4), "⅛": (1, 8), "⅜": (3, 8),
           "⅝": (5, 8), "⅞": (7, 8)}
_VULGAR_FRACTION = re.compile(rf"(\d*)\s?([{''.join(_VULGAR)}])")


def say_fraction(numerator: int, denominator: int) -> str | None:
    if denominator in _FRACTION_NAMES and 0 < numerator < denominator:
        singular, plural = _FRACTION_NAMES[denominator]
        return f"{cardinal(numerator)} {singular if numerator == 1 else plural}"
    if denominator in _OUT_OF and 0 <= numerator <= denominator:
        return f"{cardinal(numerator)} out of {cardinal(denominator)}"
    return None


def _fraction(match: re.Match) -> str:
    whole, numerator, denominator = match.group(1), int(match.group(2)), int(match.group(3))
    said = say_fraction(numerator, denominator)
    if said is None:
        return match.group(0)
    if whole and denominator in _OUT_OF:
        return f"{whole} {said}"
    if whole:
        return f"{whole} and {'a half' if (numerator, denominator) == (1, 2) else said}"
    return said


def _vulgar_fraction(match: re.Match) -> str:
    whole = match.group(1)
    numerator, denominator = _VULGAR[match.group(2)]
    said = say_fraction(numerator, denominator) or ""
    if whole:
        return f"{whole} and {'a half' if (numerator, denominator) == (1, 2) else said}"
    return said


_RULES_SYMBOLS: list[Rule] = [
    (re.compile(r"(?<![\w&])#\s?(\d)"), r"number \1"),  # "#1": misaki says only "one"
    (re.compile(rf"(?<![\w.])({NUM_EN})\s?[x×]\s?({NUM_EN})(?![\w])"), r"\1 by \2"),  # 4x4, 3 × 2 m
    (re.compile(rf"(?<![\w.])({NUM_EN})[x×](?![\w])"), r"\1 times"),  # 2x faster
    (re.compile(rf"[~≈∼]\s?(?=-?\$?\d)"), "about "),
    (re.compile(r"≥\s?|>=\s?(?=\d)"), "at least "),
    (re.compile(r"≤\s?|<=\s?(?=\d)"), "at most "),
    (re.compile(r"(?<![<>=\w])>\s?(?=-?\$?\d)"), "more than "),
    (re.compile(r"(?<![<>=\w])<\s?(?=-?\$?\d)"), "less than "),
]

# Abbreviations misaki does not expand ("e.g." is "E G" to it). Those it reads well (Dr., Mr., vs., etc., No.)
# are left to it.
_ABBREVIATIONS: list[Rule] = [
    abbreviation(r"\be\.\s?g\.(?=\s|,|$)", "for example"),
    abbreviation(r"\bi\.\s?e\.(?=\s|,|$)", "that is"),
    abbreviation(r"\bapprox\.(?=\s)", "approximately"),
    abbreviation(r"\bapprox(?=\s\$?\d)", "approximately"),
    abbreviation(r"\bavg\.?(?=\s)", "average"),
    abbreviation(r"\bincl\.(?=\s)", "including"),
    abbreviation(r"\bexcl\.(?=\s)", "excluding"),
    abbreviation(r"\btemp\.(?=\s\d)", "temperature"),
    abbreviation(r"(?<![\w/])w/o(?=\s)", "without"),
    abbreviation(r"(?<![\w/])w/(?=\s)", "with"),
]


# Titles before a name and street words after one ("St." is both); "Dr.", "Mr." and "Mrs." before a name misaki
# reads well, and they are written out here only where they could be read either way.
_TITLES = titles(
    {"St": "Saint", "Mt": "Mount", "Ft": "Fort", "Pt": "Point", "Ste": "Sainte"},
    {"St": "Street", "Dr": "Drive", "Ave": "Avenue", "Rd": "Road", "Blvd": "Boulevard", "Ln": "Lane"},
)

# A minus sign: misaki drops "-5" in some contexts ("It is -5 degrees Celsius." loses the number).
_MINUS_SIGN = re.compile(r"(?:(?<=^)|(?<=[\s(\[:]))-(?=[$€£]?\d)", re.M)


def _rules(british: bool) -> list[Rule]:
    return [
        (_MINUS_SIGN, "minus "),
        (ISO_DATE, lambda m: _iso_date(m, british)),
        (_NUMERIC_DATE, lambda m: _numeric_date(m, british)),
        (_MONTH_ABBREVIATION, lambda m: _MONTH_ABBREVIATIONS[m.group(1)]),
        (_MONTH_DAY, _month_day),
        (_DAY_MONTH, _day_month),
        (_TIME_RANGE, r"\1 to "),
        (_CLOCK, _clock),
        (_HOUR_MERIDIEM, _hour_meridiem),
        (_PHONE, lambda m: say_phone(m.group(0))),
        (IPV4, _ipv4),
        *version_rules(_version_number, lambda digits: cardinal(int(digits))),
        (_VERSION, _version),
        (_DOTTED, _dotted),
        (_AMOUNT_SCALE, lambda m: f"{m.group(1)}{m.group(2)} {_SCALE_WORDS[m.group(3)]}"),
        (_THOUSANDS, r"\1 thousand"),
        (_ONE_CENT_DIGIT, r"\1\2.\g<3>0"),
        (_SYMBOL_AFTER, r"\1\3\2"),
        (_CODE_AFTER, lambda m: _CURRENCY_CODES[m.group(2)] + m.group(1)),
        (_CODE_BEFORE, lambda m: _CURRENCY_CODES[m.group(1)] + m.group(2)),
        (_SAID_BEFORE, lambda m: _said_amount(m.group(2), m.group(1))),
        (_SAID_AFTER, lambda m: _said_amount(m.group(1), m.group(2))),
        (_PER, lambda m: _per(m, british)),
        (_DEGREES, lambda m: _degrees(m, british)),
        (_DEGREES_LETTER, lambda m: f"{m.group(1)} Celsius" if m.group(2) == "C" else f"{m.group(1)} Fahrenheit"),
        (_UNIT, lambda m: _unit(m, british)),
        (_RANGE, r"\1\2 to \3"),
        (_FRACTION, _fraction),
        (_LONG_DIGITS, _long_digits),
        (_ZERO_LED, lambda m: digits(m.group(0))),
    ]


_RULES = {"en-us": _rules(False), "en-gb": _rules(True)}
_DIGIT = re.compile(r"\d")


def normalize_english(text: str, language: str = "en-us") -> str:
    """English ``text`` with numbers, units, times, dates and symbols in the form misaki reads right."""
    text = apply(_ABBREVIATIONS, text)
    if "." in text or "St " in text or "Mt " in text:
        text = apply([_TITLES], text)
    if any(c in text for c in _VULGAR):
        text = _VULGAR_FRACTION.sub(_vulgar_fraction, text)
    if not _DIGIT.search(text):
        return text
    text = tidy_signs(text)
    text = apply(_RULES[language if language in _RULES else "en-us"], text)
    return apply(_RULES_SYMBOLS, text)

"""Spanish, French, Italian and Brazilian Portuguese: numbers and what goes with them, said in words.

espeak-ng reads bare digits in these languages, but not "21,5 °C", "15:30", "50 %", "€3,50", "v1.2" or
"1.234.567" the way a person says them. Here every number is written out with num2words (``es``, ``fr``,
``it``, ``pt_BR``), with the language's decimal word ("coma", "virgule", "virgola", "vírgula"), the gender of
what it counts ("una hora", "une heure", "duas horas") and the Spanish and Italian short forms before a noun
("veintiún grados", "un grado").

Separators follow the languages' convention: "," is the decimal mark, "." and spaces group thousands
("1.234.567", "1 234"); a "." followed by one, two or more than three digits is a decimal point, as Home
Assistant templates write it ("21.5"), and so are the English-style "1,234,567" groups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from num2words import num2words

from .common import (
    IPV4, ISO_DATE, TIME, Rule, abbreviation, alternation, apply, split_long_digits, tidy_signs, titles, valid_date,
    version_rules,
)

# A number: "1.234.567,89", "1 234,5" (with a non-breaking or a narrow space), "1,234,567.89", "21,5", "21.5",
# "42".
NUM = (
    r"\d{1,3}(?:\.\d{3})+(?:,\d+)?(?!\d|\.\d)"
    r"|\d{1,3}(?:[\u00a0\u202f]\d{3})+(?:,\d+)?(?![\d])"
    r"|\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?"
    r"|\d+(?:[.,]\d+)?"
)


@dataclass(frozen=True)
class _Language:
    code: str  # num2words' language code
    decimal: str
    minus: str
    to: str  # in a range: "5 a 10"
    percent: str
    degree: tuple[str, str]
    version: str
    point: str  # between the parts of a version number
    number: str  # "#1"
    about: str  # "~5"
    plus: str  # "+34" in a phone number
    cents_joiner: str  # "tres euros con cincuenta céntimos"
    of_amount: str  # "un millón de euros"
    at: str  # a date and its time: "el 25 de noviembre a las 15:30"
    months: tuple[str, ...]
    date_of: str  # between day, month and year: "25 de noviembre de 2026"
    first_day: str  # "1er novembre" is "premier novembre"
    no_short_form_before: frozenset[str] = field(default_factory=frozenset)


_ES_MONTHS = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
_FR_MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
_IT_MONTHS = "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre"
_PT_MONTHS = "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro"

_LANGUAGES = {
    "es": _Language(
        "es", "coma", "menos", "a", "por ciento", ("grado", "grados"), "versión", "punto", "número", "alrededor de",
        "más", "con", "de", "a las", tuple(_ES_MONTHS.split()), " de ", "",
        frozenset("y o u e a de del en por para con que ni al entre".split()),
    ),
    "fr": _Language(
        "fr", "virgule", "moins", "à", "pour cent", ("degré", "degrés"), "version", "point", "numéro",
        "environ", "plus", "et", "de", "à", tuple(_FR_MONTHS.split()), " ", "premier",
    ),
    "it": _Language(
        "it", "virgola", "meno", "a", "per cento", ("grado", "gradi"), "versione", "punto", "numero", "circa",
        "più", "e", "di", "alle", tuple(_IT_MONTHS.split()), " ", "primo",
        frozenset("e o a di da in per con su tra fra che".split()),
    ),
    "pt-br": _Language(
        "pt_BR", "vírgula", "menos", "a", "por cento", ("grau", "graus"), "versão", "ponto", "número",
        "cerca de", "mais", "e", "de", "às", tuple(_PT_MONTHS.split()), " de ", "primeiro",
    ),
}

# Units: symbol → language → (singular, plural, feminine).
_UNITS: dict[str, dict[str, tuple[str, str, bool]]] = {
    "km/h": {"es": ("kilómetro por hora", "kilómetros por hora", False),
             "fr": ("kilomètre par heure", "kilomètres par heure", False),
             "it": ("chilometro orario", "chilometri orari", False),
             "pt-br": ("quilômetro por hora", "quilômetros por hora", False)},
    "km": {"es": ("kilómetro", "kilómetros", False), "fr": ("kilomètre", "kilomètres", False),
           "it": ("chilometro", "chilometri", False), "pt-br": ("quilômetro", "quilômetros", False)},
    "m": {"es": ("metro", "metros", False), "fr": ("mètre", "mètres", False),
          "it": ("metro", "metri", False), "pt-br": ("metro", "metros", False)},
    "cm": {"es": ("centímetro", "centímetros", False), "fr": ("centimètre", "centimètres", False),
           "it": ("centimetro", "centimetri", False), "pt-br": ("centímetro", "centímetros", False)},
    "mm": {"es": ("milímetro", "milímetros", False), "fr": ("millimètre", "millimètres", False),
           "it": ("millimetro", "millimetri", False), "pt-br": ("milímetro", "milímetros", False)},
    "m²": {"es": ("metro cuadrado", "metros cuadrados", False), "fr": ("mètre carré", "mètres carrés", False),
           "it": ("metro quadrato", "metri quadrati", False), "pt-br": ("metro quadrado", "metros quadrados", False)},
    "m³": {"es": ("metro cúbico", "metros cúbicos", False), "fr": ("mètre cube", "mètres cubes", False),
           "it": ("metro cubo", "metri cubi", False), "pt-br": ("metro cúbico", "metros cúbicos", False)},
    "kg": {"es": ("kilogramo", "kilogramos", False), "fr": ("kilogramme", "kilogrammes", False),
           "it": ("chilogrammo", "chilogrammi", False), "pt-br": ("quilograma", "quilogramas", False)},
    "g": {"es": ("gramo", "gramos", False), "fr": ("gramme", "grammes", False),
          "it": ("grammo", "grammi", False), "pt-br": ("grama", "gramas", False)},
    "kWh": {"es": ("kilovatio hora", "kilovatios hora", False), "fr": ("kilowattheure", "kilowattheures", False),
            "it": ("chilowattora", "chilowattora", False), "pt-br": ("quilowatt-hora", "quilowatts-hora", False)},
    "kW": {"es": ("kilovatio", "kilovatios", False), "fr": ("kilowatt", "kilowatts", False),
           "it": ("chilowatt", "chilowatt", False), "pt-br": ("quilowatt", "quilowatts", False)},
    "W": {"es": ("vatio", "vatios", False), "fr": ("watt", "watts", False),
          "it": ("watt", "watt", False), "pt-br": ("watt", "watts", False)},
    "V": {"es": ("voltio", "voltios", False), "fr": ("volt", "volts", False),
          "it": ("volt", "volt", False), "pt-br": ("volt", "volts", False)},
    "A": {"es": ("amperio", "amperios", False), "fr": ("ampère", "ampères", False),
          "it": ("ampere", "ampere", False), "pt-br": ("ampere", "amperes", False)},
    "L": {"es": ("litro", "litros", False), "fr": ("litre", "litres", False),
          "it": ("litro", "litri", False), "pt-br": ("litro", "litros", False)},
    "ml": {"es": ("mililitro", "mililitros", False), "fr": ("millilitre", "millilitres", False),
           "it": ("millilitro", "millilitri", False), "pt-br": ("mililitro", "mililitros", False)},
    "h": {"es": ("hora", "horas", True), "fr": ("heure", "heures", True),
          "it": ("ora", "ore", True), "pt-br": ("hora", "horas", True)},
    "min": {"es": ("minuto", "minutos", False), "fr": ("minute", "minutes", True),
            "it": ("minuto", "minuti", False), "pt-br": ("minuto", "minutos", False)},
    "MB": {"es": ("megabyte", "megabytes", False), "fr": ("mégaoctet", "mégaoctets", False),
           "it": ("megabyte", "megabyte", False), "pt-br": ("megabyte", "megabytes", False)},
    "GB": {"es": ("gigabyte", "gigabytes", False), "fr": ("gigaoctet", "gigaoctets", False),
           "it": ("gigabyte", "gigabyte", False), "pt-br": ("gigabyte", "gigabytes", False)},
}
_UNIT_ALIASES = {"l": "L", "mL": "ml", "m2": "m²", "m3": "m³", "kph": "km/h"}
_SPACED_UNITS = {  # "30s" is a decade; "30 s" is seconds
    "s": {"es": ("segundo", "segundos", False), "fr": ("seconde", "secondes", True),
          "it": ("secondo", "secondi", False), "pt-br": ("segundo", "segundos", False)},
}

# Currencies: code → language → (singular, plural, feminine, cent, cents).
_CURRENCIES: dict[str, dict[str, tuple[str, str, bool, str, str]]] = {
    "EUR": {"es": ("euro", "euros", False, "céntimo", "céntimos"),
            "fr": ("euro", "euros", False, "centime", "centimes"),
            "it": ("euro", "euro", False, "centesimo", "centesimi"),
            "pt-br": ("euro", "euros", False, "centavo", "centavos")},
    "USD": {"es": ("dólar", "dólares", False, "centavo", "centavos"),
            "fr": ("dollar", "dollars", False, "cent", "cents"),
            "it": ("dollaro", "dollari", False, "centesimo", "centesimi"),
            "pt-br": ("dólar", "dólares", False, "centavo", "centavos")},
    "GBP": {"es": ("libra", "libras", True, "penique", "peniques"),
            "fr": ("livre", "livres", True, "penny", "pence"),
            "it": ("sterlina", "sterline", True, "penny", "pence"),
            "pt-br": ("libra", "libras", True, "pêni", "pence")},
    "BRL": {"es": ("real", "reales", False, "centavo", "centavos"),
            "fr": ("real", "reais", False, "centavo", "centavos"),
            "it": ("real", "real", False, "centavo", "centavos"),
            "pt-br": ("real", "reais", False, "centavo", "centavos")},
    "JPY": {"es": ("yen", "yenes", False, "sen", "sen"),
            "fr": ("yen", "yens", False, "sen", "sen"),
            "it": ("yen", "yen", False, "sen", "sen"),
            "pt-br": ("iene", "ienes", False, "sen", "sen")},
    "INR": {"es": ("rupia", "rupias", True, "paisa", "paisas"),
            "fr": ("roupie", "roupies", True, "paisa", "paise"),
            "it": ("rupia", "rupie", True, "paisa", "paise"),
            "pt-br": ("rupia", "rupias", True, "paisa", "paisas")},
}
_CURRENCY_SYMBOLS = {"€": "EUR", "$": "USD", "US$": "USD", "£": "GBP", "R$": "BRL", "¥": "JPY", "₹": "INR",
                     "EUR": "EUR", "USD": "USD", "GBP": "GBP", "BRL": "BRL", "JPY": "JPY", "INR": "INR"}
_CURRENCY = r"R\$|US\$|[€$£¥₹]|EUR|USD|GBP|BRL|JPY|INR"

_ABBREVIATIONS: dict[str, list[Rule]] = {
    "es": [abbreviation(r"\bp\.\s?ej\.", "por ejemplo"), abbreviation(r"\baprox\.(?=\s)", "aproximadamente")],
    "fr": [abbreviation(r"\bp\.\s?ex\.", "par exemple"), abbreviation(r"\benv\.(?=\s\d)", "environ")],
    "it": [abbreviation(r"\bad es\.", "ad esempio"), abbreviation(r"\becc\.", "eccetera"),
           abbreviation(r"\bca\.(?=\s\d)", "circa")],
    "pt-br": [abbreviation(r"\bp\.\s?ex\.", "por exemplo"), abbreviation(r"\baprox\.(?=\s)", "aproximadamente")],
}

# Titles before a name, said as words ("Sra. López" is "señora López"; "M. Dupont" is "monsieur Dupont").
_TITLES: dict[str, Rule] = {
    "es": titles({"Sr": "señor", "Sra": "señora", "Srta": "señorita", "Dr": "doctor", "Dra": "doctora",
                  "Prof": "profesor", "Lic": "licenciado", "Ing": "ingeniero", "S": "San", "Sto": "Santo",
                  "Sta": "Santa", "Av": "avenida", "Avda": "avenida"}),
    "fr": titles({"M": "monsieur", "MM": "messieurs", "Mme": "madame", "Mmes": "mesdames", "Mlle": "mademoiselle",
                  "Dr": "docteur", "Pr": "professeur", "Me": "maître", "St": "saint", "Ste": "sainte",
                  "S": "saint", "av": "avenue", "Av": "avenue", "bd": "boulevard", "Bd": "boulevard"}),
    "it": titles({"Sig": "signor", "Sig.ra": "signora", "Sig.na": "signorina", "Sigg": "signori", "Dott": "dottor",
                  "Dott.ssa": "dottoressa", "Dr": "dottor", "Prof": "professor", "Prof.ssa": "professoressa",
                  "Ing": "ingegner", "Avv": "avvocato", "Geom": "geometra", "S": "San", "Sta": "Santa",
                  "V.le": "viale", "P.zza": "piazza"}),
    "pt-br": titles({"Sr": "senhor", "Sra": "senhora", "Srta": "senhorita", "Dr": "doutor", "Dra": "doutora",
                     "Prof": "professor", "Profa": "professora", "S": "São", "Sto": "Santo", "Sta": "Santa",
                     "Av": "avenida", "R": "rua"}),
}


# --- numbers in words ----------------------------------------------------------------------------------------


def in_words(n: int, code: str, to: str = "cardinal") -> str:
    """num2words of ``n`` (0 or more: the rules read a minus sign as a word), or, for a number too large for it
    (it overflows past about 10^27 in some languages), its digits one by one."""
    try:
        return num2words(n, lang=code, to=to)
    except (OverflowError, ValueError):
        return " ".join(num2words(int(d), lang=code) for d in str(n))


@lru_cache(maxsize=4096)
def _cardinal(n: int, code: str) -> str:
    return in_words(n, code).replace(",", "")


def cardinal(n: int, language: str, form: str | None = None) -> str:
    """``n`` in words; ``form`` "m" is the short form before a masculine noun ("veintiún", Spanish and
    Italian "un"), "f" the feminine ("una", "une", "uma", "duas", "doscientas")."""
    words = _cardinal(n, _LANGUAGES[language].code)
    if form is None:
        return words
    if language == "es":
        if form == "m":
            return re.sub(r"veintiuno$", "veintiún", re.sub(r"\buno$", "un", words))
        return re.sub(r"ientos\b", "ientas", re.sub(r"uno$", "una", words))
    if language == "fr" and form == "f":
        return re.sub(r"\bun$", "une", words)
    if language == "it" and words == "uno":
        return "un" if form == "m" else "una"
    if language == "pt-br" and form == "f":
        return re.sub(r"entos\b", "entas", re.sub(r"\bdois$", "duas", re.sub(r"\bum$", "uma", words)))
    return words


def parse_number(text: str) -> tuple[str, str]:
    """(whole digits, decimal digits) of a written number, by the conventions above."""
    text = re.sub(r"[\u00a0\u202f ]", "", text)
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", text):  # 1.234.567,89
        whole, _, decimals = text.partition(",")
        return whole.replace(".", ""), decimals
    if re.fullmatch(r"\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?", text):  # 1,234,567.89
        whole, _, decimals = text.partition(".")
        return whole.replace(",", ""), decimals
    whole, _, decimals = text.replace(",", ".").partition(".")
    return whole, decimals


def _decimals(digits: str, language: str) -> str:
    if len(digits) <= 2 and not digits.startswith("0"):
        return cardinal(int(digits), language)
    return " ".join(cardinal(int(d), language) for d in digits)


def say_number(text: str, language: str, form: str | None = None) -> str:
    """A written number ("-21,5", "1.234") in words."""
    negative = text.startswith("-")
    whole, decimals = parse_number(text.lstrip("-"))
    lang = _LANGUAGES[language]
    if decimals:
        words = f"{cardinal(int(whole), language)} {lang.decimal} {_decimals(decimals, language)}"
    else:
        words = cardinal(int(whole), language, form)
    return f"{lang.minus} {words}" if negative else words


def _singular(text: str, language: str) -> bool:
    whole, decimals = parse_number(text.lstrip("-"))
    value = float(f"{whole}.{decimals or 0}")
    return value < 2 if language == "fr" else value == 1


def say_digits(text: str, language: str) -> str:
    return " ".join(cardinal(int(c), language) for c in text if c.isdigit())


# --- rules ---------------------------------------------------------------------------------------------------


def _date(year: str | None, month: int, day: int, language: str) -> str:
    lang = _LANGUAGES[language]
    day_words = lang.first_day if day == 1 and lang.first_day else cardinal(day, language)
    said = f"{day_words}{lang.date_of}{lang.months[month - 1]}"
    if year:
        said += f"{lang.date_of}{cardinal(int(year), language)}"
    return said


def _iso_date(match: re.Match, language: str) -> str:
    year, month, day, time = match.group(1), int(match.group(2)), int(match.group(3)), match.group(4)
    if not valid_date(month, day):
        return match.group(0)
    return _date(year, month, day, language) + (f" {_LANGUAGES[language].at} {time}" if time else "")


_NUMERIC_DATE = re.compile(r"(?<![\w./-])(\d{1,2})([/.])(\d{1,2})\2(\d{4})(?![\w]|[./-]\d)")


def _numeric_date(match: re.Match, language: str) -> str:
    day, month, year = int(match.group(1)), int(match.group(3)), match.group(4)
    if not valid_date(month, day):
        return match.group(0)
    return _date(year, month, day, language)


# "15h30" (French and Brazilian usage) is a time like "15:30".
_H_TIME = re.compile(r"(?<![\w.,:])([01]?\d|2[0-3])\s?h\s?([0-5]\d)(?![\w])")
_TIME_RANGE = re.compile(r"(\d{1,2}[:h]\d{2})\s?-\s?(?=\d{1,2}[:h]\d{2})")


def say_time(hour: int, minute: int, language: str) -> str:
    if language == "fr":
        said = f"{cardinal(hour, language, 'f')} heure{'s' if hour > 1 else ''}"
        return said + (f" {cardinal(minute, language)}" if minute else "")
    if language == "pt-br":
        if not minute:
            return f"{cardinal(hour, language, 'f')} hora{'s' if hour != 1 else ''}"
        return f"{cardinal(hour, language, 'f')} e {cardinal(minute, language)}"
    hours = cardinal(hour, language, "f")  # "la una", "l'una"
    if not minute:
        return hours
    return f"{hours} {'y' if language == 'es' else 'e'} {cardinal(minute, language)}"


def _time(match: re.Match, language: str) -> str:
    return say_time(int(match.group(1)), int(match.group(2)), language)


_PHONE = re.compile(
    r"(?<![\w+.-])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,6}(?![\w]|[.-]\d)"
    r"|(?<![\w.,-])0\d{1,4}(?:[ -]\d{2,4}){1,4}(?![\w]|[.,-]\d)"
    r"|(?<![\w.,+-])[1-9]\d{2}(?: \d{3} \d{3}| \d{2} \d{2} \d{2})(?![\w]|[ .,-]\d)"  # 612 345 678, 612 34 56 78
)
_LONG_DIGITS = re.compile(r"(?<![\w.,$€£\u00a0\u202f-])\d{8,}(?![\w]|[.,]\d)")
_ZERO_LED = re.compile(r"(?<![\w.,$€£\u00a0\u202f-])0\d+(?![\w]|[.,]\d)")


def _phone(match: re.Match, language: str) -> str:
    text = match.group(0)
    groups = re.findall(r"\d+", text)
    if sum(len(g) for g in groups) < 7:
        return text
    said = ", ".join(_phone_group(group, language) for group in groups)
    return (f"{_LANGUAGES[language].plus} " if text.startswith("+") else "") + said


def _phone_group(group: str, language: str) -> str:
    # French numbers are said in pairs: "06 12 34" is "zéro six, douze, trente-quatre".
    if language == "fr" and len(group) == 2:
        return say_digits(group, language) if group.startswith("0") else cardinal(int(group), language)
    return say_digits(group, language)


def _ipv4(match: re.Match, language: str) -> str:
    parts = match.groups()[:4]
    if all(len(part) == 3 for part in parts[1:]) or any(int(part) > 255 for part in parts):
        return match.group(0)  # 1.234.567.890 is a number
    dot = {"es": "punto", "fr": "point", "it": "punto", "pt-br": "ponto"}[language]
    said = f" {dot} ".join(say_digits(part, language) for part in parts)
    return said + (f", {match.group(5)}" if match.group(5) else "")


_VERSION = re.compile(r"(?<![\w.])(?:([Vv]ers(?:ión|ion|ione|ão))\s[vV]?|[vV])(\d+(?:\.\d+)*)(?![\w]|\.\d)")
_DOTTED = re.compile(r"(?<![\w.])(\d+(?:\.\d+){2,})(?![\w]|\.\d)")


def _version_number(number: str, language: str) -> str:
    point = f" {_LANGUAGES[language].point} "
    return point.join(cardinal(int(part), language) for part in number.split("."))


def _dotted(match: re.Match, language: str) -> str:
    parts = match.group(1).split(".")
    if len(parts[0]) <= 3 and all(len(part) == 3 for part in parts[1:]):
        return match.group(0)  # 1.234.567: thousands
    return _version_number(match.group(1), language)


def _amount(number: str, code: str, language: str) -> str:
    singular, plural, feminine, cent, cents = _CURRENCIES[code][language]
    whole, decimals = parse_number(number)
    if len(decimals) > 2:
        return f"{say_number(number, language)} {plural}"
    value = int(whole)
    words = cardinal(value, language, "f" if feminine else "m")
    lang = _LANGUAGES[language]
    if value and value % 1_000_000 == 0 and not decimals:
        of = "d'" if language == "fr" and plural[0] in "aeiou" else f"{lang.of_amount} "
        said = f"{words} {of}{plural}".replace("' ", "'")
    else:
        said = f"{words} {singular if value == 1 else plural}"
    if decimals:
        cent_value = int(decimals.ljust(2, "0"))
        if cent_value:
            cent_words = cardinal(cent_value, language, "m")
            cents_said = f"{cent_words} {cent if cent_value == 1 else cents}"
            said = cents_said if value == 0 else f"{said} {lang.cents_joiner} {cents_said}"
    return said


_AMOUNT_BEFORE = re.compile(rf"(?<![\w])({_CURRENCY})\s?({NUM})(?![\d])")
_AMOUNT_AFTER = re.compile(rf"(?<![\w.,])({NUM})\s?({_CURRENCY})(?![\w$€£¥₹])")

_DEGREES = re.compile(rf"(?<![\w.,])(-?(?:{NUM}))\s?[°º]\s?([CF])(?![A-Za-z])|(?<![\w.,])(-?(?:{NUM}))\s?°(?![\w°])")
_PERCENT = re.compile(rf"(?<![\w.,])(-?(?:{NUM}))\s?%")


def _degrees(match: re.Match, language: str) -> str:
    number = match.group(1) or match.group(3)
    singular, plural = _LANGUAGES[language].degree
    said = f"{say_number(number, language, 'm')} {singular if _singular(number, language) else plural}"
    if match.group(2):
        said += " Celsius" if match.group(2) == "C" else " Fahrenheit"
    return said



_UNIT = re.compile(
    rf"(?<![\w.,])(-?(?:{NUM}))(?:\s?({alternation([*_UNITS, *_UNIT_ALIASES])})"
    rf"|\s({alternation(_SPACED_UNITS)}))(?![\w/²³])"
)


def _unit(match: re.Match, language: str) -> str:
    number = match.group(1)
    if match.group(2):
        singular, plural, feminine = _UNITS[_UNIT_ALIASES.get(match.group(2), match.group(2))][language]
    else:
        singular, plural, feminine = _SPACED_UNITS[match.group(3)][language]
    words = say_number(number, language, "f" if feminine else "m")
    if language == "it" and words == "una" and singular[0] in "aeiou":
        return f"un'{singular}"  # "un'ora"
    return f"{words} {singular if _singular(number, language) else plural}"


_RANGE = re.compile(
    rf"(?<![\w.,:/-])(-?(?:{NUM}))(%?)\s?-\s?((?:{_CURRENCY})?\s?(?:{NUM}))(?![\w]|[.,:/-]\d|\s?[=+*/])"
)
_ORDINAL = re.compile(r"(?<![\w.,])(\d{1,3})\.?([ºª])(\s\w)?")
_ORDINAL_FR = re.compile(r"(?<![\w.,])(\d{1,3})(ère|re|er|ème|e|nde|nd)(?![\w])")
_MINUS_SIGN = re.compile(r"(?:(?<=^)|(?<=[\s(\[]))-(?=\d)", re.M)
_NUMBER = re.compile(rf"(?<![\d])({NUM})(?![\d])(?:\s([^\W\d_]+))?")
# Thousands grouped with plain spaces ("2 000 euros", as French and the Spanish Academy write them); after the
# phone rules, which take "612 345 678" and "612 34 56 78".
_SPACE_GROUPS = re.compile(r"(?<![\d,.])\d{1,3}(?: \d{3})+(?![\d]|[,.]\d{3})")


def _ordinal(match: re.Match, language: str) -> str:
    words = in_words(int(match.group(1)), _LANGUAGES[language].code, to="ordinal")
    if match.group(2) == "ª":
        words = re.sub(r"o\b", "a", words)
    elif language == "es" and match.group(3):  # "1º piso": "primer piso"
        words = re.sub(r"\b(prim|terc)ero$", r"\1er", words)
    return words + (match.group(3) or "")


def _ordinal_fr(match: re.Match) -> str:
    n, suffix = int(match.group(1)), match.group(2)
    if n == 1:
        return "premier" if suffix == "er" else "première"
    if n == 2 and suffix.startswith("nd"):
        return "second" if suffix == "nd" else "seconde"
    return in_words(n, "fr", to="ordinal")


def _number(match: re.Match, language: str) -> str:
    number, word = match.group(1), match.group(2)
    if word is None:
        return say_number(number, language)
    # A noun after the number: Spanish and Italian shorten "uno" ("veintiún años", "un anno").
    form = "m" if word.isalpha() and word.islower() and word not in _LANGUAGES[language].no_short_form_before else None
    return f"{say_number(number, language, form if language in ('es', 'it') else None)} {word}"


@lru_cache(maxsize=None)
def _rules(language: str) -> list[Rule]:
    lang = _LANGUAGES[language]

    def amount(number: str, currency: str) -> str:
        return _amount(number, _CURRENCY_SYMBOLS[currency], language)

    return [
        (ISO_DATE, lambda m: _iso_date(m, language)),
        (_NUMERIC_DATE, lambda m: _numeric_date(m, language)),
        (_TIME_RANGE, rf"\1 {lang.to} "),
        (TIME, lambda m: _time(m, language)),
        (_H_TIME, lambda m: _time(m, language)),
        (_PHONE, lambda m: _phone(m, language)),
        (IPV4, lambda m: _ipv4(m, language)),
        *version_rules(lambda number: _version_number(number, language),
                       lambda digits: cardinal(int(digits), language)),
        (_VERSION, lambda m: f"{m.group(1) or lang.version} {_version_number(m.group(2), language)}"),
        (_DOTTED, lambda m: _dotted(m, language)),
        (_SPACE_GROUPS, lambda m: m.group(0).replace(" ", "\u202f")),
        (_LONG_DIGITS, lambda m: ", ".join(say_digits(g, language) for g in split_long_digits(m.group(0)))),
        (_ZERO_LED, lambda m: say_digits(m.group(0), language)),
        (_RANGE, rf"\1\2 {lang.to} \3"),
        (_AMOUNT_BEFORE, lambda m: amount(m.group(2), m.group(1))),
        (_AMOUNT_AFTER, lambda m: amount(m.group(1), m.group(2))),
        (_DEGREES, lambda m: _degrees(m, language)),
        (_PERCENT, lambda m: f"{say_number(m.group(1), language)} {lang.percent}"),
        (_UNIT, lambda m: _unit(m, language)),
        (_ORDINAL_FR if language == "fr" else _ORDINAL,
         _ordinal_fr if language == "fr" else (lambda m: _ordinal(m, language))),
        (re.compile(r"(?<![\w&])#\s?(?=\d)"), f"{lang.number} "),
        (re.compile(r"[~≈∼]\s?(?=-?\d)"), f"{lang.about} "),
        (_MINUS_SIGN, f"{lang.minus} "),
        (_NUMBER, lambda m: _number(m, language)),
    ]


_DIGIT = re.compile(r"\d")


def normalize_romance(text: str, language: str) -> str:
    """Spanish, French, Italian or Brazilian Portuguese ``text`` with its numbers, units, times, dates and
    currencies in words."""
    text = apply([*_ABBREVIATIONS[language], _TITLES[language]], text)
    if not _DIGIT.search(text):
        return text
    return apply(_rules(language), tidy_signs(text))

"""URLs and e-mail addresses, read the short way a person reads them: "example dot com".

A G2P reads "https://www.example.com/path?x=1" letter by letter, or as a string of odd words; nobody wants to
hear the path or the query. The spoken form is the host without "www.", its dots said as the language's word
for "dot"; an e-mail address is its name (when it is made of words) "at" its domain.
"""

from __future__ import annotations

import re

# The word for "." and for "@" in each language.
_DOT = {"en": "dot", "es": "punto", "fr": "point", "it": "punto", "pt": "ponto", "hi": "डॉट", "ja": "ドット",
        "zh": "点"}
_AT = {"en": "at", "es": "arroba", "fr": "arobase", "it": "chiocciola", "pt": "arroba", "hi": "एट", "ja": "アット",
       "zh": "艾特"}

# Top-level domains that make a bare "name.tld" a web address. Left out: those that are also common words or
# file extensions ("it", "in", "me", "to", "py", "sh", "md"), where "did it.Then" or "main.py" would be misread.
_TLDS = (
    "com|org|net|io|dev|app|ai|co|edu|gov|info|biz|tv|xyz|tech|online|site|cloud|local|lan|"
    "uk|de|fr|es|nl|eu|ch|jp|cn|ca|au|br|ru|se|dk|fi|pl|be|at|ly|gg|us"
)
_TRAILING = ".,;:!?)]}'\"’”"
# ASCII only (re.A, and no other letters in a URL): Chinese and Japanese write a URL between two words with no
# space, "詳しくはhttps://example.jpへ。", and their characters are word characters to Python.
_URL_CHARS = r"[A-Za-z0-9\-._~:/?#@!$&*+,;=%]"
_URL = re.compile(rf"(?<![A-Za-z0-9])(?:(?:https?|ftp)://|www\.){_URL_CHARS}+", re.I | re.A)
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]+)@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})\b", re.A)
_DOMAIN = re.compile(
    rf"(?<![\w@./:-])((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+(?:{_TLDS}))\b(?![.@-]\w)(/{_URL_CHARS}*)?",
    re.I | re.A,
)
_BARE_WORDS = {"at", "be", "us"}  # TLDs that are words: only as part of a longer host ("example.co.at")
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_NAME_PART = re.compile(r"^[A-Za-z]{2,}$")


def _language_key(language: str) -> str:
    return language[:2]


def spoken_host(host: str, language: str) -> str:
    """A host name as it is said: "www." dropped, dots said; a two-letter country domain in capitals so that the
    G2P spells it ("co dot UK", not "de" as a word); an IPv4 address left to the number rules."""
    host = host.strip(".").lower()
    if _IPV4.match(host):
        return host
    if host.startswith("www."):
        host = host[4:]
    labels = host.split(".")
    if len(labels[-1]) == 2:
        labels[-1] = labels[-1].upper()
    return f" {_DOT.get(_language_key(language), 'dot')} ".join(labels)


def _url(match: re.Match, language: str) -> str:
    url = match.group(0)
    kept = url.rstrip(_TRAILING)
    tail = url[len(kept):]
    rest = re.sub(r"^[a-z]+://", "", kept, flags=re.I)
    host = re.split(r"[/?#]", rest, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1]  # user:password@host
    host = re.sub(r":\d+$", "", host)  # the port
    if not host:
        return url
    return spoken_host(host, language) + tail


def _email(match: re.Match, language: str) -> str:
    name, domain = match.group(1), match.group(2)
    spoken_domain = spoken_host(domain, language)
    parts = re.split(r"[._-]", name)
    if len(parts) > 3 or not all(_NAME_PART.match(part) for part in parts):
        return spoken_domain  # "noreply+x7@", "j.r.r.t@": the name would be read letter by letter
    dot = _DOT.get(_language_key(language), "dot")
    name = f" {dot} ".join(parts) if "." in name else " ".join(parts)
    return f"{name} {_AT.get(_language_key(language), 'at')} {spoken_domain}"


def _domain(match: re.Match, language: str) -> str:
    host = match.group(1)
    labels = host.lower().split(".")
    if labels[-1] in _BARE_WORDS and len(labels) == 2:
        return match.group(0)
    path = match.group(2) or ""
    kept = path.rstrip(_TRAILING)
    return spoken_host(host, language) + path[len(kept):]


def speak_web_addresses(text: str, language: str) -> str:
    """``text`` with its URLs, e-mail addresses and bare domains ("example.com") in their spoken form."""
    if "." not in text:
        return text
    if "://" in text or "www." in text or "WWW." in text:
        text = _URL.sub(lambda m: _url(m, language), text)
    if "@" in text:
        text = _EMAIL.sub(lambda m: _email(m, language), text)
    return _DOMAIN.sub(lambda m: _domain(m, language), text)

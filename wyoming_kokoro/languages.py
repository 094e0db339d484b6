"""The nine languages Kokoro-82M v1.0 speaks, and the names each layer uses for them.

One table, so that the G2P language, the Home Assistant code and the human name of a language are never
spelled twice. Kokoro voice names start with the language letter (``af_heart``: ``a`` = American English,
``f`` = female); ``af`` is *not* Afrikaans.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    letter: str  # first letter of Kokoro voice names
    code: str  # the project's language id, espeak style: en-us, pt-br, ...
    ha_code: str  # Home Assistant / Piper style: en_US, pt_BR, ...
    name: str  # human name, as shown in voice descriptions
    extra: str | None = None  # pip extra that brings the G2P, when not in the base install


LANGUAGES: tuple[Language, ...] = (
    Language("a", "en-us", "en_US", "American English"),
    Language("b", "en-gb", "en_GB", "British English"),
    Language("e", "es", "es_ES", "Spanish"),
    Language("f", "fr", "fr_FR", "French"),
    Language("h", "hi", "hi_IN", "Hindi"),
    Language("i", "it", "it_IT", "Italian"),
    Language("j", "ja", "ja_JP", "Japanese", extra="ja"),
    Language("p", "pt-br", "pt_BR", "Brazilian Portuguese"),
    Language("z", "zh", "zh_CN", "Mandarin Chinese", extra="zh"),
)

BY_LETTER = {lang.letter: lang for lang in LANGUAGES}
BY_CODE = {lang.code: lang for lang in LANGUAGES}

# Other spellings people and clients use for the same languages.
_ALIASES = {
    "en": "en-us",
    "english": "en-us",
    "es-es": "es",
    "fr-fr": "fr",
    "hi-in": "hi",
    "it-it": "it",
    "ja-jp": "ja",
    "jp": "ja",
    "pt": "pt-br",
    "zh-cn": "zh",
    "cmn": "zh",
    "zh-hans": "zh",
}


def find_language(value: str) -> Language:
    """The language for an id, a Home Assistant code or a common alias (``en_US``, ``en-us``, ``pt``...).

    Raises ``ValueError`` naming the value and the accepted ids.
    """
    key = value.strip().lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    try:
        return BY_CODE[key]
    except KeyError:
        raise ValueError(
            f"unknown language {value!r}: expected one of {', '.join(BY_CODE)}"
        ) from None

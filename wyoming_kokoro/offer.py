"""The voices a server offers and how a request's voice is chosen.

A :class:`VoiceOffer` is one immutable snapshot: the catalog, the voices that can be spoken here (those of a
language whose extra is missing are left out), the default voice, the voice for each language and the ``info``
that ``describe`` answers with. It is built whole from a catalog and the settings, or not at all (an unknown
voice in the settings is an error that names it), so a reload swaps one snapshot for another and a request
never sees half of each.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from wyoming.event import Event
from wyoming.info import Attribution, Info, TtsProgram, TtsVoice

from . import __version__
from .engine.voices import DEFAULT_LANGUAGE_VOICES, Voice, VoiceCatalog, VoiceError
from .errors import LANGUAGE_UNAVAILABLE, UNKNOWN_LANGUAGE, UNKNOWN_VOICE, RequestError, shown
from .g2p import language_installed
from .languages import Language, find_language

_LOGGER = logging.getLogger(__name__)

KOKORO_ATTRIBUTION = Attribution(name="hexgrad (Kokoro-82M)", url="https://huggingface.co/hexgrad/Kokoro-82M")
#: Characters of the longest language a request may name (``zh-Hans-CN`` and the like; longer is refused unread).
_LONGEST_LANGUAGE = 35
PROGRAM_ATTRIBUTION = Attribution(name="wyoming-kokoro", url="https://pypi.org/project/wyoming-kokoro/")


def offered_voices(catalog: VoiceCatalog) -> list[Voice]:
    """The voices of ``catalog`` whose language can be spoken here (its extra is installed)."""
    voices = catalog.voices.values()
    installed = {code for code in {v.language.code for v in voices} if language_installed(code)}
    return [v for v in voices if v.language.code in installed]


def _resolve(catalog: VoiceCatalog, offered: dict[str, Voice], spec: str) -> Voice:
    voice = offered.get(spec)
    if voice is not None:
        return voice
    try:
        voice = catalog.resolve(spec)
    except VoiceError as err:
        raise RequestError(UNKNOWN_VOICE, str(err)) from None
    if not language_installed(voice.language.code):
        raise RequestError(
            LANGUAGE_UNAVAILABLE,
            f"voice {spec!r} speaks {voice.language.name}, which needs the [{voice.language.extra}] extra",
        )
    return voice


@dataclass(frozen=True)
class VoiceOffer:
    catalog: VoiceCatalog
    voices: dict[str, Voice]  # name -> voice, the offered ones
    default: Voice  # when a request names no voice and no language
    by_language: dict[str, Voice]  # language code -> the voice for a request that names only the language
    info_event: Event  # the answer to describe

    @classmethod
    def build(cls, catalog: VoiceCatalog, voice: str, language_voices: dict[str, str]) -> "VoiceOffer":
        """The offer of ``catalog`` with ``voice`` as the default and ``language_voices`` (language → voice) over
        the stock choice per language; RequestError or ValueError naming what cannot be offered."""
        offered = {v.name: v for v in offered_voices(catalog)}
        if not offered:
            raise ValueError("no voice can be spoken: every voice's language lacks its extra")
        default = _resolve(catalog, offered, voice)
        chosen: dict[str, Voice] = {}
        for code, name in language_voices.items():
            language = find_language(code)
            chosen_voice = _resolve(catalog, offered, name)
            if chosen_voice.language != language:
                _LOGGER.warning(
                    "Voice %s speaks %s, set as the voice for %s", name, chosen_voice.language.code, language.code
                )
            chosen[language.code] = chosen_voice
        for candidate in offered.values():
            code = candidate.language.code
            stock = DEFAULT_LANGUAGE_VOICES.get(code)
            if code not in chosen or (candidate.name == stock and code not in language_voices):
                chosen[code] = candidate
        if default.language.code not in language_voices:
            chosen[default.language.code] = default
        return cls(catalog, offered, default, chosen, _info(offered).event())

    def resolve(self, spec: str) -> Voice:
        """A voice by name or blend spec; RequestError (unknown voice, language not installed)."""
        return _resolve(self.catalog, self.voices, spec)

    def choose(self, name: str | None, language: str | None) -> tuple[Voice, Language]:
        """The voice of a request: by ``name`` (or blend), else by ``language``, else the default."""
        if name:
            voice = self.resolve(name)
            return voice, voice.language
        if language:
            try:
                if len(language) > _LONGEST_LANGUAGE:
                    raise ValueError(f"unknown language {shown(language)}")
                found = find_language(language)
            except ValueError as err:
                raise RequestError(UNKNOWN_LANGUAGE, str(err)) from None
            voice = self.by_language.get(found.code)
            if voice is None:
                raise RequestError(
                    LANGUAGE_UNAVAILABLE,
                    f"no voice for {found.name} ({language!r}) is installed"
                    + (f"; install the [{found.extra}] extra" if found.extra else ""),
                )
            return voice, found
        return self.default, self.default.language


def _info(voices: dict[str, Voice]) -> Info:
    program = TtsProgram(
        name="kokoro",
        description="Kokoro-82M neural text to speech",
        attribution=PROGRAM_ATTRIBUTION,
        installed=True,
        version=__version__,
        voices=[
            TtsVoice(
                name=voice.name,
                description=voice.description,
                attribution=KOKORO_ATTRIBUTION,
                installed=True,
                version="1.0",
                languages=[voice.language.ha_code],
            )
            for voice in voices.values()
        ],
        supports_synthesize_streaming=True,
    )
    return Info(tts=[program])

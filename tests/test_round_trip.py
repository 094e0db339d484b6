"""The round trip of issue-prone kinds (times, versions, titles, units, currencies, numbers) in all nine
languages: each sentence of tests/round_trip_texts.py is synthesized with a voice of its language (the real model)
and transcribed by Whisper base, and what the transcript says is compared with what the text says.

Scored the way a listener would: both the text and the transcript are read aloud on paper, through the
normalizer and the language's G2P, so that "07:05" in a transcript is "seven oh five" like the text's own
reading, "45 euros" is "€45", and 15時 is 十五時. Words (Spanish, French, Italian, Portuguese, English: a word is
its phonemes) or phonemes (Hindi, Japanese, Chinese) are then aligned, and the error rate is the edit distance over
the text's count. Whisper base writes some spoken forms in its own shorthand, which a reader would read back: a
time as "07-05", "18. 45" or "16, 0, 0" (read as 07:05, 18:45, 16:00 here). Stress marks and tones are left out:
Whisper does not write them.

The limits are today's rates with a margin of a few errors: a regression guard. Measured, every language but
Hindi is within the aims of issue 16 (English 2 % of words, Spanish, French, Italian and Portuguese 10 %, Japanese
and Chinese 10 % of characters); the errors left are Whisper base's spelling ("kilowattheures" written "kilowatt
arrière", "Python" as "Paisen"). Hindi is out of reach of this judge: Whisper base writes Hindi in Latin letters
or misspelt (a plain Hindi sentence scores 0.7 of its characters in test_synthesis.py).
"""

from __future__ import annotations

import re

import pytest

from wyoming_kokoro.engine.audio import SAMPLE_RATE
from wyoming_kokoro.engine.voices import DEFAULT_LANGUAGE_VOICES
from wyoming_kokoro.g2p import G2PRegistry, language_installed
from wyoming_kokoro.text.normalize import normalize

try:
    import asr
    from round_trip_texts import ROUND_TRIP
except ModuleNotFoundError:
    from tests import asr
    from tests.round_trip_texts import ROUND_TRIP

#: The server's voice for each language; for Hindi the male one, as in test_synthesis.py: on hf_alpha's Hindi
#: Whisper base loops (it repeats a syllable to the end of its window, 200 errors in a sentence of 44 phonemes).
VOICES = {**DEFAULT_LANGUAGE_VOICES, "hi": "hm_omega"}
BY_PHONEME = {"hi", "ja", "zh"}  # written without spaces between words (Japanese, Chinese), or Whisper base
# misspelling what it hears (Hindi): scored by phonemes

#: The most errors per unit of the text, per language (the rate measured, and a margin).
#: Measured on a 2-core Xeon: en-us 0.000, en-gb 0.010, es 0.038, fr 0.083, it 0.097, pt-br 0.095 of words;
#: hi 0.478, ja 0.028, zh 0.042 of phonemes. On a 2-core AMD EPYC (AVX2, whose float kernels give slightly other
#: samples), with asr.transcribe's fallback for a looping decode: en-us 0.007, en-gb 0.010, es 0.038, fr 0.062,
#: it 0.086, pt-br 0.114; hi 0.404, ja 0.031, zh 0.042 (without the fallback Hindi was 0.934: one sentence
#: heard as a syllable repeated to the end of the window, 228 errors in 44 phonemes).
LIMITS = {"en-us": 0.03, "en-gb": 0.03, "es": 0.07, "fr": 0.12, "it": 0.13, "pt-br": 0.13, "hi": 0.55,
          "ja": 0.05, "zh": 0.06}

# Whisper base's shorthand for a spoken time, in English: "07-05", "18. 45", "19, 0-0", and "at 1845", "for 705"
# (read back as a clock).
_TIME_SHORTHAND = re.compile(r"(?<![\d.,])([01]?\d|2[0-3])(?:-|[,.] )([0-5]\d)(?!\d|[,.]\d)")
_HOUR_SHORTHAND = re.compile(r"(?<![\d.,])([01]?\d|2[0-3]), 0[-,] ?0(?!\d)")
_RUN_TOGETHER = re.compile(r"\b(at|for|until|by|from|to) ([01]?\d|2[0-3])([0-5]\d)\b")
# Marks a G2P writes that are not sounds: stress and tones (Whisper does not write them), and punctuation.
_STRESS = re.compile(r"[ˈˌ↗↘↓→ꜜ]")
_PUNCTUATION = re.compile(r"[.,!?;:…—\"'()\-。、，！？；：«»“”]")


# In Spanish, French, Italian and Portuguese, Whisper base writes a decimal it hears with a comma ("3,5"), so a
# dotted "3.12" is a "point" it heard (a version: "tres punto doce"); and "9, 15" is a time it heard ("nove e
# quinze"). A group of three digits after the dot is a thousands group (12.000), left alone.
_ROMANCE_POINT = {"es": "punto", "fr": "point", "it": "punto", "pt-br": "ponto"}
_DOTTED = re.compile(r"(?<![\d.,])(\d+)\.(\d{1,2})(?![\d.,]?\d)")
_ROMANCE_TIME = re.compile(r"(?<![\d.,])([01]?\d|2[0-3]), ([0-5]\d)(?![\d,.]?\d)")


def read_back(transcript: str, language: str) -> str:
    if language.startswith("en"):
        transcript = _HOUR_SHORTHAND.sub(r"\1:00", transcript)
        transcript = _TIME_SHORTHAND.sub(r"\1:\2", transcript)
        transcript = _RUN_TOGETHER.sub(r"\1 \2:\3", transcript)
    elif language in _ROMANCE_POINT:
        transcript = _DOTTED.sub(rf"\1 {_ROMANCE_POINT[language]} \2", transcript)
        transcript = _ROMANCE_TIME.sub(r"\1:\2", transcript)
    return transcript


def heard(text: str, language: str, g2p: G2PRegistry) -> list[str]:
    """What ``text`` says, as units to compare: its words as phonemes, or its phonemes."""
    phonemes = g2p.phonemize(normalize(text, language), language).phonemes
    words = _PUNCTUATION.sub(" ", _STRESS.sub("", phonemes)).split()
    return [c for word in words for c in word] if language in BY_PHONEME else words


def edit_distance(a: list[str], b: list[str]) -> int:
    """Words (or phonemes) inserted, deleted or replaced to turn ``a`` into ``b``; a word of one side that sounds
    as two of the other together costs nothing (a listener hears no word boundary: "Dupont" is "du pont")."""
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        for j in range(len(b) + 1):
            if not i or not j:
                table[i][j] = i + j
                continue
            best = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if j >= 2 and a[i - 1] == b[j - 2] + b[j - 1]:
                best = min(best, table[i - 1][j - 2])
            if i >= 2 and b[j - 1] == a[i - 2] + a[i - 1]:
                best = min(best, table[i - 2][j - 1])
            table[i][j] = best
    return table[-1][-1]


def test_edit_distance_and_read_back():
    assert edit_distance("kitten".split(), "kitten".split()) == 0
    assert edit_distance(list("kitten"), list("sitting")) == 3
    assert edit_distance(["madam", "dypɔ̃", "vu"], ["madam", "dy", "pɔ̃", "vu"]) == 0  # Dupont, du pont
    assert edit_distance(["sa", "pjɛtro"], ["sapjɛtro"]) == 0
    assert edit_distance(["sɛlsjys"], ["sɛl", "sys"]) == 2  # only what sounds the same is forgiven
    assert read_back("Paisen 3.12 e installato, costa 12.000 euro o 2,5.", "it") == (
        "Paisen 3 punto 12 e installato, costa 12.000 euro o 2,5.")
    assert read_back("A reunião começa às 9, 15, ou 1, 2, 3.", "pt-br") == "A reunião começa às 9:15, ou 1, 2, 3."
    assert read_back("Your alarm is set for 07-05 and dinner at 19, 0-0, the bus at 18. 45.", "en-us") == (
        "Your alarm is set for 07:05 and dinner at 19:00, the bus at 18:45.")
    assert read_back("It leaves at 1845, the alarm is set for 705.", "en-us") == (
        "It leaves at 18:45, the alarm is set for 7:05.")
    for unchanged in ("It is 8,849 meters and 2.5 kg, in 2026.", "Python 3.12 is out.", "It costs 12,000 yen.",
                      "It is 2,50 or 12.05.5 here."):
        assert read_back(unchanged, "en-us") == unchanged


@pytest.mark.parametrize("language", sorted(ROUND_TRIP))
def test_a_listener_hears_what_the_text_says(synthesizer, whisper, language):
    if not language_installed(language):
        pytest.skip(f"the {language} extra is not installed")
    g2p = G2PRegistry()
    errors = units = 0
    misheard = []
    for text in ROUND_TRIP[language]:
        speech = synthesizer.synthesize(normalize(text, language), VOICES[language])  # as the server speaks it
        transcript = asr.transcribe(whisper, speech.audio, SAMPLE_RATE, language)
        said, got = heard(text, language, g2p), heard(read_back(transcript, language), language, g2p)
        distance = edit_distance(said, got)
        errors, units = errors + distance, units + len(said)
        if distance:
            misheard.append(f"{distance}/{len(said)} {normalize(text, language)!r} heard as {transcript!r}")
    rate = errors / units
    print(f"\n{language}: {rate:.3f} of {'phonemes' if language in BY_PHONEME else 'words'} ({units})")
    assert rate <= LIMITS[language], f"{language}: {rate:.3f} > {LIMITS[language]}\n" + "\n".join(misheard)

"""CMUdict's ARPAbet in Kokoro's (misaki's American) phoneme set, and the comparison of two pronunciations.

The mapping (:data:`ARPABET`) is one symbol for one phoneme, as misaki writes American English:

- Diphthongs are single letters: ``EY`` → ``A`` (eɪ), ``AY`` → ``I`` (aɪ), ``AW`` → ``W`` (aʊ), ``OY`` → ``Y`` (ɔɪ),
  ``OW`` → ``O`` (oʊ); affricates too: ``CH`` → ``ʧ``, ``JH`` → ``ʤ``.
- Stress: CMUdict puts 0, 1 or 2 on each vowel; 1 becomes ``ˈ`` and 2 ``ˌ`` before the vowel, 0 nothing.
- ``AH`` is ``ʌ`` when stressed (1, 2) and ``ə`` when not (``AH0``), as misaki writes ``sun`` sˈʌn and ``a`` ə.
- r-coloured vowels are a vowel and ``ɹ``, as misaki writes them: ``ER1``/``ER2`` → ``ɜɹ`` (``bird`` bˈɜɹd),
  ``ER0`` → ``əɹ`` (``butter`` bˈʌTəɹ); ``AA R`` → ``ɑɹ``, ``AO R`` → ``ɔɹ``, ``EH R`` → ``ɛɹ``, ``IH R`` → ``ɪɹ``,
  ``UH R`` → ``ʊɹ`` need no rule of their own.
- ``R`` → ``ɹ``, ``Y`` → ``j``, ``G`` → ``ɡ`` (U+0261), ``HH`` → ``h``, ``NG`` → ``ŋ``, ``DH`` → ``ð``, ``TH`` → ``θ``.
- CMUdict has no flap, no syllabic consonant and no reduced ``ᵻ``: those are differences of notation, handled when
  comparing (below), not in the mapping.

:func:`units` then reads either side into (symbol, stress) units, and :func:`same` compares two of them, with
these equivalences (each is a difference of notation between CMUdict and misaki, not of pronunciation):

- Stress marks belong to the vowel they stand before; misaki and espeak-ng put them right before the vowel or at
  the syllable's start, CMUdict on the vowel: all three say which vowel is stressed, and that is what is compared.
- ``ʌ`` and ``ə`` are one phoneme, as are ``ɜ`` and ``ə`` before ``ɹ``: CMUdict writes each pair as one symbol
  (``AH``, ``ER``) and tells them apart by stress only, so telling them apart again would compare stress twice.
- misaki's ``ᵊ`` (a short schwa, ``pixel`` pˈɪksᵊl) and ``ɐ`` (``a`` ɐ) are ``ə``; its ``ᵻ`` (``boxes`` bˈɑksᵻz), a
  vowel between ``ɪ`` and ``ə``, matches either.
- The flap: misaki writes ``T`` (``butter`` bˈʌTəɹ, ``ladder`` lˈæTəɹ) where an American says ``t`` or ``d``
  between vowels; CMUdict keeps ``T`` or ``D``. ``T`` matches ``t`` and ``d``, nothing else.
- Syllabic consonants: an unstressed ``ə`` between a consonant and ``l``, ``n`` or ``m`` that ends the word or
  comes before a consonant is not written (``button`` CMUdict ``B AH1 T AH0 N``, misaki bˈʌtn).
- Before an ``ɹ`` that ends its syllable (the word ends or a consonant follows), ``i`` is ``ɪ`` and ``u`` is ``ʊ``:
  English tells them apart everywhere but there, and CMUdict writes both (``near`` N IH1 R, ``here`` HH IY1 R;
  ``tour`` T UH1 R, ``poor`` P UW1 R) where misaki writes one (nˈɪɹ, hˈɪɹ, tˈʊɹ, pˈʊɹ).
- A consonant written twice in a row is said once (espeak-ng writes ``garage`` ɡəɹɹˈɑʒ).

Levels of agreement: the phonemes alone (stress ignored); the same with the weak vowel merger (below); the
phonemes and which vowel has the primary stress; the phonemes and every vowel's stress (0, 1, 2). In words of one
vowel, stress is not compared at all: CMUdict marks every such word stressed (``for`` F AO1 R), misaki leaves
function words unstressed (``for`` fɔɹ) and a sentence decides which of them is said with stress.

The weak vowel merger is a level of its own, not part of the others: in unstressed syllables most Americans say
``ɪ`` and ``ə`` alike, and the two dictionaries write them by different conventions: CMUdict ``IH0`` in ``be-``,
``de-``, ``re-``, ``-es``, ``-ed`` (``because`` B IH0 K AO1 Z, ``office`` AO1 F IH0 S), misaki ``ə`` (bəkˈʌz, ˈɔfəs).
Counting those words wrong measures the convention, counting them right hides nothing else: both numbers are
reported.
"""

from __future__ import annotations

from collections.abc import Sequence

#: ARPAbet (without the stress digit) → Kokoro phonemes; ``AH`` and ``ER`` depend on stress (AH0, ER0 below).
ARPABET: dict[str, str] = {
    # vowels
    "AA": "ɑ",
    "AE": "æ",
    "AH": "ʌ",
    "AO": "ɔ",
    "AW": "W",
    "AY": "I",
    "EH": "ɛ",
    "ER": "ɜɹ",
    "EY": "A",
    "IH": "ɪ",
    "IY": "i",
    "OW": "O",
    "OY": "Y",
    "UH": "ʊ",
    "UW": "u",
    # consonants
    "B": "b",
    "CH": "ʧ",
    "D": "d",
    "DH": "ð",
    "F": "f",
    "G": "ɡ",
    "HH": "h",
    "JH": "ʤ",
    "K": "k",
    "L": "l",
    "M": "m",
    "N": "n",
    "NG": "ŋ",
    "P": "p",
    "R": "ɹ",
    "S": "s",
    "SH": "ʃ",
    "T": "t",
    "TH": "θ",
    "V": "v",
    "W": "w",
    "Y": "j",
    "Z": "z",
    "ZH": "ʒ",
}
#: Unstressed forms that differ from the stressed ones.
UNSTRESSED: dict[str, str] = {"AH": "ə", "ER": "əɹ"}
STRESS_MARKS = {"0": "", "1": "ˈ", "2": "ˌ"}

#: Vowel symbols of Kokoro's English (misaki's, plus espeak-ng's few others after misaki's conversion).
VOWELS = frozenset("AIOQWYaeiouæɑɒɔəɛɜɪʊʌᵻᵊɐɚɨ")
#: Symbols each side may hold that are not sounds: skipped.
_SKIP = frozenset(" ː-'‿") | frozenset(';:,.!?—…"()“”')
#: Symbol → the symbol it is compared as (see the module's docstring).
_SAME = {"ʌ": "ə", "ᵊ": "ə", "ɐ": "ə", "ɚ": "ə", "ɾ": "T", "ʔ": "t"}
#: Symbol → the symbols it matches.
_MATCHES = {"T": frozenset("tdT"), "ᵻ": frozenset("ɪəᵻ")}
_SYLLABIC = frozenset("lnm")
#: Before an ɹ that ends its syllable, English has one vowel where elsewhere it has two.
_BEFORE_CODA_R = {"i": "ɪ", "u": "ʊ"}
_SCHWAS = frozenset("əᵊ")
#: With ``weak=True``: the unstressed vowels that American speech does not tell apart (the weak vowel merger).
WEAK_VOWELS = frozenset("ɪəᵻ")


def arpabet_to_kokoro(phones: Sequence[str] | str) -> str:
    """``["B", "AH1", "T", "ER0"]`` (or ``"B AH1 T ER0"``) → ``bˈʌtəɹ``."""
    if isinstance(phones, str):
        phones = phones.split()
    out = []
    for phone in phones:
        base, digit = (phone[:-1], phone[-1]) if phone[-1:].isdigit() else (phone, "")
        if base not in ARPABET:
            raise ValueError(f"unknown ARPAbet symbol {phone!r}")
        if digit and digit not in STRESS_MARKS:
            raise ValueError(f"bad stress digit in {phone!r}")
        symbols = UNSTRESSED.get(base, ARPABET[base]) if digit == "0" else ARPABET[base]
        out.append(STRESS_MARKS.get(digit, "") + symbols)
    return "".join(out)


Unit = tuple[str, int]  # (symbol, stress: 0 none, 1 primary, 2 secondary; always 0 for consonants)


def units(phonemes: str, weak: bool = False) -> list[Unit]:
    """The sounds of a Kokoro phoneme string, each stress mark moved onto the vowel after it, normalized as the
    module's docstring says (``weak``: an unstressed ``ɪ`` before a syllabic consonant goes like ``ə``)."""
    raw: list[Unit] = []
    pending = 0
    for symbol in phonemes:
        if symbol in _SKIP:
            continue
        if symbol in "ˈˌ":
            pending = 1 if symbol == "ˈ" else 2
            continue
        if symbol in VOWELS:
            raw.append((symbol, pending))
            pending = 0
        else:
            raw.append((symbol, 0))
    vowels = sum(1 for symbol, _ in raw if symbol in VOWELS)
    schwas = _SCHWAS | WEAK_VOWELS if weak else _SCHWAS
    result: list[Unit] = []
    for i, (symbol, stress) in enumerate(raw):
        if (
            symbol in schwas and stress == 0 and vowels > 1 and 0 < i < len(raw) - 1
            and raw[i - 1][0] not in VOWELS and raw[i + 1][0] in _SYLLABIC
            and (i + 2 == len(raw) or raw[i + 2][0] not in VOWELS)
        ):
            continue  # syllabic l, n, m
        symbol = _SAME.get(symbol, symbol)
        if i + 1 < len(raw) and raw[i + 1][0] == "ɹ":
            if symbol == "ɜ":
                symbol = "ə"
            elif symbol in _BEFORE_CODA_R and (i + 2 == len(raw) or raw[i + 2][0] not in VOWELS):
                symbol = _BEFORE_CODA_R[symbol]
        if result and symbol not in VOWELS and result[-1] == (symbol, 0):
            continue  # a doubled consonant
        result.append((symbol, stress))
    return result


def _match(a: str, b: str) -> bool:
    return a == b or b in _MATCHES.get(a, ()) or a in _MATCHES.get(b, ())


def _match_unit(x: Unit, y: Unit, weak: bool) -> bool:
    if _match(x[0], y[0]):
        return True
    return weak and x[1] == 0 and y[1] == 0 and x[0] in WEAK_VOWELS and y[0] in WEAK_VOWELS


def same(hypothesis: str, reference: str, stress: str = "none", weak: bool = False) -> bool:
    """Whether two Kokoro phoneme strings say the same word: ``stress`` is ``none`` (phonemes only),
    ``primary`` (and the same vowel has the primary stress) or ``all`` (and every vowel the same stress);
    ``weak`` lets unstressed ``ɪ`` and ``ə`` match (the weak vowel merger, see the module's docstring)."""
    if stress not in ("none", "primary", "all"):
        raise ValueError(f"stress must be none, primary or all, not {stress!r}")
    a, b = units(hypothesis, weak), units(reference, weak)
    if len(a) != len(b) or not all(_match_unit(x, y, weak) for x, y in zip(a, b)):
        return False
    vowels = sum(1 for symbol, _ in a if symbol in VOWELS)
    if stress == "none" or vowels <= 1:
        return True
    if stress == "primary":
        return [s == 1 for _, s in a] == [s == 1 for _, s in b]
    return [s for _, s in a] == [s for _, s in b]


def differences(hypothesis: str, reference: str) -> list[tuple[str, str]]:
    """The (hypothesis, reference) pieces that differ, stress ignored: ``[("ɪ", "ə")]`` for a vowel said
    otherwise, ``[("", "t")]`` for a sound left out."""
    from difflib import SequenceMatcher

    a = [s for s, _ in units(hypothesis)]
    b = [s for s, _ in units(reference)]
    result = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        x, y = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "replace" and len(x) == len(y) and all(_match(p, q) for p, q in zip(x, y)):
            continue
        result.append((x, y))
    return result

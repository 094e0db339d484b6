"""G2P: misaki English without run-time downloads, the espeak fallback paths, counters, cache, extras."""

from __future__ import annotations

import inspect
import re
import sys
import threading

import pytest

from wyoming_kokoro.engine.tokens import tokenize
from wyoming_kokoro.g2p import G2PRegistry, MissingExtraError, PhonemeCache, create_g2p, language_installed
from wyoming_kokoro.g2p.english import MisakiEnglishG2P, make_misaki_g2p

SAMPLES = {
    "en-us": "The kitchen lights are off, and the front door is locked.",
    "en-gb": "The weather in London will be cloudy this afternoon.",
    "es": "Las luces de la cocina están apagadas.",
    "fr": "Les lumières de la cuisine sont éteintes.",
    "hi": "रसोई की बत्तियाँ बंद हैं।",
    "it": "Le luci della cucina sono spente.",
    "ja": "台所の電気を消しました。",
    "pt-br": "As luzes da cozinha estão apagadas.",
    "zh": "厨房的灯已经关了。",
}


@pytest.fixture(scope="module")
def registry() -> G2PRegistry:
    return G2PRegistry()


@pytest.fixture(scope="module")
def english(registry):
    return registry.get("en-us")


def test_spacy_model_comes_from_pypi_package_without_download(monkeypatch):
    import spacy.cli

    def no_download(*args, **kwargs):
        raise AssertionError(f"spaCy download attempted: {args}")

    monkeypatch.setattr(spacy.cli, "download", no_download)
    g2p = MisakiEnglishG2P("en-us")
    result = g2p.phonemize("Hello world.")
    assert result.phonemes == "həlˈO wˈɜɹld."


def test_misaki_g2p_has_every_attribute_misaki_init_sets():
    # If a misaki release adds state to G2P.__init__, the object we build by hand would lack it: fail loudly.
    from misaki import en

    source = inspect.getsource(en.G2P.__init__)
    expected = set(re.findall(r"self\.(\w+)\s*=", source))
    g2p = make_misaki_g2p(False, fallback=None)
    assert expected <= set(vars(g2p)), expected - set(vars(g2p))
    assert g2p.unk == ""  # nothing unknown may reach the model as '❓'


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_every_language_yields_only_vocabulary_symbols(registry, language):
    result = registry.phonemize(SAMPLES[language], language)
    assert result.phonemes.strip()
    tokens = tokenize(result.phonemes)
    assert not tokens.dropped, f"{language}: symbols outside the vocabulary: {tokens.dropped}"
    assert result.stats.words >= 3


def test_spaces_between_words_are_kept(english):
    result = english.phonemize("the cat sat on the mat")
    assert result.phonemes.count(" ") == 5
    assert "❓" not in result.phonemes


def test_unknown_word_goes_through_espeak_fallback(english):
    result = english.phonemize("Please call Zorblaxian Quibbleforth now.")
    sources = {w.text: w.source for w in result.words}
    assert sources["Zorblaxian"] == "fallback"
    assert sources["Quibbleforth"] == "fallback"
    assert sources["Please"] == "lexicon"
    assert result.stats.fallback_words == 2
    assert result.stats.lexicon_words == 3
    assert result.stats.words == 5
    assert result.stats.unknown_words == 0
    assert "❓" not in result.phonemes
    assert not tokenize(result.phonemes).dropped
    # the fallback's phonemes are real: each unknown word gets several symbols
    fallback = [w for w in result.words if w.source == "fallback"]
    assert all(len(w.phonemes) >= 5 for w in fallback)


def test_misaki_exception_falls_back_to_espeak_for_the_whole_text(monkeypatch):
    g2p = MisakiEnglishG2P("en-us")

    def broken(text):
        raise IndexError("misaki crashed")

    monkeypatch.setattr(g2p, "_g2p", broken)
    result = g2p.phonemize("Turn on the lights.")
    assert result.stats.text_fallbacks == 1
    assert result.stats.words == 4
    assert result.words[0].source == "espeak"
    # espeak's reading in misaki's phoneme set
    assert "lˈIts" in result.phonemes
    assert not tokenize(result.phonemes).dropped


def test_hindi_danda_ends_a_sentence(registry):
    phonemes = registry.phonemize("नमस्ते। आप कैसे हैं? मैं ठीक हूँ।", "hi").phonemes
    assert phonemes.count(".") == 2 and phonemes.count("?") == 1


@pytest.mark.parametrize(
    "language,text,english",
    [("zh", "请打开 Spotify 播放音乐。", "Spotify"), ("ja", "Home Assistantを起動しました。", "Home Assistant")],
)
def test_english_words_in_chinese_and_japanese_go_through_english_g2p(registry, language, text, english):
    result = registry.phonemize(text, language)
    english_phonemes = registry.phonemize(english, "en-us").phonemes
    assert english_phonemes in result.phonemes
    assert not tokenize(result.phonemes).dropped
    sources = {w.source for w in result.words}
    assert f"misaki-{language}" in sources and sources & {"lexicon", "fallback"}


def test_misaki_failure_in_japanese_costs_one_clause_not_the_reply(registry):
    # misaki's number reader asserts on very long digit runs
    result = registry.phonemize("こんにちは、1234567890123456789789、さようなら。", "ja")
    assert result.stats.text_fallbacks == 1
    assert result.stats.unknown_words >= 1
    assert result.phonemes.startswith("koɲɲiʨiβa")
    assert "sajoːnaɾa" in result.phonemes


def test_british_and_american_differ(registry):
    us = registry.phonemize("tomato", "en-us").phonemes
    gb = registry.phonemize("tomato", "en-gb").phonemes
    assert us != gb


def test_concurrent_calls_give_the_same_results_as_sequential(registry):
    texts = [SAMPLES["en-us"], SAMPLES["es"], SAMPLES["fr"], "Zorblaxian widgets hum.", SAMPLES["it"]]
    langs = ["en-us", "es", "fr", "en-us", "it"]
    backends = [registry.get(lang) for lang in langs]
    expected = [b.phonemize(t).phonemes for b, t in zip(backends, texts)]
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def work():
        try:
            results.append([b.phonemize(t).phonemes for b, t in zip(backends, texts)])
        except BaseException as err:  # surfaced below
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert results == [expected] * 4


def test_phoneme_cache_hits_misses_and_bound(english):
    cache = PhonemeCache(max_entries=2)
    first = cache.phonemize(english, "one")
    assert first.stats.cache_misses == 1 and first.stats.words == 1
    again = cache.phonemize(english, "one")
    assert again.phonemes == first.phonemes
    assert again.stats.cache_hits == 1 and again.stats.words == 0
    cache.phonemize(english, "two")
    cache.phonemize(english, "three")  # evicts "one", the least recently used
    assert len(cache) == 2
    assert cache.phonemize(english, "one").stats.cache_misses == 1
    assert (cache.hits, cache.misses) == (1, 4)


def test_cache_keys_on_language(registry):
    # the same letters in two languages are two entries
    a = registry.phonemize("Hola", "en-us").phonemes
    b = registry.phonemize("Hola", "es").phonemes
    assert a != b


def test_extras_installed_for_tests():
    assert language_installed("zh") and language_installed("ja") and language_installed("en-us")


@pytest.mark.parametrize("language,module", [("zh", "jieba"), ("ja", "fugashi")])
def test_missing_extra_is_an_error_naming_the_pip_command(monkeypatch, language, module):
    monkeypatch.setitem(sys.modules, module, None)  # import of it now fails like an uninstalled package
    with pytest.raises(MissingExtraError) as info:
        create_g2p(language)
    assert f"pip install 'wyoming-kokoro[{language}]'" in str(info.value)
    registry = G2PRegistry()
    assert not registry.available(language)
    with pytest.raises(MissingExtraError):
        registry.phonemize("x", language)


def test_unknown_language_is_a_clear_error(registry):
    with pytest.raises(ValueError, match="unknown language 'xx'"):
        registry.phonemize("text", "xx")

"""The voices on offer and the choice of a request's voice (offer.py), and the reload that swaps them (state.py)."""

from __future__ import annotations

import pytest

from wyoming_kokoro.config import Settings
from wyoming_kokoro.errors import LANGUAGE_UNAVAILABLE, UNKNOWN_LANGUAGE, UNKNOWN_VOICE, RequestError
from wyoming_kokoro.g2p import G2PRegistry, UserLexicon
from wyoming_kokoro.metrics import Metrics
from wyoming_kokoro.offer import VoiceOffer, offered_voices
from wyoming_kokoro.pipeline import Pipeline
from wyoming_kokoro.scheduler import Scheduler
from wyoming_kokoro.state import ServerState
from wyoming_kokoro.synthesizer import Synthesizer


def test_voices_of_a_language_without_its_extra_are_not_offered(synthesizer, monkeypatch):
    assert len(offered_voices(synthesizer.voices)) == 54
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "jieba" else real_find_spec(name, *a)
    )
    offered = offered_voices(synthesizer.voices)
    assert not [v for v in offered if v.language.code == "zh"]
    assert len(offered) == 54 - len(synthesizer.voices.for_language(synthesizer.voices.resolve("zf_xiaobei").language))


def test_a_request_gets_the_voice_it_names_else_its_language_s_else_the_default(voices):
    offer = VoiceOffer.build(voices, "bf_emma", {"fr_FR": "ff_siwis", "es": "em_alex"})
    assert offer.default.name == "bf_emma"
    voice, language = offer.choose("am_adam", "fr")  # a name wins over a language
    assert (voice.name, language.code) == ("am_adam", "en-us")
    assert offer.choose(None, "es_ES")[0].name == "em_alex"  # the setting over the stock choice
    assert offer.choose(None, "it")[0].name == "if_sara"  # the stock choice
    assert offer.choose(None, "en_GB")[0].name == "bf_emma"  # the default voice speaks for its language
    assert offer.choose(None, None) == (offer.default, offer.default.language)
    blend, _ = offer.choose("af_heart:0.7,af_bella:0.3", None)
    assert blend.source == "blend"
    info = offer.info_event.data["tts"][0]
    assert len(info["voices"]) == 54 and info["supports_synthesize_streaming"] is True


@pytest.mark.parametrize(
    "name,language,code,message",
    [
        ("nobody", None, UNKNOWN_VOICE, "unknown voice 'nobody'"),
        (None, "klingon", UNKNOWN_LANGUAGE, "unknown language 'klingon'"),
    ],
)
def test_a_voice_that_cannot_be_chosen_is_an_error_with_a_code(voices, name, language, code, message):
    offer = VoiceOffer.build(voices, "af_heart", {})
    with pytest.raises(RequestError) as caught:
        offer.choose(name, language)
    assert caught.value.code == code and message in caught.value.text


def test_a_language_whose_extra_is_missing_is_unavailable(voices, monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "jieba" else real_find_spec(name, *a)
    )
    offer = VoiceOffer.build(voices, "af_heart", {})
    for name, language in (("zf_xiaobei", None), (None, "zh_CN")):
        with pytest.raises(RequestError) as caught:
            offer.choose(name, language)
        assert caught.value.code == LANGUAGE_UNAVAILABLE and "[zh]" in caught.value.text


def test_a_reload_is_one_transaction(model, voices):
    synthesizer = Synthesizer(model, voices, G2PRegistry())
    pipeline = Pipeline(synthesizer, Scheduler(parallel=1))
    settings = Settings()
    state = ServerState(
        pipeline, synthesizer.g2p, VoiceOffer.build(voices, settings.voice, settings.language_voices), settings,
        Metrics(),
    )
    before = state.offer
    lexicon = UserLexicon.from_mapping({"en-us": {"Kokoro": "kˈOkəɹO"}})
    # A bad voice in the new settings: nothing changes, not even the lexicon that came with them.
    with pytest.raises(RequestError, match="nobody"):
        state.reload(Settings(voice="bf_emma", language_voices={"fr": "nobody"}), None, lexicon)
    assert state.offer is before and state.settings is settings and not synthesizer.g2p.lexicon
    # A good one: the offer, the settings and the lexicon change together.
    fresh = Settings(voice="bf_emma", g2p={"en-gb": "espeak"})
    assert state.reload(fresh, None, lexicon) is True
    assert state.offer.default.name == "bf_emma" and state.settings is fresh
    assert synthesizer.g2p.lexicon == lexicon and synthesizer.g2p.backend_name("en-gb") == "espeak"
    assert state.reload(fresh, None, lexicon) is False  # the same lexicon again: not re-read into the G2P
    pipeline.scheduler.shutdown()

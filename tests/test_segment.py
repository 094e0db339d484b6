"""Sentences and first clauses, for whole texts and for text that arrives in deltas cut anywhere."""

from __future__ import annotations

import random

import pytest

from wyoming_kokoro.text.segment import (
    LONG_SENTENCE,
    SentenceStream,
    pieces,
    speakable,
    split_clauses,
    split_first_clause,
    split_sentences,
)

REPLY = (
    "It is 3.5 degrees outside. Call Dr. Smith at 5 p.m. today! Is the U.S. office open? "
    "Yes, it is. The lights are on."
)
REPLY_SENTENCES = [
    "It is 3.5 degrees outside.",
    "Call Dr. Smith at 5 p.m. today!",
    "Is the U.S. office open?",
    "Yes, it is.",
    "The lights are on.",
]


def stream(text: str, cuts: list[int], language: str = "en-us", first_clause: bool = True) -> list[str]:
    splitter = SentenceStream(language, first_clause=first_clause)
    out: list[str] = []
    bounds = [0, *cuts, len(text)]
    for start, end in zip(bounds, bounds[1:]):
        out += splitter.feed(text[start:end])
    return out + splitter.flush()


def test_sentences_keep_decimals_abbreviations_and_times_whole():
    assert split_sentences(REPLY) == REPLY_SENTENCES


@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("zh", "你好。今天天气很好！我们去公园吧？", ["你好。", "今天天气很好！", "我们去公园吧？"]),
        ("ja", "こんにちは。元気ですか？", ["こんにちは。", "元気ですか？"]),
        ("hi", "नमस्ते। आप कैसे हैं?", ["नमस्ते।", "आप कैसे हैं?"]),
        ("es", "¿Qué hora es? Son las 3.5 horas.", ["¿Qué hora es?", "Son las 3.5 horas."]),
        ("fr", "Il fait beau. Les lumières sont allumées.", ["Il fait beau.", "Les lumières sont allumées."]),
    ],
)
def test_sentences_in_other_languages(language, text, expected):
    assert split_sentences(text, language) == expected


def test_lines_of_a_list_are_sentences_and_lone_punctuation_is_not():
    assert split_sentences("Shopping list:\n- milk\n- bread\n") == ["Shopping list:", "- milk", "- bread"]
    assert split_sentences("...") == []
    assert split_sentences("   ") == []
    assert not speakable(" ?! ") and speakable("3") and speakable("你")


def test_a_long_first_sentence_starts_with_its_first_clause():
    long = "In the living room and the kitchen, all the lights are now on, and the heating is set to 21 degrees."
    assert len(long) > LONG_SENTENCE
    assert pieces(long + " Anything else?") == [
        "In the living room and the kitchen,",
        "all the lights are now on, and the heating is set to 21 degrees.",
        "Anything else?",
    ]
    # Short sentences and later sentences are never cut; a comma inside a number is no clause mark.
    assert pieces("Sure, I can do that. " + long) == ["Sure, I can do that.", long]
    total = "The total is 3,000,000 dollars and 25 cents for the whole of the year 2025 in all"
    assert split_first_clause(total) == ("The total is 3,000,000 dollars", "and 25 cents for the whole of the year 2025 in all")
    assert split_first_clause(total, language="fr") is None  # conjunctions are English only
    # A clause mark too close to either end leaves the sentence whole.
    assert split_first_clause("Okay, " + "the lights in every room of the house are now switched off for the night.") is None


def test_without_a_clause_mark_an_english_sentence_is_cut_before_a_conjunction():
    sentence = "The living room lights are on and the thermostat is set to 21.5 degrees."
    assert pieces(sentence) == ["The living room lights are on", "and the thermostat is set to 21.5 degrees."]
    # Marks come first: "and" joins words as often as clauses.
    assert split_clauses("In the hall and the kitchen, the lights are on, but the heating is off.") == [
        "In the hall and the kitchen,", "the lights are on,", "but the heating is off.",
    ]
    assert split_clauses("Lights on.") == ["Lights on."]


def test_first_clause_in_chinese():
    sentence = "今天北京的天气非常好，最高气温二十五度，最低气温十五度，适合出门散步和运动，也适合和朋友一起去公园野餐，晚上可能会有小雨。"
    head, rest = split_first_clause(sentence, min_length=20)
    assert head == "今天北京的天气非常好，" and rest.startswith("最高气温")


@pytest.mark.parametrize("seed", range(20))
def test_deltas_cut_anywhere_give_the_same_sentences(seed):
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(REPLY)), rng.randint(5, 40)))
    assert stream(REPLY, cuts) == REPLY_SENTENCES


def test_a_sentence_is_handed_out_as_soon_as_it_is_certainly_complete():
    splitter = SentenceStream()
    assert splitter.feed("Turn on the lights.") == []  # "." might still be "lights.com" or "3.5"
    assert splitter.feed(" ") == ["Turn on the lights."]
    assert splitter.feed("Done!") == ["Done!"]  # nothing continues a "!"
    assert splitter.feed(" Is it 3") == []
    assert splitter.feed(".") == []
    assert splitter.feed("5 degrees? ") == ["Is it 3.5 degrees?"]
    assert splitter.feed("Call Dr. ") == []  # an abbreviation is no sentence end
    assert splitter.feed("Smith at 5 p.m. ") == []  # "p.m." may end the sentence or not
    assert splitter.feed("today.") == []
    assert splitter.flush() == ["Call Dr. Smith at 5 p.m. today."]
    assert splitter.flush() == []


def test_chinese_sentences_end_at_the_full_stop():
    splitter = SentenceStream("zh")
    assert splitter.feed("你好") == []
    assert splitter.feed("。今天") == ["你好。"]
    assert splitter.feed("天气很好！") == ["今天天气很好！"]
    assert splitter.flush() == []


def test_a_long_first_sentence_streams_its_first_clause_early():
    splitter = SentenceStream()
    assert splitter.feed("In the living room and the kitchen, all the lights") == []
    out = splitter.feed(" are now switched on, and the heating is set to 21")
    assert out == ["In the living room and the kitchen,"]
    assert splitter.feed(" degrees. Anything else?") == [
        "all the lights are now switched on, and the heating is set to 21 degrees.",
        "Anything else?",
    ]
    # Only the first sentence of a stream is cut.
    assert SentenceStream(first_clause=False).feed("In the living room and the kitchen, all the lights are now on") == []


def test_a_late_closing_quote_is_not_spoken_alone():
    # '"Bye!' is complete before its closing quote comes, and the quote alone is not spoken.
    assert stream('He said "Hi!" and left. "Bye!"', [13, 14, 29]) == ['He said "Hi!" and left.', '"Bye!']
    splitter = SentenceStream()
    assert splitter.feed('"Stop!') == ['"Stop!']
    assert splitter.feed('" Then go.') == []
    assert splitter.flush() == ["Then go."]

"""Sentences and first clauses, for whole texts and for text that arrives in deltas cut anywhere."""

from __future__ import annotations

import random
import re
import time

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


# --- texts that trip sentence splitters, whole and cut anywhere -------------------------------------------

TRICKY = [
    ("en-us", "Call Dr. Smith at 5 p.m. today. He lives on Main St. in Boston! Ask Mr. and Mrs. Jones, e.g. at noon.",
     ["Call Dr. Smith at 5 p.m. today.", "He lives on Main St. in Boston!", "Ask Mr. and Mrs. Jones, e.g. at noon."]),
    ("en-us", "Bring fruit, e.g. apples or pears. Use a knife, i.e. a sharp one. Pack bags, etc. "
              "Then go to the U.S. embassy at 9 a.m. tomorrow.",
     ["Bring fruit, e.g. apples or pears.", "Use a knife, i.e. a sharp one.", "Pack bags, etc.",
      "Then go to the U.S. embassy at 9 a.m. tomorrow."]),
    ("en-us", "Install v1.2.3 now. Ping 192.168.1.1 first. It costs 3.5 dollars, or $3.50. Python 3.12 is out.",
     ["Install v1.2.3 now.", "Ping 192.168.1.1 first.", "It costs 3.5 dollars, or $3.50.", "Python 3.12 is out."]),
    ("en-us", "The meeting is at 10 a.m. The room is 3B. Call 555-1234 at 5 p.m. if needed. It costs 3. Then 4.",
     ["The meeting is at 10 a.m.", "The room is 3B.", "Call 555-1234 at 5 p.m. if needed.", "It costs 3.", "Then 4."]),
    ("en-us", "Prices rose 2.5% in the U.S. last year. Dr. Lee, Ph.D., agreed.",
     ["Prices rose 2.5% in the U.S. last year.", "Dr. Lee, Ph.D., agreed."]),
    ("en-us", "Wait... what? Really... I thought so. Wait... What? Okay…",
     ["Wait... what?", "Really...", "I thought so.", "Wait...", "What?", "Okay…"]),
    ("en-us", 'He said "Hi." Then left. (See below.) Next. She said "Stop!" and ran. "Go!" Done.',
     ['He said "Hi."', "Then left.", "(See below.)", "Next.", 'She said "Stop!" and ran.', '"Go!"', "Done."]),
    # A quotation that starts the sentence ends it on its "!": the pieces are the same however the text arrives.
    ("en-us", '"Stop!" he shouted. Then he left.', ['"Stop!"', "he shouted.", "Then he left."]),
    ("en-us", "Really?! No way!!! (Really?) Yes. She asked (why?) and left.",
     ["Really?!", "No way!!!", "(Really?)", "Yes.", "She asked (why?) and left."]),
    ("en-us", "Shopping list:\n- milk\n- bread\n* eggs\n1. first item\n2. second item\n\nThat is all.",
     ["Shopping list:", "- milk", "- bread", "* eggs", "1. first item", "2. second item", "That is all."]),
    ("en-us", "Here's the plan:\n\n1. **Call** the office.\n2. Book the room, i.e. room 3.\n\nDone.",
     ["Here's the plan:", "1. **Call** the office.", "2. Book the room, i.e. room 3.", "Done."]),
    ("en-us", "# Weather today\nIt is sunny.\n\n## Tomorrow\nRain is likely\n\nBring an umbrella!",
     ["# Weather today", "It is sunny.", "## Tomorrow", "Rain is likely", "Bring an umbrella!"]),
    ("en-us", "Visit https://example.com/a.b?c=d&e=1. Then go. Mail me at john.doe@example.com. Thanks!",
     ["Visit https://example.com/a.b?c=d&e=1.", "Then go.", "Mail me at john.doe@example.com.", "Thanks!"]),
    # A number after a word and a stop is a sentence end, not a list item ("Step 1." is said, then "Open...").
    ("en-us", "Step 1. Open the box. Step 2. Remove the cover. Version 2.0 is better.",
     ["Step 1.", "Open the box.", "Step 2.", "Remove the cover.", "Version 2.0 is better."]),
    ("en-gb", "Mrs. Brown lives on Baker St. in London. She said: 'It's fine.' Then she smiled.",
     ["Mrs. Brown lives on Baker St. in London.", "She said: 'It's fine.'", "Then she smiled."]),
    ("es", "El Sr. García llegó a las 3.5 horas. ¿Vienes? ¡Qué bien! Dijo: «Hola.» Luego se fue. Ver pág. 5.",
     ["El Sr. García llegó a las 3.5 horas.", "¿Vienes?", "¡Qué bien!", "Dijo: «Hola.» Luego se fue.", "Ver pág. 5."]),
    ("fr", "M. Dupont est là. Il est 3,5 h. Il a dit « Bonjour. » Puis il est parti ! Voir p. 5. Fin.",
     ["M. Dupont est là.", "Il est 3,5 h.", "Il a dit « Bonjour. » Puis il est parti !", "Voir p. 5.", "Fin."]),
    ("it", "Il Sig. Rossi è qui. Sono le 3.5. Va bene? Sì!",
     ["Il Sig. Rossi è qui.", "Sono le 3.5.", "Va bene?", "Sì!"]),
    ("pt-br", "O Sr. Silva chegou. São 3.5 horas. Tudo bem? Sim!",
     ["O Sr. Silva chegou.", "São 3.5 horas.", "Tudo bem?", "Sim!"]),
    ("ja", "こんにちは。「元気？」と聞いた。バージョン1.2.3です！本当？はい。",
     ["こんにちは。", "「元気？」と聞いた。", "バージョン1.2.3です！", "本当？", "はい。"]),
    ("zh", "你好。他说：“你好！”然后走了。价格是3.5元。等等……什么？好的！",
     ["你好。", "他说：“你好！”然后走了。", "价格是3.5元。", "等等……什么？", "好的！"]),
    ("hi", "नमस्ते। डॉ. शर्मा आए। कीमत 3.5 रुपये है। क्या आप आएंगे? हाँ!",
     ["नमस्ते।", "डॉ. शर्मा आए।", "कीमत 3.5 रुपये है।", "क्या आप आएंगे?", "हाँ!"]),
]
TRICKY_IDS = [f"{language}-{text[:24]}" for language, text, _ in TRICKY]

_FINAL = "!?！？।。"
# What may follow a final mark without a space: closing quotes and more marks, all silent.
_SILENT = "\"'”’»)]}」』）】》!?！？。."


def delta_cuts(text: str) -> list[list[int]]:
    """Two deltas cut at every position, then deltas of 1, 2, 3, 4 and 7 characters."""
    return [[i] for i in range(1, len(text))] + [list(range(n, len(text), n)) for n in (1, 2, 3, 4, 7)]


def without_late_marks(pieces: list[str]) -> list[str]:
    """``pieces`` without the silent marks after a final mark: a delta that ends on "!" hands its sentence
    out at once, and the closing quote that comes next is dropped ('"Go!' for '"Go!"')."""
    return [re.sub(rf"(?<=[{_FINAL}])[{re.escape(_SILENT)}]+$", "", piece) for piece in pieces]


def same_pieces(got: list[str], expected: list[str], text: str, cuts: list[int]) -> bool:
    """Exactly the same pieces; only where a delta ends between a final mark and a silent mark may that
    mark be missing."""
    if got == expected:
        return True
    late = any(text[cut - 1] in _FINAL and text[cut] in _SILENT for cut in cuts)
    return late and without_late_marks(got) == without_late_marks(expected)


def said(pieces: list[str]) -> str:
    """What ``pieces`` say, without spaces (Chinese and Japanese have none between words) and without the
    silent marks after a final mark."""
    return re.sub(rf"(?<=[{_FINAL}])[{re.escape(_SILENT)}]+", "", re.sub(r"\s+", "", "".join(pieces)))


@pytest.mark.parametrize("language, text, expected", TRICKY, ids=TRICKY_IDS)
def test_tricky_sentences(language, text, expected):
    assert split_sentences(text, language) == expected


@pytest.mark.parametrize("language, text, expected", TRICKY, ids=TRICKY_IDS)
def test_tricky_texts_cut_anywhere_give_the_pieces_of_the_whole_text(language, text, expected):
    assert stream(text, [], language, first_clause=False) == expected
    for cuts in delta_cuts(text):
        got = stream(text, cuts, language, first_clause=False)
        assert same_pieces(got, expected, text, cuts), (cuts, got)
        assert said(got) == said([text]), (cuts, got)  # nothing lost, nothing said twice


LONG_FIRST = {
    "en": "In the living room and the kitchen, all the lights are now switched on, and the heating is set to 21. ",
    "hi": "आज सुबह से ही बारिश हो रही है, इसलिए सभी बत्तियाँ जल रही हैं, और हीटिंग इक्कीस डिग्री पर सेट है। ",
    "zh": "今天北京的天气非常好，最高气温二十五度，最低气温十五度，适合出门散步和运动，也适合和朋友一起去公园野餐，晚上可能会有小雨，记得带伞。",
}


@pytest.mark.parametrize("language, text, expected", TRICKY, ids=TRICKY_IDS)
def test_with_a_first_clause_only_the_first_sentence_is_cut(language, text, expected):
    first = LONG_FIRST.get(language[:2], LONG_FIRST["zh"] if language == "ja" else LONG_FIRST["en"])
    text = first + text
    whole = stream(text, [], language, first_clause=False)
    assert whole == [first.strip(), *expected]
    clauses = 0
    for cuts in delta_cuts(text):
        got = stream(text, cuts, language, first_clause=True)
        assert said(got) == said([text]), (cuts, got)
        if not same_pieces(got, whole, text, cuts):
            # The first sentence went out in two, at a clause cut; the rest is as in the whole text.
            head, rest = got[:2]
            assert len(got) == len(whole) + 1 and whole[0] == head + whole[0][len(head):], (cuts, got)
            assert whole[0][len(head):].strip() == rest, (cuts, got)
            assert same_pieces(got[2:], whole[1:], text, cuts), (cuts, got)
            clauses += 1
    assert clauses  # the first clause went out early for some of the cuts


@pytest.mark.parametrize(
    "language, delta",
    [
        ("en-us", "It costs 3."),  # "3.5"
        ("en-us", "Use v1.2."),
        ("en-us", "Ping 192.168."),
        ("en-us", "Call Dr"),
        ("en-us", "Call Dr."),
        ("en-us", "Call Dr. "),  # a title is never the end of a sentence
        ("en-us", "See e.g"),
        ("en-us", "See e.g. "),
        ("en-us", "Meet at 5 p.m. "),  # "5 p.m. Then" ends a sentence, "5 p.m. today" does not
        ("en-us", "The U.S. "),
        ("en-us", "Wait... "),
        ("en-us", "Wait... What"),  # the next word is not whole yet
        ("en-us", "Visit https://example.com/a?"),  # "?b=1" may follow
        ("en-us", "Go to example.com/page!"),
        ("en-us", 'He said "Hi!'),  # '" and left.' may follow
        ("en-us", 'He said "Hi!" '),
        ("en-us", "Yahoo!"),
        ("en-us", "(See below.) "),
        ("es", "Llegó el Sr. "),
        ("fr", "Il a dit « Bonjour. "),
        ("fr", "Voir p. "),
        ("ja", "「元気？"),
        ("ja", "「元気？」"),  # と聞いた。 may follow
        ("zh", "他说：“你好！"),
        ("hi", "डॉ. "),
    ],
)
def test_nothing_is_handed_out_before_it_is_certainly_complete(language, delta):
    splitter = SentenceStream(language, first_clause=False)
    assert splitter.feed(delta) == []
    assert splitter.pending == delta


@pytest.mark.parametrize(
    "language, deltas, outputs",
    [
        ("en-us", ["Is it 3.5?"], [["Is it 3.5?"]]),
        ("en-us", ["Meet at 5 p.m. ", "Then ", "go."], [[], ["Meet at 5 p.m."], []]),
        ("en-us", ["Wait... What ", "now?"], [["Wait..."], ["What now?"]]),
        ("en-us", ["(See below.) ", "Next "], [[], ["(See below.)"]]),
        ("en-us", ["- milk\n", "## Tomorrow\n"], [["- milk"], ["## Tomorrow"]]),
        ("en-us", ["Visit https://example.com/a?", "b=1. ", "Go!"], [[], ["Visit https://example.com/a?b=1."], ["Go!"]]),
        ("es", ["¿Vienes?"], [["¿Vienes?"]]),
        ("fr", ["Il est parti !"], [["Il est parti !"]]),
        ("ja", ["「はい。」", "「"], [[], ["「はい。」"]]),
        ("hi", ["नमस्ते।"], [["नमस्ते।"]]),
    ],
)
def test_a_sentence_goes_out_as_soon_as_its_end_is_certain(language, deltas, outputs):
    splitter = SentenceStream(language, first_clause=False)
    assert [splitter.feed(delta) for delta in deltas] == outputs


def test_feeding_stays_cheap_for_long_texts():
    # Each delta is searched from where the last search stopped: a long text without a sentence end (a code
    # block, a run-on list) must not be searched again from its start on every delta.
    for text in ("lorem ipsum dolor sit amet " * 800, "a 3.5 b " * 2500, "你好" * 10000):
        splitter = SentenceStream()
        started = time.perf_counter()
        for i in range(0, len(text), 4):
            splitter.feed(text[i:i + 4])
        assert len(splitter.flush()) <= 2
        assert time.perf_counter() - started < 2.0

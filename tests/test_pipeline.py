"""One request's pipeline: pieces in order, pauses, cancellation, clause cutting, the audio cache; and the
planner's cuts."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from wyoming_kokoro.engine.audio import SAMPLE_RATE
from wyoming_kokoro.costs import CostModel
from wyoming_kokoro.g2p import G2PRegistry
from wyoming_kokoro.pauses import Pauses, pause_after
from wyoming_kokoro.pipeline import PieceAudio, Pipeline, RequestStats, chunk_pcm, iterate
from wyoming_kokoro.planner import MIN_GAIN
from wyoming_kokoro.scheduler import Scheduler
from wyoming_kokoro.synthesizer import Synthesizer

try:  # tests/ on sys.path (rootdir-inserted) or as a package
    from texts import OVER_LONG_SENTENCE
except ModuleNotFoundError:
    from tests.texts import OVER_LONG_SENTENCE


def test_chunks_cover_the_audio_exactly():
    pcm = bytes(range(256)) * 20  # 5120 bytes = 2560 samples
    chunks = chunk_pcm(pcm, 1024)
    assert [len(c) for c in chunks] == [2048, 2048, 1024]
    assert b"".join(chunks) == pcm
    assert chunk_pcm(b"", 1024) == []


def test_pieces_come_in_order_with_the_pause_in_front_of_the_next_and_none_after_the_last(synthesizer):
    voice = synthesizer.voices.resolve("af_heart")

    async def main():
        pipeline = Pipeline(synthesizer, Scheduler(parallel=1))
        stats = RequestStats()
        # The second piece takes far less time to synthesize than the first one's audio lasts.
        texts = ["Good morning, the heating is on and the kitchen lights are off.", "Okay?"]
        out = [piece async for piece in pipeline.run(iterate(texts), voice, voice.language, 1.0, stats)]
        pipeline.scheduler.shutdown()
        return out, stats

    out, stats = asyncio.run(main())
    assert [p.text for p in out] == ["Good morning, the heating is on and the kitchen lights are off.", "Okay?"]
    first, second = out
    # The first piece is speech only; the second starts with the pause after the full stop (0.3 s of exact zeros,
    # the second piece is synthesized while the first plays, so none of it was spent waiting) and nothing follows
    # its question mark: a pause is added only once more speech is known to follow.
    assert len(first.pcm) == 2 * len(first.speech.audio)
    assert second.pcm.startswith(b"\0\0" * int(0.3 * SAMPLE_RATE))
    assert len(second.pcm) == 2 * (len(second.speech.audio) + int(0.3 * SAMPLE_RATE))
    assert stats.pieces == 2 and stats.characters == sum(len(p.text) for p in out)
    assert stats.audio_seconds == pytest.approx((len(first.pcm) + len(second.pcm)) / 2 / SAMPLE_RATE)
    assert 0 < stats.rtf < 5


def test_a_pause_the_listener_already_waited_through_is_not_played_again(synthesizer):
    voice = synthesizer.voices.resolve("af_heart")

    async def texts():
        yield "Okay."
        await asyncio.sleep(2.5)  # the next sentence comes long after "Okay." has played (an LLM thinking)
        yield "Done."

    async def main():
        pipeline = Pipeline(synthesizer, Scheduler(parallel=1))
        out = [piece async for piece in pipeline.run(texts(), voice, voice.language, 1.0, RequestStats())]
        pipeline.scheduler.shutdown()
        return out

    first, second = asyncio.run(main())
    assert first.seconds < 2.0  # so the listener waited well over 0.3 s for "Done."
    assert len(second.pcm) == 2 * len(second.speech.audio)


def test_a_consumer_that_stops_early_stops_the_remaining_work(synthesizer):
    voice = synthesizer.voices.resolve("af_heart")
    requested: list[str] = []

    async def texts():
        for i in range(20):
            requested.append(f"Sentence number {i}.")
            yield f"Sentence number {i}."

    async def main():
        pipeline = Pipeline(synthesizer, Scheduler(parallel=1), lookahead=1)
        async for _ in pipeline.run(texts(), voice, voice.language, 1.0, RequestStats()):
            break  # the client went away after the first piece
        await asyncio.sleep(0.5)
        pipeline.scheduler.shutdown()

    started = time.perf_counter()
    asyncio.run(main())
    assert len(requested) <= 3  # the first, the one synthesized ahead, and at most one being picked up
    assert time.perf_counter() - started < 10


def test_a_piece_too_long_for_the_audio_before_it_is_cut_at_its_clauses(synthesizer):
    pipeline = Pipeline(synthesizer, Scheduler(parallel=1), costs=CostModel(rtf=0.5))
    language = synthesizer.voices.resolve("af_heart").language
    long = "The heating is on in the living room, the bedroom windows are closed, and the front door is locked."
    # Estimated inference: 0.5 x 0.065 s a character. 0.5 s of budget: the first clause (37 characters) goes alone;
    # 2.5 s: the first two clauses (70 characters, 2.3 s).
    assert pipeline.planner.fit(long, language, 1.0, 0.5) == (
        "The heating is on in the living room,", "the bedroom windows are closed, and the front door is locked."
    )
    assert pipeline.planner.fit(long, language, 1.0, 2.5)[0] == "The heating is on in the living room, the bedroom windows are closed,"
    assert pipeline.planner.fit(long, language, 1.0, 10.0) == (long, "")
    assert pipeline.planner.fit("Lights on, now.", language, 1.0, 0.0) == ("Lights on, now.", "")  # nothing to cut


def test_fitting_keeps_every_word_in_order(synthesizer):
    voice = synthesizer.voices.resolve("af_heart")
    texts = ["Sure.", "The heating is on in the living room, the bedroom windows are closed, and the door is locked."]

    async def main():
        pipeline = Pipeline(synthesizer, Scheduler(parallel=1), costs=CostModel(rtf=2.0))  # a slow machine: cut what can be cut
        out = [p async for p in pipeline.run(iterate(texts), voice, voice.language, 1.0, RequestStats(), fit=True)]
        pipeline.scheduler.shutdown()
        return out

    out = asyncio.run(main())
    assert " ".join(p.text for p in out) == " ".join(texts)
    assert len(out) >= 3 and out[0].text == "Sure."
    assert len(out[0].pcm) == 2 * len(out[0].speech.audio)  # pauses come in front of the pieces after the first
    for before, piece in zip(out, out[1:]):  # at most the pause the text calls for (less when the listener waited)
        assert 2 * len(piece.speech.audio) <= len(piece.pcm)
        assert len(piece.pcm) <= 2 * (len(piece.speech.audio) + int(pause_after(before.text, 1.0) * SAMPLE_RATE) + 1)


def test_a_changed_user_lexicon_is_never_served_old_audio_from_the_audio_cache(model, voices, tmp_path):
    from wyoming_kokoro.audio_cache import AudioCache
    from wyoming_kokoro.g2p import G2PRegistry, UserLexicon
    from wyoming_kokoro.synthesizer import Synthesizer

    synthesizer = Synthesizer(model, voices, G2PRegistry())
    voice = voices.resolve("af_heart")
    cache = AudioCache(model.sha256, 8 << 20, directory=tmp_path)  # a directory: it would outlive the process

    async def speak(pipeline: Pipeline) -> PieceAudio:
        stats = RequestStats()
        [piece] = [p async for p in pipeline.run(iterate(["Kokoro is here."]), voice, voice.language, 1.0, stats)]
        return piece

    async def main():
        pipeline = Pipeline(synthesizer, Scheduler(parallel=1), cache=cache)
        first = await speak(pipeline)
        again = await speak(pipeline)
        synthesizer.g2p.configure(UserLexicon.from_mapping({"en-us": {"Kokoro": "kˈOkəɹO"}}), None)
        relexed = await speak(pipeline)
        relexed_again = await speak(pipeline)
        pipeline.scheduler.shutdown()
        return first, again, relexed, relexed_again

    first, again, relexed, relexed_again = asyncio.run(main())
    assert not first.cached and again.cached and again.pcm == first.pcm
    assert not relexed.cached and relexed.speech.stats.user_lexicon_words == 1  # synthesized anew, with the entry
    assert relexed_again.cached and relexed_again.pcm == relexed.pcm


def test_the_first_clause_goes_alone_only_when_the_next_one_can_be_ready_before_it_has_played(synthesizer):
    language = synthesizer.voices.resolve("af_heart").language
    text = "It's 14 degrees and partly cloudy right now."
    # "It's 14 degrees" plays for about 1 s (0.065 s a character) plus a breath; "and partly cloudy right now."
    # takes 28 x 0.065 x RTF seconds to synthesize.
    fast = Pipeline(synthesizer, Scheduler(parallel=1), costs=CostModel(rtf=0.15))
    assert fast.planner.first_cut(text, language, 1.0) == ("It's 14 degrees", "and partly cloudy right now.")
    slow = Pipeline(synthesizer, Scheduler(parallel=1), costs=CostModel(rtf=1.0))
    assert slow.planner.first_cut(text, language, 1.0) == (text, "")
    assert fast.planner.first_cut("Okay, the lights are off.", language, 1.0) == ("Okay, the lights are off.", "")  # too short
    fast.scheduler.shutdown()
    slow.scheduler.shutdown()

    async def main():
        pipeline = Pipeline(synthesizer, Scheduler(parallel=1), costs=CostModel(rtf=0.15))
        voice = synthesizer.voices.resolve("af_heart")
        out = [p async for p in pipeline.run(iterate([text]), voice, language, 1.0, RequestStats(), fit=True)]
        pipeline.scheduler.shutdown()
        return out

    out = asyncio.run(main())
    assert out[0].text == "It's 14 degrees" and " ".join(p.text for p in out) == text


def zero_runs(pcm: bytes) -> list[tuple[float, float]]:
    """(start, length) in seconds of each run of exact zero samples in ``pcm`` of 50 ms or more, in order."""
    zero = np.concatenate([[False], np.frombuffer(pcm, dtype="<i2") == 0, [False]])
    edges = np.flatnonzero(np.diff(zero.astype(np.int8)))
    return [(start / SAMPLE_RATE, (end - start) / SAMPLE_RATE)
            for start, end in zip(edges[::2], edges[1::2]) if end - start >= 0.05 * SAMPLE_RATE]


@pytest.mark.parametrize("windowed", [True, False], ids=["windowed", "whole"])
def test_the_configured_pauses_are_heard_between_pieces_and_between_the_parts_of_an_over_long_piece(
    model, voices, windowed
):
    long = OVER_LONG_SENTENCE  # synthesized in two parts, cut at a comma
    synthesizer = Synthesizer(model, voices, G2PRegistry(), pauses=Pauses(sentence=0.6, clause=0.25))
    voice = voices.resolve("af_heart")

    async def main():
        pipeline = Pipeline(synthesizer, Scheduler(parallel=1), windowed=windowed)
        stats = RequestStats()
        out = [p async for p in pipeline.run(iterate([long, "Okay, then,", "Done."]), voice, voice.language, 1.0, stats)]
        pipeline.scheduler.shutdown()
        return out, stats

    out, stats = asyncio.run(main())
    pieces = {text: b"".join(p.pcm for p in out if p.text == text) for text in (long, "Okay, then,", "Done.")}
    assert stats.pieces == 3 and out[0].speech.pieces == 2
    # Exact zeros, of the configured lengths (the model makes runs of zeros of its own too, but not of these).
    # The quiet margins trimming keeps around speech (20 ms before, 60 ms after) may round to zeros as well, so a
    # run may be up to 80 ms longer: still short of what the default pauses (0.12 s, 0.3 s) would give with them.
    # Between the two parts of the long piece, cut at a comma: the clause pause.
    assert any(0.25 <= length <= 0.33 for _, length in zero_runs(pieces[long])), zero_runs(pieces[long])
    # In front of each later piece (synthesized while the long one plays: no wait shortens them): the sentence
    # pause after the long one's full stop, then the clause pause after "Okay, then,".
    for text, pause in (("Okay, then,", 0.6), ("Done.", 0.25)):
        start, length = zero_runs(pieces[text])[0]
        assert start == 0 and pause <= length <= pause + 0.08, (text, zero_runs(pieces[text]))


def test_the_first_cut_counts_the_configured_pause_as_time_the_next_clause_has(model, voices):
    text = "In the living room, the heating is set to twenty one degrees today."
    language = voices.resolve("af_heart").language
    # "In the living room," plays about 1.24 s, then the clause pause; the next clause takes 47 x 0.065 x 0.5 =
    # 1.53 s to synthesize: not ready after the default 0.12 s pause, ready after a pause of 0.5 s.
    plain = Pipeline(Synthesizer(model, voices, G2PRegistry()), Scheduler(parallel=1), costs=CostModel(rtf=0.5))
    assert plain.planner.first_cut(text, language, 1.0) == (text, "")
    paused = Pipeline(
        Synthesizer(model, voices, G2PRegistry(), pauses=Pauses(clause=0.5)), Scheduler(parallel=1),
        costs=CostModel(rtf=0.5),
    )
    assert paused.planner.first_cut(text, language, 1.0) == (
        "In the living room,", "the heating is set to twenty one degrees today."
    )
    plain.scheduler.shutdown()
    paused.scheduler.shutdown()


def test_clause_cutting_follows_one_rule_whether_pieces_are_decoded_whole_or_window_by_window(synthesizer):
    # One rule in both modes: cut where that brings the piece's first audio noticeably sooner (MIN_GAIN).
    # Decoded whole, a clause is ready much sooner than its sentence; window by window, the first audio of either
    # is the G2P, the front part and one small window, a few milliseconds apart, so pieces stay whole however
    # little audio the listener has left.
    language = synthesizer.voices.resolve("af_heart").language
    long = "The heating is on in the living room, the bedroom windows are closed, and the front door is locked."
    text = "It's 14 degrees and partly cloudy right now."
    whole = Pipeline(synthesizer, Scheduler(parallel=1), costs=CostModel(rtf=0.5))
    windowed = Pipeline(synthesizer, Scheduler(parallel=1), windowed=True, costs=CostModel(rtf=0.5))
    assert whole.planner.fit(long, language, 1.0, 0.5)[1] != ""
    assert whole.planner.first_audio_seconds("The heating is on in the living room,", 1.0) < \
        whole.planner.first_audio_seconds(long, 1.0)
    clause_first = windowed.planner.first_audio_seconds("The heating is on in the living room,", 1.0)
    assert clause_first < windowed.planner.first_audio_seconds(long, 1.0) < clause_first + MIN_GAIN
    assert windowed.planner.first_audio_seconds(long, 1.0) < 0.5
    assert windowed.planner.fit(long, language, 1.0, 0.0) == (long, "")
    assert windowed.planner.first_cut(text, language, 1.0) == (text, "")
    whole.scheduler.shutdown()
    windowed.scheduler.shutdown()

"""The scheduler (worker threads, earliest deadline first, bounded queue) and one request's pipeline."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from wyoming_kokoro.engine.audio import SAMPLE_RATE
from wyoming_kokoro.pipeline import PieceAudio, Pipeline, QueueFull, RequestStats, Scheduler, chunk_pcm, iterate


def test_jobs_run_in_worker_threads_first_pieces_first_then_earliest_deadline():
    order: list[str] = []
    gate = threading.Event()

    def job(name: str):
        def run():
            if name == "blocker":
                gate.wait(5)
            order.append(name)
            return threading.current_thread().name

        return run

    async def main():
        scheduler = Scheduler(parallel=1, max_queue=8)
        blocker = asyncio.create_task(scheduler.run(0.0, job("blocker")))
        await asyncio.sleep(0.05)  # the blocker holds the only worker; the others queue up
        later = asyncio.create_task(scheduler.run(30.0, job("tail needed in 30 s")))
        sooner = asyncio.create_task(scheduler.run(10.0, job("tail needed in 10 s")))
        overdue = asyncio.create_task(scheduler.run(-5.0, job("tail overdue by 5 s")))
        newcomer = asyncio.create_task(scheduler.run(20.0, job("first piece of a new request"), first=True))
        newcomer2 = asyncio.create_task(scheduler.run(15.0, job("first piece of another new request"), first=True))
        await asyncio.sleep(0.05)
        assert scheduler.queue_depth == 5 and scheduler.running == 1
        gate.set()
        names = await asyncio.gather(blocker, later, sooner, overdue, newcomer, newcomer2)
        scheduler.shutdown()
        return names

    names = asyncio.run(main())
    # First pieces before any tail, even one that is already late; earliest deadline first within each.
    assert order == [
        "blocker", "first piece of another new request", "first piece of a new request",
        "tail overdue by 5 s", "tail needed in 10 s", "tail needed in 30 s",
    ]
    assert all(name.startswith("kokoro-inference") for name in names)


def test_a_full_queue_refuses_and_a_cancelled_job_never_runs():
    ran: list[str] = []
    gate = threading.Event()

    async def main():
        scheduler = Scheduler(parallel=1, max_queue=2)
        busy = asyncio.create_task(scheduler.run(0.0, lambda: gate.wait(5)))
        await asyncio.sleep(0.05)
        waiting = [asyncio.create_task(scheduler.run(1.0, lambda i=i: ran.append(f"job {i}"))) for i in range(2)]
        await asyncio.sleep(0.05)
        with pytest.raises(QueueFull):
            await scheduler.run(1.0, lambda: ran.append("refused"))
        waiting[0].cancel()
        await asyncio.sleep(0.05)
        assert scheduler.queue_depth == 1
        gate.set()
        await busy
        await waiting[1]
        scheduler.shutdown()

    asyncio.run(main())
    assert ran == ["job 1"]


def test_an_exception_in_a_job_reaches_its_caller_and_the_worker_goes_on():
    async def main():
        scheduler = Scheduler(parallel=1)
        with pytest.raises(ZeroDivisionError):
            await scheduler.run(0.0, lambda: 1 / 0)
        assert await scheduler.run(0.0, lambda: 42) == 42
        scheduler.shutdown()

    asyncio.run(main())


def test_bad_scheduler_settings_name_the_value():
    with pytest.raises(ValueError, match="got 0"):
        Scheduler(parallel=0)
    with pytest.raises(ValueError, match="got -1"):
        Scheduler(max_queue=-1)


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
    pipeline = Pipeline(synthesizer, Scheduler(parallel=1), rtf=0.5)
    language = synthesizer.voices.resolve("af_heart").language
    long = "The heating is on in the living room, the bedroom windows are closed, and the front door is locked."
    # Estimated inference: 0.5 x 0.065 s a character. 0.5 s of budget: the first clause (37 characters) goes alone;
    # 2.5 s: the first two clauses (70 characters, 2.3 s).
    assert pipeline.fit(long, language, 1.0, 0.5) == (
        "The heating is on in the living room,", "the bedroom windows are closed, and the front door is locked."
    )
    assert pipeline.fit(long, language, 1.0, 2.5)[0] == "The heating is on in the living room, the bedroom windows are closed,"
    assert pipeline.fit(long, language, 1.0, 10.0) == (long, "")
    assert pipeline.fit("Lights on, now.", language, 1.0, 0.0) == ("Lights on, now.", "")  # nothing to cut


def test_fitting_keeps_every_word_in_order(synthesizer):
    voice = synthesizer.voices.resolve("af_heart")
    texts = ["Sure.", "The heating is on in the living room, the bedroom windows are closed, and the door is locked."]

    async def main():
        pipeline = Pipeline(synthesizer, Scheduler(parallel=1), rtf=2.0)  # a slow machine: cut what can be cut
        out = [p async for p in pipeline.run(iterate(texts), voice, voice.language, 1.0, RequestStats(), fit=True)]
        pipeline.scheduler.shutdown()
        return out

    out = asyncio.run(main())
    assert " ".join(p.text for p in out) == " ".join(texts)
    assert len(out) >= 3 and out[0].text == "Sure."
    assert len(out[0].pcm) == 2 * len(out[0].speech.audio)  # pauses come in front of the pieces after the first
    for before, piece in zip(out, out[1:]):  # at most the pause the text calls for (less when the listener waited)
        assert 2 * len(piece.speech.audio) <= len(piece.pcm)
        assert len(piece.pcm) <= 2 * (len(piece.speech.audio) + int(Pipeline.pause_after(before.text, 1.0) * SAMPLE_RATE) + 1)


def test_a_changed_user_lexicon_is_never_served_old_audio_from_the_audio_cache(model, voices, tmp_path):
    from wyoming_kokoro.audio_cache import AudioCache
    from wyoming_kokoro.g2p import G2PRegistry, UserLexicon
    from wyoming_kokoro.tts import Synthesizer

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
    fast = Pipeline(synthesizer, Scheduler(parallel=1), rtf=0.15)
    assert fast.first_cut(text, language, 1.0) == ("It's 14 degrees", "and partly cloudy right now.")
    slow = Pipeline(synthesizer, Scheduler(parallel=1), rtf=1.0)
    assert slow.first_cut(text, language, 1.0) == (text, "")
    assert fast.first_cut("Okay, the lights are off.", language, 1.0) == ("Okay, the lights are off.", "")  # too short
    fast.scheduler.shutdown()
    slow.scheduler.shutdown()

    async def main():
        pipeline = Pipeline(synthesizer, Scheduler(parallel=1), rtf=0.15)
        voice = synthesizer.voices.resolve("af_heart")
        out = [p async for p in pipeline.run(iterate([text]), voice, language, 1.0, RequestStats(), fit=True)]
        pipeline.scheduler.shutdown()
        return out

    out = asyncio.run(main())
    assert out[0].text == "It's 14 degrees" and " ".join(p.text for p in out) == text

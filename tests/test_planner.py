"""The start rule and the window sizes (planner.py): on the estimates alone, and on machines of several speeds
emulated by a decoder that sleeps (sleeping_model.py), with a listener that plays in real time."""

from __future__ import annotations

import asyncio
import time

import pytest

from wyoming_kokoro.costs import CostModel, LinearCost
from wyoming_kokoro.engine.windows import WindowPlan
from wyoming_kokoro.g2p import G2PRegistry
from wyoming_kokoro.pauses import Pauses
from wyoming_kokoro.pipeline import Pipeline, RequestStats, iterate
from wyoming_kokoro.config import START_DEADLINE
from wyoming_kokoro.planner import BUDGET_MARGIN, Listener, Planner, Shape
from wyoming_kokoro.scheduler import Scheduler
from wyoming_kokoro.synthesizer import Synthesizer

try:  # tests/ on sys.path (rootdir-inserted) or as a package
    from sleeping_model import SleepingModel
except ModuleNotFoundError:
    from tests.sleeping_model import SleepingModel

REPLY = [
    "Good evening.",
    "The kitchen lights were turned off at ten, the front door is locked, and the garage is closed.",
    "Tomorrow morning will start cloudy.",
]


def planner(fixed: float, per_frame: float) -> Planner:
    """A planner whose decoder costs ``fixed`` a window and ``per_frame`` a frame decoded (25 ms of audio), later
    windows with the plan's full context where they can afford it (the ``seam_context: full`` setting)."""
    costs = CostModel(decoder=LinearCost(fixed, per_frame), front=LinearCost(0.01, 0.0005))
    costs.rtf = per_frame / 0.025  # (its real-time factor, roughly: what overload is judged by)
    return Planner(costs, WindowPlan(), Pauses(), hop=600, full_context=True)


def reply_shapes(p: Planner) -> list[Shape]:
    first = p.shape_of(REPLY[0], 1.0, 0.0)
    first.characters = first.tokens = 0  # its G2P and front part have run: its frames are known, as the pipeline's
    first.audio = None  # shapes give them (no guess from its characters)
    return [first] + [p.shape_of(text, 1.0, 0.3) for text in REPLY[1:]]


def test_a_fast_machine_starts_at_once_with_the_plan_s_first_window():
    p = planner(0.005, 0.002)
    first, hold = p.start(reply_shapes(p))
    assert (first, hold) == (WindowPlan().first, 0.0)
    assert p.simulate(reply_shapes(p), None).gap == 0


def test_a_slower_machine_holds_the_start_just_long_enough_for_the_rest_to_play_through():
    p = planner(0.03, 0.016)  # 0.64 s of work a second of audio, before each window's fixed cost and context
    shapes = reply_shapes(p)
    assert p.simulate(shapes, None).gap > 0  # started at once, the listener would wait later
    first, hold = p.start(shapes)
    assert 0 < hold < START_DEADLINE
    outcome = p.simulate(shapes, None, hold)
    assert outcome.gap == 0 and outcome.slack >= BUDGET_MARGIN
    assert p.simulate(shapes, None, 0.9 * hold).slack < BUDGET_MARGIN  # and no shorter hold would do
    assert first > WindowPlan().first  # what is decoded while the start waits comes in larger windows


def test_the_start_is_never_held_past_the_deadline():
    p = planner(0.03, 0.05)  # twice as slow as real time: no hold within 2 s can save a long reply
    shapes = reply_shapes(p) * 3
    _, hold = p.start(shapes)
    assert hold == pytest.approx(START_DEADLINE)
    _, hold = p.start(shapes, elapsed=0.5)  # the request already waited half a second
    assert hold == pytest.approx(START_DEADLINE - 0.5)


def test_windows_grow_with_the_audio_ahead_and_never_leave_a_stub():
    p = planner(0.012, 0.007)
    plan = WindowPlan()
    windows = [p.window(buffered, 500, True) for buffered in (0.5, 1.0, 2.0)]
    sizes = [size for size, _ in windows]
    assert sizes == sorted(sizes) and sizes[0] >= plan.first and sizes[-1] == plan.largest
    for buffered, (size, lean) in zip((0.5, 1.0, 2.0), windows):
        assert not lean  # this machine makes a window's audio fast enough to pay for the plan's context
        if size < plan.largest:  # the largest window that fits the share of the audio ahead
            assert p.costs.decoder.estimate(p.decoded_frames(size, 500, True, lean)) <= 0.9 * buffered - 0.02
    assert p.decoded_frames(40, 500, True, lean=True) < p.decoded_frames(40, 500, True)
    assert p.window_size(1.0, plan.first + 3, True) == plan.first + 3  # all that is left, not a stub
    # Starving (not even the plan's first window fits): grow over the last window
    assert p.window_size(0.0, 500, True, previous=20) == 40
    # (with the full context, as it pays for itself on this machine: the start rule plans for it)
    assert p.window(0.2, 500, True) == (plan.first * plan.growth, False)
    # Under load (others wait for the machine) every later window is lean: it costs less
    assert all(p.window(buffered, 500, True, busy=True)[1] for buffered in (0.5, 1.0, 2.0))
    # On a machine where the plan's context would not pay for itself, lean windows
    slow = planner(0.03, 0.02)
    assert all(slow.window(buffered, 500, True)[1] for buffered in (0.5, 1.0, 2.0))
    # And always with the lean seam context (the default)
    p.full_context = False
    assert all(p.window(buffered, 500, True)[1] for buffered in (0.5, 1.0, 2.0))


def test_a_busy_machine_holds_a_new_reply_back_rather_than_starve_the_one_playing():
    p = planner(0.012, 0.007)
    # Another listener has 0.4 s of audio ahead and three long sentences to come: the work promised to it
    other = Listener([p.shape_of(REPLY[1], 1.0, 0.3) for _ in range(3)], 0.4)
    _, alone = p.start(reply_shapes(p))
    promised = p.simulate([], None, 0.0, [other]).others_gap
    assert promised == 0
    at_once = p.simulate(reply_shapes(p), None, 0.0, [other])
    assert at_once.others_gap > BUDGET_MARGIN  # started at once, it would make the other listener wait
    first, hold = p.start(reply_shapes(p), others=[other])
    assert alone < hold < START_DEADLINE and first == WindowPlan().first  # held longer, with a small first window
    outcome = p.simulate(reply_shapes(p), None, hold, [other])
    assert outcome.others_gap <= BUDGET_MARGIN and outcome.gap == 0  # both play through


def test_an_overloaded_machine_starts_a_new_reply_at_once():
    p = planner(0.012, 0.007)
    shapes = reply_shapes(p)
    for count in (2, 3):
        others = [Listener([p.shape_of(REPLY[1], 1.0, 0.3) for _ in range(3)], 0.4) for _ in range(count)]
        promised = p.simulate([], None, 0.0, others).others_gap
        at_deadline = p.simulate(shapes, None, START_DEADLINE, others)
        assert at_deadline.others_gap > promised + BUDGET_MARGIN  # no hold within the deadline spares them
        assert p.start(shapes, others=others)[1] == 0.0  # so a hold would only delay this reply
    # Alone on a machine slower than real time, a reply is still held (up to the deadline): it then plays through
    # longer before it stalls
    slow = planner(0.03, 0.05)
    assert slow.start(reply_shapes(slow) * 3)[1] == pytest.approx(START_DEADLINE)


def test_an_overloaded_machine_decodes_the_rest_of_a_part_in_one_window():
    p = planner(0.012, 0.007)
    plan = WindowPlan()
    p.costs.rtf = 0.6  # a listener's replies take 0.6 of the model's time as they play
    assert not p.overloaded(1) and p.overloaded(2)
    p.workers = 2
    assert not p.overloaded(3) and p.overloaded(4)
    p.workers = 1
    # A listener with 0.3 s of audio ahead: sized to it, the window is small; where the machine cannot feed every
    # listener anyway, it is the rest of the part (up to the largest), and lean
    small, _ = p.window(0.3, 100, True, busy=True)
    assert small < 100
    assert p.window(0.3, 100, True, busy=True, overloaded=True) == (100, True)
    assert p.window(0.3, 500, True, busy=True, overloaded=True) == (plan.largest, True)
    assert p.window(0.3, plan.largest + 3, True, overloaded=True)[0] == plan.largest + 3  # no stub left
    assert p.window(0.3, 100, False, overloaded=True)[0] == 100  # a new part of a listener with audio in hand
    # And so does a listener who has run out: a small window would come sooner, but take CPU from everyone
    assert p.window(0.0, 100, True, previous=20, overloaded=True)[0] == 100
    assert p.window(0.0, 100, True, previous=20)[0] == 2 * 20  # (not overloaded: it grows over its last window)
    # The start rule plans the same windows: the replies take less work in all than with windows sized to the
    # audio ahead (the same plan with the machine not counted as overloaded); the machine is never idle here, so
    # the last window of all is done sooner
    others = [Listener([p.shape_of(REPLY[1], 1.0, 0.3) for _ in range(2)], 0.4) for _ in range(3)]
    loaded = p.simulate(reply_shapes(p), None, 0.0, others)
    p.costs.rtf = 0.2
    assert not p.overloaded(4)
    sized = p.simulate(reply_shapes(p), None, 0.0, others)
    assert loaded.done < sized.done


def listen(pipeline: Pipeline, texts, voice) -> tuple[float, list[float], RequestStats]:
    """Play a request in real time as its audio arrives: (first audio, the gaps over 10 ms, stats)."""
    async def main():
        stats = RequestStats()
        started = time.perf_counter()
        first, end, gaps = None, 0.0, []
        source = iterate(texts) if isinstance(texts, list) else texts()
        async for part in pipeline.run(source, voice, voice.language, 1.0, stats):
            now = time.perf_counter() - started
            if first is None:
                first = end = now
            elif now > end + 0.01:
                gaps.append(round(now - end, 3))
            end = max(end, now) + part.seconds
        pipeline.scheduler.shutdown()
        return first, gaps, stats

    return asyncio.run(main())


def sleeping_pipeline(voices, decode: tuple[float, float]) -> Pipeline:
    pipeline = Pipeline(Synthesizer(SleepingModel(decode), voices, G2PRegistry()), Scheduler(parallel=1), windowed=True)
    pipeline.warm_up(voices.resolve("af_heart"))
    return pipeline


@pytest.mark.parametrize("decode", [(0.012, 0.007), (0.025, 0.014)], ids=["full speed", "half speed"])
def test_a_machine_faster_than_real_time_plays_a_reply_through(voices, decode):
    pipeline = sleeping_pipeline(voices, decode)
    first, gaps, stats = listen(pipeline, REPLY, voices.resolve("af_heart"))
    assert gaps == [] and stats.gaps == 0, (gaps, pipeline.costs.describe())
    assert first < 0.6 if decode[1] < 0.01 else first < 1.0


def test_a_machine_slower_than_real_time_holds_the_start_and_then_plays_through(voices):
    pipeline = sleeping_pipeline(voices, (0.02, 0.026))  # 1.04 s of decoder work a second of audio, and more
    first, gaps, stats = listen(pipeline, ["Good evening.", "The door is locked."], voices.resolve("af_heart"))
    assert gaps == [] and stats.gaps == 0, (gaps, pipeline.costs.describe())
    assert stats.held_seconds > 0.2 and first <= START_DEADLINE + 0.1


def test_a_streamed_reply_is_planned_sentence_by_sentence(voices):
    pipeline = sleeping_pipeline(voices, (0.025, 0.014))

    async def sentences():  # an LLM that writes a sentence every 1.5 s
        for text in REPLY:
            yield text
            await asyncio.sleep(1.5)

    first, gaps, stats = listen(pipeline, sentences, voices.resolve("af_heart"))
    # The listener waits for the LLM's text between sentences; the server never makes it wait for audio.
    assert stats.gaps == 0 and stats.pieces == 3, (gaps, pipeline.costs.describe())


def test_a_sentence_still_arriving_is_counted_from_when_it_will_be_there():
    p = planner(0.012, 0.007)
    first = p.shape_of("Sure.", 1.0, 0.0)
    first.characters = first.tokens = 0
    expected = p.shape_of("x" * 60, 1.0, 0.3)
    _, at_once = p.start([first, expected])
    expected.available = 0.6  # an LLM writing 100 characters a second
    _, later = p.start([first, expected])
    # "Sure." plays about a quarter of a second: its start waits until the next sentence can follow it.
    assert later > at_once
    assert p.simulate([first, expected], None, later).slack >= BUDGET_MARGIN


def test_an_overloaded_machine_spends_less_on_windows(voices):
    """Three listeners at once on a machine that feeds fewer in real time: once a reply plays, the rest of each
    part comes in one window, where windows sized to the audio ahead (the machine not judged overloaded) are
    many and small; both are run here, the same requests on the same machine."""
    voice = voices.resolve("af_heart")
    text = "The kitchen lights were turned off at ten, and the front door is locked."

    def run(workers: int) -> tuple[int, float]:
        pipeline = sleeping_pipeline(voices, (0.025, 0.014))  # about 0.6 s of work a second of audio
        pipeline.planner.workers = workers

        async def one() -> RequestStats:
            stats = RequestStats()
            async for _ in pipeline.run(iterate([text]), voice, voice.language, 1.0, stats):
                pass
            return stats

        async def main():
            started = time.perf_counter()
            stats = await asyncio.gather(*(one() for _ in range(3)))
            pipeline.scheduler.shutdown()
            return sum(s.windows for s in stats), time.perf_counter() - started

        return asyncio.run(main())

    windows, seconds = run(1)
    sized, sized_seconds = run(100)  # (a hundred workers: never overloaded)
    assert windows < sized and seconds < sized_seconds, (windows, sized, seconds, sized_seconds)

"""The rate model: fixed and per-unit costs fitted from jobs, a slow-down followed within a job or two, and the
real model's job times predicted after the warm-up's calibration."""

from __future__ import annotations

import statistics
import time

import pytest

from wyoming_kokoro.costs import CostModel, LinearCost, StepTiming
from wyoming_kokoro.engine.tokens import tokenize
from wyoming_kokoro.pipeline import Pipeline
from wyoming_kokoro.scheduler import Scheduler


def test_a_fixed_and_a_per_unit_cost_are_fitted_from_the_jobs():
    cost = LinearCost(0.01, 0.001)
    for _ in range(3):
        for units in (4, 8, 16, 32, 64):
            cost.observe(units, 0.02 + 0.005 * units)
    assert cost.fixed == pytest.approx(0.02, rel=1e-6) and cost.per_unit == pytest.approx(0.005, rel=1e-6)
    assert cost.mean(100) == pytest.approx(0.52)
    assert cost.estimate(100) >= cost.mean(100)
    assert cost.estimate(cost.units_within(0.3)) == pytest.approx(0.3)


def test_the_terms_of_a_fit_are_never_negative():
    cost = LinearCost(0.01, 0.001)
    for units, seconds in ((10, 0.05), (20, 0.15), (30, 0.25)):  # a line through a negative fixed cost
        cost.observe(units, seconds)
    assert cost.fixed == 0 and cost.per_unit > 0
    flat = LinearCost(0.01, 0.001)
    for units, seconds in ((10, 0.2), (20, 0.1), (30, 0.05)):  # larger calls faster: no per-unit cost
        flat.observe(units, seconds)
    assert flat.per_unit == 0 and flat.fixed == pytest.approx(0.35 / 3)


def test_a_slow_down_raises_the_estimate_within_two_jobs_and_a_recovery_lowers_it_again():
    cost = LinearCost(0.01, 0.001)
    for units in (4, 8, 16, 32, 64) * 4:
        cost.observe(units, 0.02 + 0.005 * units)
    cost.forget_spread()
    normal = cost.estimate(20)
    assert normal == pytest.approx(0.12)
    for units in (10, 30):  # another process takes half the CPU: jobs take twice as long
        cost.observe(units, 2 * (0.02 + 0.005 * units))
    assert cost.estimate(20) >= 1.8 * normal
    for units in (4, 8, 16, 32, 64) * 13:  # back to normal
        cost.observe(units, 0.02 + 0.005 * units)
    assert cost.estimate(20) <= 1.05 * normal


def test_steps_feed_the_kinds_of_work_they_did():
    costs = CostModel()
    costs.note_step(StepTiming(characters=40, g2p_seconds=0.004, tokens=35, front_seconds=0.03))
    costs.note_step(StepTiming(frames=30, decode_seconds=0.2))
    costs.note_step(StepTiming(characters=0, frames=60, decode_seconds=0.4))
    assert (costs.g2p.observations, costs.front.observations, costs.decoder.observations) == (1, 1, 2)
    assert costs.decoder.mean(45) == pytest.approx(0.3)


def test_after_the_warm_up_the_rate_model_predicts_the_real_model_s_job_times(synthesizer):
    voice = synthesizer.voices.resolve("af_heart")
    pipeline = Pipeline(synthesizer, Scheduler(parallel=1), windowed=True)
    pipeline.warm_up(voice)
    costs, model = pipeline.costs, synthesizer.model
    text = "The temperature outside is three degrees, so take a warm coat when you leave for work this morning."
    ids = tokenize(synthesizer.phonemize(text, voice.language).phonemes).ids
    fronts = []
    for count in (len(ids) // 3, len(ids)):
        seconds = []
        for _ in range(3):
            started = time.perf_counter()
            frames = model.front(ids[:count], voice.style_for(count), 1.0)
            seconds.append(time.perf_counter() - started)
        fronts.append((count, statistics.median(seconds)))
    for count, measured in fronts:
        assert 0.6 * measured <= costs.front.mean(count) <= 1.5 * measured, (count, measured, costs.describe())
    for size in (12, 30, 70):
        seconds = []
        for _ in range(3):
            started = time.perf_counter()
            model.decode(frames, 0, size)
            seconds.append(time.perf_counter() - started)
        measured = statistics.median(seconds)
        assert 0.7 * measured <= costs.decoder.mean(size) <= 1.4 * measured, (size, measured, costs.describe())
        assert costs.decoder.estimate(size) >= costs.decoder.mean(size)
    pipeline.scheduler.shutdown()

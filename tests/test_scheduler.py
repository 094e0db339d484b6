"""The scheduler: worker threads, first pieces first, then earliest deadline first, a bounded queue."""

from __future__ import annotations

import asyncio
import threading

import pytest

from wyoming_kokoro.scheduler import QueueFull, Scheduler


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

"""The sharing of the model between requests: blocking jobs in worker threads, first pieces first, then earliest
deadline first.

The engine and the G2P are plain synchronous code; every job that runs them goes through the one
:class:`Scheduler` of a process, so the event loop never blocks. A job's deadline is the moment its audio will be
needed by the listener, when the audio before it has played. The first pieces of requests go before anything
else, so a new request is never stuck behind another's long tail (not even a tail that is already late: its
listener has heard something, the new one nothing); among the others, the one whose listener runs out of audio
first goes first.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


class QueueFull(RuntimeError):
    """The scheduler's queue is full: the server is busy."""


@dataclass(order=True)
class _Job:
    tier: int  # 0: a request's first step (nothing plays yet); 1: any other
    deadline: float
    seq: int
    fn: Callable[[], Any] = field(compare=False)
    future: asyncio.Future = field(compare=False)


class Scheduler:
    """Runs blocking jobs in ``parallel`` worker threads, earliest deadline first, at most ``max_queue`` waiting."""

    def __init__(self, parallel: int = 1, max_queue: int = 32) -> None:
        if parallel < 1:
            raise ValueError(f"parallel inferences must be 1 or more, got {parallel}")
        if max_queue < 1:
            raise ValueError(f"queue size must be 1 or more, got {max_queue}")
        self.parallel = parallel
        self.max_queue = max_queue
        self._executor = ThreadPoolExecutor(parallel, thread_name_prefix="kokoro-inference")
        self._waiting: list[_Job] = []
        self._running = 0
        self._seq = itertools.count()

    @property
    def queue_depth(self) -> int:
        """Jobs waiting for a worker (cancelled ones not counted)."""
        return sum(1 for job in self._waiting if not job.future.done())

    @property
    def running(self) -> int:
        return self._running

    async def run(self, deadline: float, fn: Callable[[], T], first: bool = False) -> T:
        """Run ``fn()`` in a worker thread when its turn comes; raises :class:`QueueFull` when too many wait.

        ``first`` jobs (the first piece of a request) go before all others, earliest deadline first among each.

        Cancelling the caller drops the job if it has not started (a started one finishes in its thread and
        its result is thrown away)."""
        if self.queue_depth >= self.max_queue:
            raise QueueFull(f"{self.max_queue} pieces already wait for the model")
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, _Job(0 if first else 1, deadline, next(self._seq), fn, future))
        self._dispatch()
        return await future

    def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        while self._running < self.parallel and self._waiting:
            job = heapq.heappop(self._waiting)
            if job.future.done():  # cancelled while waiting
                continue
            self._running += 1
            done = loop.run_in_executor(self._executor, job.fn)
            done.add_done_callback(lambda result, job=job: self._finished(result, job))

    def _finished(self, result: asyncio.Future, job: _Job) -> None:
        self._running -= 1
        error = None if result.cancelled() else result.exception()  # (retrieved even when nobody waits for it)
        if not job.future.done():
            if error is not None:
                job.future.set_exception(error)
            else:
                job.future.set_result(result.result())
        self._dispatch()

    def shutdown(self) -> None:
        for job in self._waiting:
            job.future.cancel()
        self._waiting.clear()
        self._executor.shutdown(wait=False, cancel_futures=True)

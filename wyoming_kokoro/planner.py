"""Where a reply is cut, how much of it is decoded at a time, and when its first audio may start: planned from
the rate model measured on this machine (costs.py).

- **Windows** (:meth:`Planner.window`): once the listener has audio ahead, each window is as large as the rate
  model says can be decoded before that audio runs out, with a margin: windows grow as the audio ahead grows, and
  a large window pays its fixed cost and context once for many frames. With the ``seam_context: full`` setting a
  window takes the plan's full context (its seams rate closer to whole pieces) where it pays for itself and
  nobody else waits for the machine; else it is lean. Where the replies being made need more than the machine
  gives in real time, a listener who has heard its reply start gets the rest of a part in one window.
- **The start rule** (:meth:`Planner.start`): when a piece starts and the listener has nothing ahead (a request's
  first audio, or a streamed reply whose text came slower than its speech), the plan for the rest of the reply is
  run on the estimates (:meth:`Planner.simulate`: the pieces already known, each with its G2P, front part and
  windows sized by the rule above). The first window is the smallest with which every later window and every
  later piece's front part is ready before the audio ahead of the listener runs out. Where no first window is
  enough (a machine slower than real time), the first audio is held back by just enough that the rest then plays
  through: never past the start deadline (the ``start_deadline`` setting, 1.8 s: Home Assistant's satellites give
  up on a reply whose audio has not started after about 2 s; past it the reply starts and may stall, the lesser
  harm). With several listeners, the plan runs their promised work too (:class:`Listener`), and a start that
  would make any of them wait is held back instead (where no hold spares them, it starts at once).
- **Clause cutting** (:meth:`Planner.first_cut`, :meth:`Planner.fit`): a piece is cut at its clauses when that
  brings its first audio sooner, by ``MIN_GAIN`` at least, and the listener would otherwise wait. Decoded whole
  (the single graph), a clause is ready much sooner than its sentence; window by window, the first audio of
  either is the G2P, the front part and one small window, a few tens of milliseconds apart: too little to be
  worth the sentence's prosody, so pieces stay whole.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .config import START_DEADLINE
from .costs import CostModel
from .engine.audio import SAMPLE_RATE
from .engine.windows import WindowPlan
from .languages import Language
from .pauses import Pauses
from .text.segment import split_clauses

#: The part of the audio ahead of the listener a window may use, and the seconds kept back besides: what covers
#: the scheduler's hand-over, the sending, and an estimate that was short.
BUDGET_SHARE = 0.9
BUDGET_MARGIN = 0.02
#: The most of its audio's playing time a window with the plan's full context may take to decode; slower, and the
#: window is lean.
FULL_CONTEXT_SHARE = 0.9
#: Seconds sooner a clause cut must bring a piece's first audio to be worth the sentence's prosody.
MIN_GAIN = 0.1


@dataclass
class Shape:
    """A part of a reply still to be synthesized, as the planner sees it."""

    frames: int  # output frames to decode (estimated until its front part has run)
    characters: int = 0  # text still to phonemize before it (the G2P of a piece runs before its first part)
    tokens: int = 0  # phoneme ids of its front part, still to run (0: it has run)
    pause: float = 0.0  # seconds of silence in front of its audio
    started: bool = False  # a window of it has been decoded (later windows take less context)
    audio: float | None = None  # seconds of audio it is guessed to give (None: its frames less the trims)
    available: float = 0.0  # seconds from now when its text will be there (a sentence of a stream still arriving)


@dataclass(frozen=True)
class Outcome:
    """What running a plan on the estimates gives."""

    gap: float  # seconds the listener would wait after the first audio, in all
    slack: float  # the least audio the listener would have ahead when a window's audio comes (negative: a gap)
    start: float  # when the first audio would play, in seconds from now
    work: float  # seconds from now until the plan's last window is done
    done: float = 0.0  # seconds from now until the last window of every listener is done
    others_gap: float = 0.0  # seconds the listeners already served would wait after their first audio, in all


@dataclass(frozen=True)
class Listener:
    """A reply already being served, as the start rule of another sees it: its work is promised."""

    shapes: Sequence[Shape]  # what is left of it (the window about to run included)
    buffered: float | None  # seconds of audio ahead of its listener (None: its first audio is not out yet)


@dataclass
class _Sim:
    """A listener in :meth:`Planner.simulate`."""

    shapes: list[Shape]
    end: float | None  # when it will have played what is handed out, from now (None: nothing plays yet)
    hold: float = 0.0
    index: int = 0  # the shape being worked on
    prepared: bool = False  # its front part has run
    remaining: int = 0
    started: bool = False
    previous: int = 0
    start: float | None = None
    finished: float = 0.0
    gap: float = 0.0
    slack: float = math.inf

    @property
    def need(self) -> float:
        """When its next audio is needed: when what it has runs out, or when its start is held back to."""
        return self.end if self.end is not None else self.hold


class Planner:
    def __init__(self, costs: CostModel, plan: WindowPlan, pauses: Pauses, hop: int | None = None,
                 start_deadline: float = START_DEADLINE, full_context: bool = False, workers: int = 1) -> None:
        """``hop``: audio samples a frame of the decoder makes, None when pieces are decoded whole;
        ``start_deadline``: seconds after a request beyond which its first audio is not held back;
        ``full_context``: later windows may take the plan's full context (else they are all lean);
        ``workers``: jobs the scheduler runs at once (what :meth:`overloaded` counts the machine by)."""
        self.costs, self.plan, self.pauses, self.workers = costs, plan, pauses, workers
        self.start_deadline, self.full_context = start_deadline, full_context
        self.frame_duration = None if hop is None else hop / SAMPLE_RATE
        # A later window's context before it is at least the crossfade's length.
        self._crossfade = 0 if hop is None else -(-plan.crossfade // hop)

    # -- shapes -----------------------------------------------------------------------------------------------

    def shape_of(self, text: str, speed: float, pause: float) -> Shape:
        """A piece known only by its text: its phoneme ids and sounding frames estimated at the rates measured."""
        costs = self.costs
        tokens = max(1, round(len(text) * costs.tokens_per_character.value))
        frames = max(1, math.ceil(costs.frames.estimate(tokens) / speed))
        return Shape(frames, len(text), tokens, pause, audio=len(text) * costs.audio_per_character.value / speed)

    # -- windows ----------------------------------------------------------------------------------------------

    def _context(self, last: bool, started: bool, lean: bool = False) -> int:
        """Frames decoded around a window besides its own; with the plan's context, the frames its seam may move
        on too (a lean window's seam moves so little that the budget's share covers it)."""
        plan = self.plan
        before, after = plan.context(not started, last, lean)
        shift = 0 if last or lean or not started else plan.shift()
        return (max(before, self._crossfade) if started else before) + after + shift

    def decoded_frames(self, size: int, remaining: int, started: bool, lean: bool = False) -> int:
        """Frames the decoder runs on for a window of ``size`` output frames, context included."""
        return size + self._context(size >= remaining, started, lean)

    def advance(self, size: int, remaining: int, started: bool, lean: bool = False) -> int:
        """The frames a window of ``size`` is counted to hand out: its seam may move back by the plan's shift (a
        lean window's, or a part's first window's, less), and a plan counts on that (the decoder then takes those
        frames into the next window). Seams do move back many windows in a row: in a long steady sound, where
        the predicted energy falls, a seam goes to its earliest frame each time; counted at ``size``, the audio
        ahead shrank window after window, each window smaller and dearer per frame, until the listener ran out."""
        if size >= remaining:
            return remaining
        return max(1, size - self.plan.shift(lean or not started))

    def window_audio(self, frames: int, remaining: int, started: bool) -> float:
        """Seconds of audio a window that hands out ``frames`` frames gives: less the silence trimmed from a part's
        head in its first window and from its tail in its last (as much as recent pieces lost, or a little more)."""
        assert self.frame_duration is not None
        costs = self.costs
        trimmed = (0.0 if started else costs.head_trim.value) + (costs.tail_trim.value if frames >= remaining else 0.0)
        return max(0.0, frames * self.frame_duration - trimmed)

    def window_size(self, buffered: float, remaining: int, started: bool, previous: int = 0) -> int:
        """The size of :meth:`window`."""
        return self.window(buffered, remaining, started, previous)[0]

    def overloaded(self, listeners: int) -> bool:
        """``listeners`` replies being synthesized at once need more of the model than its workers can give in
        real time (at the real-time factor measured on recent pieces): some of them will wait whatever the plan.
        Never for one listener alone (a machine slower than real time is the start rule's to plan for)."""
        return listeners > 1 and listeners * self.costs.rtf > self.workers

    def window(self, buffered: float, remaining: int, started: bool, previous: int = 0,
               busy: bool = False, overloaded: bool = False) -> tuple[int, bool]:
        """(output frames, lean) of the next window of a part with ``remaining`` frames left, when the listener has
        ``buffered`` seconds of audio ahead: the most that is estimated to be decoded in time, at least the plan's
        first window and at most its largest; when not even the first fits (the listener is about to run out, or
        has: under load, or at the seam of two pieces the start rule has not planned for), the ``previous`` one
        grown by the plan's factor: small windows would spend most of their time on context, and the listener
        would starve longer and the others with it (measured: at 4 clients, first-size windows cost 0.89 CPU
        seconds an audio second, growing ones 0.79). All that is left when the rest would be a stub.

        With ``full_context`` (the ``seam_context: full`` setting), a later window has the plan's full context
        where it makes its audio fast enough (:meth:`_pays`) and the machine is not ``busy`` (others wait for
        it), even where it then does not fit the audio ahead: the start rule plans for it (measured on a 2-core
        Xeon: the first audio 85 ms later at full speed; taking it only where it fits left too few such windows
        to change the DNSMOS rating). Else the window has the lean context: a seam that rates worse, for a window
        that costs less.

        Where the machine is ``overloaded`` (:meth:`overloaded`; the caller passes it only for a reply whose
        audio has started playing, not one held back), the listener gets the rest of the part in one window (up
        to the plan's largest), whether it has audio ahead or has run out:
        sized to the audio ahead, or grown from a small one, its windows would be small, each paying the fixed
        cost and the context again, and the CPU they take would be missing from every listener (measured at 16
        clients on 2 cores: 3.5 windows a part, 14 % more CPU an audio second than whole pieces)."""
        plan = self.plan
        if overloaded:
            frames = min(remaining, plan.largest)
            return (remaining if remaining - frames < plan.first else frames), True
        budget = BUDGET_SHARE * buffered - BUDGET_MARGIN
        units = math.floor(min(self.costs.decoder.units_within(budget), 1e9))  # frames decoded, context included

        def sized(lean: bool) -> int:
            if remaining - plan.largest < plan.first and \
                    self.costs.decoder.estimate(self.decoded_frames(remaining, remaining, started, lean)) <= budget:
                return remaining
            frames = units - self._context(False, started, lean)
            if frames < plan.first:
                frames = int(max(previous, plan.first) * plan.growth)
            frames = max(plan.first, min(frames, plan.largest))
            return remaining if remaining - frames < plan.first else frames

        if self.full_context and started and not busy:
            frames = sized(False)
            if self._pays(frames, remaining, started):
                return frames, False
        return sized(True), True

    def _pays(self, size: int, remaining: int, started: bool) -> bool:
        """A window of ``size`` with the plan's context makes its audio in ``FULL_CONTEXT_SHARE`` of the time it plays:
        on a machine where it would not, the context would eat into the audio ahead of the listener, and into
        the time the start rule must hold a reply back, window after window; lean windows do better there."""
        assert self.frame_duration is not None
        cost = self.costs.decoder.estimate(self.decoded_frames(size, remaining, started))
        return cost <= FULL_CONTEXT_SHARE * size * self.frame_duration

    # -- the start rule -----------------------------------------------------------------------------------------

    def simulate(self, shapes: list[Shape], buffered: float | None, hold: float = 0.0,
                 others: Sequence[Listener] = ()) -> Outcome:
        """Run the plan for ``shapes`` on the estimates, from now. ``buffered``: seconds of audio ahead of the
        listener (None: nothing plays yet; the first audio plays when it is ready, and not before ``hold``
        seconds from now). ``others``: the listeners already served, whose work is promised: the machine does
        one job at a time as the scheduler orders them (a listener's first window before all else, then the
        listener whose audio runs out first), so the outcome counts the time their windows take, and
        :attr:`Outcome.others_gap` says how long they would wait."""
        main = _Sim(shapes, buffered, hold, start=None if buffered is None else 0.0)
        sims = [main, *(_Sim(list(o.shapes), o.buffered) for o in others)]
        overloaded = self.overloaded(len(sims))
        t = 0.0
        while True:
            waiting = [s for s in sims if s.index < len(s.shapes)]
            if not waiting:
                break
            # The scheduler's order: a listener's first window first (unless its start is held back), then the
            # one whose audio is needed first.
            pool = [s for s in waiting if s.end is None and not s.hold] or waiting
            ready = [s for s in pool if s.prepared or s.shapes[s.index].available <= t]
            if not ready:
                t = min(s.shapes[s.index].available for s in pool)
                continue
            sim = min(ready, key=lambda s: s.need)
            t = self._step(sim, t, busy=len(sims) > 1, overloaded=overloaded)
            if sim is main:
                main.finished = t
        gap = sum(s.gap for s in sims[1:])
        return Outcome(main.gap, main.slack, main.finished if main.start is None else main.start, main.finished,
                       t, gap)

    def _step(self, sim: _Sim, t: float, busy: bool, overloaded: bool = False) -> float:
        """One job of ``sim`` from ``t`` (its part's G2P and front part first, when it starts a part): when it
        is done. ``busy``: others share the machine (windows are lean); ``overloaded``: more than it can feed."""
        shape = sim.shapes[sim.index]
        if not sim.prepared:
            t += self.costs.prepare_seconds(shape.characters, shape.tokens)
            sim.remaining, sim.started, sim.prepared = shape.frames, shape.started, True
        remaining, started = sim.remaining, sim.started
        lean = False
        if sim.end is None:
            size = self.first_window(sim.hold - t, remaining, busy)
        else:
            size, lean = self.window(sim.end - t, remaining, started, sim.previous, busy=busy,
                                     overloaded=overloaded)
        # (the cost as if the seam moved on, the audio as if it moved back: the plan counts the worse of each)
        t += self.costs.decoder.estimate(self.decoded_frames(size, remaining, started, lean))
        size = self.advance(size, remaining, started, lean)
        if shape.audio is None:
            audio = self.window_audio(size, remaining, started)
        else:
            audio = shape.audio * size / shape.frames
        audio += 0.0 if started else shape.pause
        if sim.end is None:
            sim.start = max(t, sim.hold)
            sim.end = sim.start + audio
        else:
            sim.slack = min(sim.slack, sim.end - t)
            if t > sim.end:
                sim.gap += t - sim.end
                sim.end = t
            sim.end += audio
        sim.remaining -= size
        sim.started, sim.previous = True, size
        if sim.remaining <= 0:
            sim.index, sim.prepared = sim.index + 1, False
        return t

    def _smallest_first(self, remaining: int) -> int:
        """The plan's first window of a part with ``remaining`` frames (all of them, when the rest would be a stub)."""
        first = self.plan.first
        return remaining if remaining - first < first else first

    def _first_fits(self, seconds: float, remaining: int) -> bool:
        """The smallest first window of a part with ``remaining`` frames is decoded within ``seconds``' budget."""
        cost = self.costs.decoder.estimate(self.decoded_frames(self._smallest_first(remaining), remaining, False))
        return cost <= BUDGET_SHARE * seconds - BUDGET_MARGIN

    def runs_out(self, buffered: float | None, remaining: int) -> bool:
        """The listener, with ``buffered`` seconds of audio ahead (None: nothing plays yet), will run out before
        the first window of a part with ``remaining`` frames can be decoded: the part is a (re)start."""
        return buffered is None or not self._first_fits(buffered, remaining)

    def first_window(self, until_start: float, remaining: int, busy: bool = False) -> int:
        """The first window of a reply whose first audio may not play for ``until_start`` seconds: the plan's
        first window when it may play at once, or when the machine is ``busy`` (the time until the start is the
        others'), else the largest that is done by then."""
        if busy or not self._first_fits(until_start, remaining):
            return self._smallest_first(remaining)
        return self.window_size(until_start, remaining, False)

    def start(self, shapes: list[Shape], elapsed: float = 0.0, others: Sequence[Listener] = ()) -> tuple[int, float]:
        """(first window, hold) for a reply whose listener has nothing ahead: ``shapes[0]`` is the part about to be
        decoded (its front part has run), the others what is known to follow.

        The start is the earliest moment from which the rest of the plan leaves the listener ``BUDGET_MARGIN``
        seconds of audio ahead at every window: at once (the hold is 0, the first window the plan's first) where
        the machine is fast enough, else after ``hold`` seconds, the first window the largest that is done by then
        (the audio made meanwhile waits). With ``others`` (the replies already being served), the plan counts the
        work promised to them, and a start is fine only when it makes them wait no longer than they would without
        this reply: a busy machine holds a new reply back rather than starve those playing. The hold never goes
        past the start deadline (``elapsed``: seconds the request has already waited); at the deadline the reply
        starts even when the plan says that someone will wait (a reply that never starts is the worse harm). Where
        the machine is overloaded (no hold within the deadline spares the others), the reply starts at once: a
        hold would only delay it (measured at 4 clients on 2 cores: holding every new reply to the deadline cut
        the stalls by a sixth but put the first audio of one in twenty past 2 s, where satellites give up)."""
        promised = self.simulate([], None, 0.0, others).others_gap if others else 0.0

        def fine(hold: float) -> bool:
            outcome = self.simulate(shapes, None, hold, others)
            return outcome.slack >= BUDGET_MARGIN and outcome.others_gap <= promised + BUDGET_MARGIN

        hold = 0.0
        if not fine(hold):
            longest = min(max(0.0, self.start_deadline - elapsed), self.simulate(shapes, None, math.inf, others).work)
            if fine(longest):
                shortest = 0.0
                for _ in range(10):  # the least hold that is fine, to a few milliseconds
                    middle = (shortest + longest) / 2
                    shortest, longest = (shortest, middle) if fine(middle) else (middle, longest)
            elif others:
                longest = 0.0  # overloaded: no hold spares the others, so a hold would only delay this reply
            hold = longest
        return self.first_window(hold, shapes[0].frames, busy=bool(others)), hold

    # -- clause cutting -----------------------------------------------------------------------------------------

    def first_audio_seconds(self, text: str, speed: float) -> float:
        """Estimated seconds from starting ``text`` as a piece to its first audio: its whole synthesis when pieces
        are decoded whole; with windows, its G2P, its front part and the smallest first window."""
        if self.frame_duration is None:
            return self.costs.synthesis_seconds(text, speed)
        shape = self.shape_of(text, speed, 0.0)
        size = min(shape.frames, self.plan.first)
        return (self.costs.prepare_seconds(shape.characters, shape.tokens)
                + self.costs.decoder.estimate(self.decoded_frames(size, shape.frames, False)))

    def first_cut(self, text: str, language: Language, speed: float) -> tuple[str, str]:
        """(first piece, rest) of a request's first text: its first clause alone when that brings the first audio
        sooner and the clause after it can have its first audio ready while the first one plays (so the listener
        hears the first words sooner and no gap after them), else the text whole ("" left). On a slow CPU a reply
        then starts a little later but flows; on a fast one it starts with a short clause."""
        clauses = split_clauses(text, language.code)
        if len(clauses) < 2:
            return text, ""
        head, after = clauses[0], clauses[1]
        plays = self.costs.audio_seconds(head, speed) + self.pauses.after(head, speed)
        if self.first_audio_seconds(after, speed) > plays:
            return text, ""
        if self.first_audio_seconds(head, speed) > self.first_audio_seconds(text, speed) - MIN_GAIN:
            return text, ""  # the cut would not make the first words come noticeably sooner
        return head, " ".join(clauses[1:])

    def fit(self, text: str, language: Language, speed: float, budget: float) -> tuple[str, str]:
        """(what to synthesize now, what to leave for later) of ``text``, cut at clauses so that the first part's
        first audio is estimated to come within ``budget`` seconds (at least one clause is taken; "" is left when
        it all fits, cannot be cut, or when cutting would not bring its first audio ``MIN_GAIN`` sooner)."""
        def cost(part: str) -> float:
            return self.first_audio_seconds(part, speed)

        whole = cost(text)
        if whole <= budget:
            return text, ""
        clauses = split_clauses(text, language.code)
        taken = 1
        while taken < len(clauses) and cost(" ".join(clauses[: taken + 1])) <= budget:
            taken += 1
        head = " ".join(clauses[:taken])
        if taken < len(clauses) and cost(head) > whole - MIN_GAIN:
            return text, ""
        return head, " ".join(clauses[taken:])

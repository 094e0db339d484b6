"""Where a reply is cut and how much of it is decoded at a time, planned from the measured costs (costs.py).

Two decisions, the same whether pieces are decoded window by window or whole (a whole piece is the one-window
case):

- **Clause cutting** (:meth:`Planner.first_cut`, :meth:`Planner.fit`): a piece is cut at its clauses when that
  brings its first audio sooner and the listener would otherwise wait. What matters is the time from starting a
  piece to its first audio (:meth:`Planner.first_audio_seconds`): a whole piece's synthesis when pieces are
  decoded whole, its front part and smallest first window when they are decoded window by window. So with
  windows a piece is cut only when its front part alone would come too late, or when a clause is shorter than a
  window: decoding window by window already lets a long piece start at once.
- **Window sizes** (:meth:`Planner.window_frames`): a request's first window as small as the plan allows within a
  time budget; later ones as large as can be decoded while the listener plays the audio ahead.
"""

from __future__ import annotations

import math

from .costs import CostModel
from .engine.windows import WindowPlan
from .languages import Language
from .pauses import Pauses
from .text.segment import split_clauses


class Planner:
    def __init__(
        self,
        costs: CostModel,
        plan: WindowPlan,
        pauses: Pauses,
        frame_duration: float | None = None,
        first_window_seconds: float = 0.08,
    ) -> None:
        """``frame_duration``: seconds of audio a frame of the decoder makes, None when pieces are decoded whole;
        ``first_window_seconds``: decoder work the first window of a request may take (more frames fit on a
        faster machine)."""
        self.costs, self.plan, self.pauses = costs, plan, pauses
        self.frame_duration = frame_duration
        self.first_window_seconds = first_window_seconds

    def first_audio_seconds(self, text: str, speed: float) -> float:
        """Estimated seconds from starting ``text`` as a piece to its first audio: its whole synthesis when pieces
        are decoded whole; with windows, its front part and the smallest first window (with its context)."""
        if self.frame_duration is None:
            return self.costs.synthesis_seconds(text, speed)
        plan = self.plan
        frames = min(math.ceil(self.costs.audio_seconds(text, speed) / self.frame_duration), plan.first)
        return self.costs.front_seconds + self.costs.decode_seconds(plan.onset + plan.lead + frames + plan.right)

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
        if self.first_audio_seconds(head, speed) >= self.first_audio_seconds(text, speed):
            return text, ""  # the cut would not make the first words come sooner
        return head, " ".join(clauses[1:])

    def fit(self, text: str, language: Language, speed: float, budget: float) -> tuple[str, str]:
        """(what to synthesize now, what to leave for later) of ``text``, cut at clauses so that the first part's
        first audio is estimated to come within ``budget`` seconds (at least one clause is taken; "" is left when
        it all fits, cannot be cut, or when cutting would not bring its first audio sooner)."""
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
        if taken < len(clauses) and cost(head) >= whole:
            return text, ""
        return head, " ".join(clauses[taken:])

    def window_frames(self, remaining: int | None, buffered: float | None, previous: int = 0) -> int:
        """How many frames the next window of a piece decodes.

        The first window of a request (``buffered`` None): what fits ``first_window_seconds`` at the measured
        cost of a frame, and at least the plan's first window. A later one: what can be decoded, context
        included, in 85 % of the ``buffered`` seconds of audio the listener has ahead, up to the plan's largest
        window. When that is less than the plan's first window (the listener is about to run out, or has), the
        window grows by the plan's factor over the ``previous`` one instead: small windows would spend most of
        their time on context, and the listener would starve longer. All that is left when the rest would be a
        stub. ``remaining`` is None for a part whose front has not run yet: its size is unknown, and the budget
        pays for its front part and its onset too."""
        plan = self.plan
        cost = max(self.costs.frame_seconds, 1e-5)
        if buffered is None:
            frames = int(self.first_window_seconds / cost) - plan.right - plan.onset - plan.lead
        else:
            if remaining is None:  # a new part: its front part runs first, and its window decodes the onset
                frames = int((0.85 * buffered - self.costs.front_seconds) / cost) - plan.onset - plan.lead - plan.right
            else:
                frames = int(0.85 * buffered / cost) - plan.left - plan.right
            if frames < plan.first:
                frames = int(max(previous, plan.first) * plan.growth)
            frames = min(frames, plan.largest)
        frames = max(plan.first, frames)
        return remaining if remaining is not None and frames >= remaining - plan.first else frames

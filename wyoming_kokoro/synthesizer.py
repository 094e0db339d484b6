"""Text → speech for one piece of text: G2P, tokens, inference, PCM. What the CLI and the server call.

Plain synchronous code; the server's pipeline runs it in worker threads, one bounded step at a time.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .costs import StepTiming
from .engine.audio import SAMPLE_RATE, silence, to_pcm16, trim_silence
from .engine.model import KokoroModel, check_speed
from .engine.tokens import MAX_IDS, split_phonemes, tokenize
from .engine.voices import Voice, VoiceCatalog
from .engine.windows import WindowedDecoder, WindowPlan
from .g2p import G2PRegistry, G2PResult, G2PStats
from .languages import Language, find_language
from .pauses import Pauses

_LOGGER = logging.getLogger(__name__)


@dataclass
class Speech:
    """The result of one synthesis."""

    audio: np.ndarray  # int16 PCM, mono, SAMPLE_RATE
    phonemes: str
    voice: Voice
    language: Language
    stats: G2PStats
    dropped: Counter = field(default_factory=Counter)
    pieces: int = 0
    inference_seconds: float = 0.0
    windows: int = 0  # decoder windows (0 where the graph is not split)

    sample_rate: int = SAMPLE_RATE

    @property
    def seconds(self) -> float:
        return len(self.audio) / self.sample_rate

    @property
    def rtf(self) -> float:
        return self.inference_seconds / self.seconds if len(self.audio) else 0.0


class Synthesizer:
    """The model, the voices and the G2P backends of a process, loaded once and shared by every request; the
    window plan and the pauses between the parts of a piece too long for one inference.

    ``voices`` is the catalog that names (``synthesize(text, "af_heart")``) are resolved in; the server resolves
    its requests' voices itself (offer.py) and hands :class:`Voice` objects over."""

    def __init__(
        self,
        model: KokoroModel,
        voices: VoiceCatalog,
        g2p: G2PRegistry | None = None,
        plan: WindowPlan | None = None,
        pauses: Pauses | None = None,
    ) -> None:
        self.model = model
        self.voices = voices
        self.g2p = g2p or G2PRegistry()
        self.plan = plan or WindowPlan()
        self.pauses = pauses or Pauses()

    @classmethod
    def load(
        cls,
        model: str | Path | None = None,
        voices: str | Path | None = None,
        providers: str | Sequence[str] = "auto",
        intra_op_threads: int | None = None,
        inter_op_threads: int | None = None,
        phoneme_cache_size: int = 4096,
        split: str = "auto",
        pauses: Pauses | None = None,
    ) -> "Synthesizer":
        return cls(
            KokoroModel(
                model,
                providers=providers,
                intra_op_threads=intra_op_threads,
                inter_op_threads=inter_op_threads,
                split=split,
            ),
            VoiceCatalog.load(voices),
            G2PRegistry(phoneme_cache_size),
            pauses=pauses,
        )

    def phonemize(self, text: str, language: str | Language) -> G2PResult:
        code = language.code if isinstance(language, Language) else find_language(language).code
        return self.g2p.phonemize(text, code)

    def stream(
        self,
        text: str,
        voice: str | Voice,
        *,
        speed: float = 1.0,
        language: str | Language | None = None,
        phonemes: str | None = None,
    ) -> "PieceStream":
        """The speech of ``text`` (or of a Kokoro ``phonemes`` string), to be produced step by step: see
        :class:`PieceStream`. Nothing is computed until the first step."""
        voice = self.voices.resolve(voice) if isinstance(voice, str) else voice
        lang = voice.language if language is None else (
            language if isinstance(language, Language) else find_language(language)
        )
        return PieceStream(self, text, voice, lang, check_speed(speed), phonemes)

    def synthesize(
        self,
        text: str,
        voice: str | Voice,
        *,
        speed: float = 1.0,
        language: str | Language | None = None,
    ) -> Speech:
        """Speech for ``text`` spoken by ``voice`` (a name, a blend spec or a Voice), in the voice's language
        unless ``language`` says otherwise."""
        return self.stream(text, voice, speed=speed, language=language).run()

    def synthesize_phonemes(self, phonemes: str, voice: str | Voice, *, speed: float = 1.0) -> Speech:
        """Speech for a Kokoro phoneme string; strings over the model's limit are cut at word or punctuation
        boundaries and the audio joined."""
        return self.stream("", voice, speed=speed, phonemes=phonemes).run()


class PieceStream:
    """One piece of text as audio, made in steps so that its start can play before its end is made.

    Each call is one bounded piece of model work, run in a worker thread. :meth:`prepare` does the G2P (the first
    time) and the front part of the next part (where the graph is split); :meth:`step` does one window of the
    decoder (:class:`.engine.windows.WindowedDecoder`), preparing first when needed, or, where the graph is not
    split, one whole inference, and returns the int16 PCM it adds. A phoneme string over the model's limit is cut
    into parts (at sentences, clauses, words) with a pause between them. :attr:`speech` gathers the whole result
    and its statistics; :attr:`last_step` says what the last call ran and how long each kind of work took.
    """

    def __init__(
        self, synth: Synthesizer, text: str, voice: Voice, language: Language, speed: float, phonemes: str | None
    ) -> None:
        self.synth, self.text, self.voice, self.language, self.speed = synth, text, voice, language, speed
        self._phonemes = phonemes
        self._parts: list[str] | None = None  # phoneme strings of at most MAX_IDS, not yet started
        self._decoder: WindowedDecoder | None = None
        self._current = ""  # the phonemes of the part being decoded (its last mark sets the pause after it)
        self._audio: list[np.ndarray] = []
        self.speech: Speech | None = None
        self.done = False
        self.last_step = StepTiming()

    def _phonemize(self) -> None:
        started = time.perf_counter()
        stats = G2PStats()
        if self._phonemes is None:
            g2p = self.synth.phonemize(self.text, self.language)
            phonemes, stats = g2p.phonemes, g2p.stats
            if stats.cache_misses:
                self.last_step.characters = len(self.text)
                self.last_step.g2p_seconds = time.perf_counter() - started
        else:
            phonemes = self._phonemes
        tokens = tokenize(phonemes)
        if self._phonemes is None:
            self.last_step.piece_characters, self.last_step.piece_tokens = len(self.text), len(tokens.ids)
        if tokens.dropped:
            _LOGGER.warning(
                "Dropped %d phoneme symbol(s) outside Kokoro's vocabulary: %s",
                sum(tokens.dropped.values()),
                ", ".join(f"{s!r}×{n}" for s, n in tokens.dropped.most_common()),
            )
        stats.dropped_symbols = sum(tokens.dropped.values())
        self._parts = split_phonemes(tokens.phonemes, MAX_IDS)
        self.speech = Speech(
            audio=np.zeros(0, np.int16),
            phonemes=tokens.phonemes,
            voice=self.voice,
            language=self.language if self._phonemes is None else self.voice.language,
            stats=stats,
            dropped=tokens.dropped,
            pieces=len(self._parts),
        )

    def upcoming_parts(self) -> list[tuple[int, float]]:
        """(phoneme ids, seconds of pause in front of it) of each part whose front part has not run (known after
        the G2P; before it, nothing is)."""
        out, previous = [], self._current
        for part in self._parts or []:
            out.append((len(tokenize(part).ids), self.synth.pauses.after(previous, self.speed)))
            previous = part
        return out

    @property
    def last_window(self) -> int:
        """Output frames of the current part's last window (0 before its first)."""
        if self._decoder is None or not self._decoder.windows:
            return 0
        first, end = self._decoder.windows[-1]
        return end - first

    @property
    def decoding(self) -> WindowedDecoder | None:
        """The decoder of the part whose front part has run, while it has frames left."""
        return self._decoder if self._decoder is not None and not self._decoder.done else None

    def prepare(self) -> None:
        """The work before the next part's first window: the G2P (the piece's first call) and, where the graph is
        split, the part's front part. Nothing to do when the current part is still being decoded."""
        self.last_step = StepTiming()
        self._prepare_next()

    def _prepare_next(self) -> None:
        if self.speech is None:
            self._phonemize()
        assert self._parts is not None and self.speech is not None
        model = self.synth.model
        if self._decoder is not None or not self._parts or model.split is None:
            return
        started = time.perf_counter()
        part = self._parts.pop(0)
        ids = tokenize(part).ids
        self._decoder = WindowedDecoder(model, model.front(ids, self.voice.style_for(len(ids)), self.speed), ids,
                                        self.synth.plan)
        self._current = part
        seconds = time.perf_counter() - started
        step = self.last_step
        step.tokens, step.front_seconds = len(ids), seconds
        step.sounding_frames = round((self._decoder.end - self._decoder.start) * self.speed)  # as at speed 1
        self.speech.inference_seconds += seconds

    def step(self, frames: int | None = None, lean: bool = False) -> np.ndarray:
        """Do the next piece of work and return the PCM (int16) it adds (it may be empty: silence not sent yet).

        ``frames``: how many frames (25 ms each) of output this step should decode; None for all that is left of
        the current part; ``lean``: a window with the plan's lean context. Where the graph is not split, a step is
        always a whole part."""
        self.last_step = StepTiming()
        if self.done:
            return np.zeros(0, np.int16)
        self._prepare_next()
        assert self._parts is not None and self.speech is not None
        model, speech = self.synth.model, self.speech
        out: list[np.ndarray] = []
        if self._decoder is None and self._parts:  # the single graph: a whole part in one inference
            started = time.perf_counter()
            part = self._parts.pop(0)
            ids = tokenize(part).ids
            out.append(trim_silence(model.infer(ids, self.voice.style_for(len(ids)), self.speed)))
            self._current = part
            speech.inference_seconds += time.perf_counter() - started
        if self._decoder is not None:
            before = self._decoder.frames_decoded
            started = time.perf_counter()
            out.append(self._decoder.next(frames if frames is not None else self._decoder.remaining, lean))
            seconds = time.perf_counter() - started
            self.last_step.frames, self.last_step.decode_seconds = self._decoder.frames_decoded - before, seconds
            speech.inference_seconds += seconds
            speech.windows += 1
            if self._decoder.done:
                self.last_step.head_trim = self._decoder.head_trimmed / SAMPLE_RATE
                self.last_step.tail_trim = self._decoder.tail_trimmed / SAMPLE_RATE
                self._decoder = None
        if self._decoder is None:
            if self._parts:
                out.append(silence(self.synth.pauses.after(self._current, self.speed)))
            else:
                self.done = True
        pcm = to_pcm16(np.concatenate(out)) if out else np.zeros(0, np.int16)
        self._audio.append(pcm)
        if self.done:
            speech.audio = np.concatenate(self._audio)
        return pcm

    def run(self) -> Speech:
        """All steps, each part decoded in one window: the whole speech."""
        while not self.done:
            self.step()
        assert self.speech is not None
        return self.speech

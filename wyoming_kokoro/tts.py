"""Text → speech for one piece of text: G2P, tokens, inference, PCM. What the CLI and the server call.

Plain synchronous code; the server runs it in worker threads.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .engine.audio import SAMPLE_RATE, silence, to_pcm16, trim_silence
from .engine.model import KokoroModel
from .engine.tokens import MAX_IDS, split_phonemes, tokenize
from .engine.voices import Voice, VoiceCatalog
from .g2p import G2PRegistry, G2PResult, G2PStats, language_installed
from .languages import Language, find_language

_LOGGER = logging.getLogger(__name__)

MIN_SPEED = 0.5
MAX_SPEED = 2.0
# Pause put between the pieces of a text too long for one inference (their own edge silence is trimmed).
_PAUSE_AFTER = {".": 0.35, "!": 0.35, "?": 0.35, "…": 0.35, ",": 0.15, ";": 0.2, ":": 0.2, "—": 0.15}


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
    g2p_seconds: float = 0.0
    inference_seconds: float = 0.0

    sample_rate: int = SAMPLE_RATE

    @property
    def seconds(self) -> float:
        return len(self.audio) / self.sample_rate

    @property
    def rtf(self) -> float:
        return self.inference_seconds / self.seconds if len(self.audio) else 0.0


def check_speed(speed: float) -> float:
    speed = float(speed)
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValueError(f"speed must be between {MIN_SPEED} and {MAX_SPEED}, got {speed}")
    return speed


class Synthesizer:
    """The model, the voices and the G2P backends of a process, loaded once and shared by every request."""

    def __init__(self, model: KokoroModel, voices: VoiceCatalog, g2p: G2PRegistry | None = None) -> None:
        self.model = model
        self.voices = voices
        self.g2p = g2p or G2PRegistry()

    @classmethod
    def load(
        cls,
        model: str | Path | None = None,
        voices: str | Path | None = None,
        providers: str | Sequence[str] = "auto",
        intra_op_threads: int | None = None,
        inter_op_threads: int | None = None,
        phoneme_cache_size: int = 4096,
    ) -> "Synthesizer":
        return cls(
            KokoroModel(
                model, providers=providers, intra_op_threads=intra_op_threads, inter_op_threads=inter_op_threads
            ),
            VoiceCatalog.load(voices),
            G2PRegistry(phoneme_cache_size),
        )

    def offered_voices(self) -> list[Voice]:
        """The voices whose language can be spoken here: those of a language whose extra is missing are left out."""
        voices = self.voices.voices.values()
        installed = {code for code in {v.language.code for v in voices} if language_installed(code)}
        return [v for v in voices if v.language.code in installed]

    def phonemize(self, text: str, language: str | Language) -> G2PResult:
        code = language.code if isinstance(language, Language) else find_language(language).code
        return self.g2p.phonemize(text, code)

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
        voice = self.voices.resolve(voice) if isinstance(voice, str) else voice
        lang = voice.language if language is None else (
            language if isinstance(language, Language) else find_language(language)
        )
        speed = check_speed(speed)
        started = time.perf_counter()
        g2p = self.phonemize(text, lang)
        g2p_seconds = time.perf_counter() - started
        speech = self.synthesize_phonemes(g2p.phonemes, voice, speed=speed)
        stats = g2p.stats
        stats.dropped_symbols = sum(speech.dropped.values())
        speech.stats, speech.language, speech.g2p_seconds = stats, lang, g2p_seconds
        return speech

    def synthesize_phonemes(self, phonemes: str, voice: str | Voice, *, speed: float = 1.0) -> Speech:
        """Speech for a Kokoro phoneme string; strings over the model's limit are cut at word or punctuation
        boundaries and the audio joined."""
        voice = self.voices.resolve(voice) if isinstance(voice, str) else voice
        speed = check_speed(speed)
        tokens = tokenize(phonemes)
        if tokens.dropped:
            _LOGGER.warning(
                "Dropped %d phoneme symbol(s) outside Kokoro's vocabulary: %s",
                sum(tokens.dropped.values()),
                ", ".join(f"{s!r}×{n}" for s, n in tokens.dropped.most_common()),
            )
        pieces = split_phonemes(tokens.phonemes, MAX_IDS)
        audio_parts: list[np.ndarray] = []
        inference_seconds = 0.0
        for i, piece in enumerate(pieces):
            ids = tokenize(piece).ids
            started = time.perf_counter()
            audio = self.model.infer(ids, voice.style_for(len(ids)), speed)
            inference_seconds += time.perf_counter() - started
            audio_parts.append(trim_silence(audio))
            if i < len(pieces) - 1:
                audio_parts.append(silence(_PAUSE_AFTER.get(piece[-1], 0.1) / speed))
        audio = np.concatenate(audio_parts) if audio_parts else np.zeros(0, np.float32)
        return Speech(
            audio=to_pcm16(audio),
            phonemes=tokens.phonemes,
            voice=voice,
            language=voice.language,
            stats=G2PStats(dropped_symbols=sum(tokens.dropped.values())),
            dropped=tokens.dropped,
            pieces=len(pieces),
            inference_seconds=inference_seconds,
        )

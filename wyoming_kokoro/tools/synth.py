"""``wyoming-kokoro synth`` (a text into a WAV file), ``phonemize`` (the phonemes of a text and where each word's
came from) and ``--list-voices``: the engine and the G2P used directly, as the server uses them."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from ..engine.audio import wav_bytes
from ..engine.voices import VoiceCatalog
from ..g2p import G2PRegistry, UserLexicon, language_installed
from ..synthesizer import Synthesizer
from ..text.normalize import normalize
from . import read_text


def _g2p_registry(args: argparse.Namespace, language: str) -> G2PRegistry:
    """The G2P of a synth or phonemize command: its --lexicon and --backend applied."""
    lexicon = UserLexicon.load(args.lexicon) if getattr(args, "lexicon", None) else None
    backend = getattr(args, "backend", None)
    return G2PRegistry(lexicon=lexicon, backends={language: backend} if backend else None)


def voice_table(catalog: VoiceCatalog) -> str:
    rows = [("NAME", "LANGUAGE", "HA CODE", "GENDER", "SOURCE", "DESCRIPTION")]
    for voice in catalog.voices.values():
        source = voice.source if voice.source == "stock" else "custom"
        if not language_installed(voice.language.code):
            source += f" (needs [{voice.language.extra}])"
        rows.append(
            (voice.name, voice.language.code, voice.language.ha_code, voice.gender or "-", source, voice.description)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1] for row in rows
    )


def run_list_voices(args: argparse.Namespace) -> int:
    print(voice_table(VoiceCatalog.load(getattr(args, "voices", None))))
    return 0


def run_synth(args: argparse.Namespace) -> int:
    text = read_text(args.text)
    synthesizer = Synthesizer.load(
        model=args.model,
        voices=getattr(args, "voices", None),
        providers=args.provider,
        intra_op_threads=args.intra_op_threads or None,
        inter_op_threads=args.inter_op_threads or None,
    )
    voice = synthesizer.voices.resolve(args.voice)
    language = args.lang or voice.language.code
    synthesizer.g2p = _g2p_registry(args, language)
    speech = synthesizer.synthesize(normalize(text, language), voice, speed=args.speed, language=language)
    data = wav_bytes(speech.audio)
    if args.output == "-":
        if sys.stdout.isatty():
            raise SystemExit("error: not writing WAV data to a terminal; use -o FILE")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        Path(args.output).write_bytes(data)
    stats = speech.stats
    print(
        f"{speech.seconds:.2f} s of audio in {speech.inference_seconds:.2f} s (RTF {speech.rtf:.3f}), "
        f"voice {speech.voice.name}, language {speech.language.code}, {stats.words} words "
        f"({stats.fallback_words} by fallback), {speech.pieces} piece(s)"
        + (f", dropped symbols: {dict(speech.dropped)}" if speech.dropped else ""),
        file=sys.stderr,
    )
    return 0


def run_phonemize(args: argparse.Namespace) -> int:
    original = read_text(args.text)
    text = normalize(original, args.lang)
    if text != original.strip():
        print(f"spoken as: {text}", file=sys.stderr)
    result = _g2p_registry(args, args.lang).phonemize(text, args.lang)
    print(result.phonemes)
    if result.words:
        width = max(len(w.text) for w in result.words)
        pwidth = max(len(w.phonemes) for w in result.words)
        for word in result.words:
            print(f"  {word.text.ljust(width)}  {word.phonemes.ljust(pwidth)}  {word.source}")
    stats = result.stats
    sources = Counter(w.source for w in result.words if w.source != "punctuation")
    print(
        f"{stats.words} words ({', '.join(f'{n} {source}' for source, n in sources.most_common()) or 'none'}); "
        f"{stats.fallback_words} by fallback, {stats.unknown_words} unknown, "
        f"whole-text fallbacks: {stats.text_fallbacks}",
        file=sys.stderr,
    )
    return 0

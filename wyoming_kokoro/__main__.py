"""Command line: ``wyoming-kokoro synth``, ``wyoming-kokoro phonemize``, ``--list-voices``.

Parses arguments, builds the objects, runs; nothing else.
"""

from __future__ import annotations

import argparse
from collections import Counter
import logging
import sys
from pathlib import Path

from . import __version__
from .engine.audio import wav_bytes
from .engine.model import ModelError
from .engine.voices import VoiceCatalog, VoiceError
from .g2p import G2PRegistry, MissingExtraError, language_installed
from .languages import find_language
from .tts import MAX_SPEED, MIN_SPEED, Synthesizer

_LOGGER = logging.getLogger("wyoming_kokoro")

DEFAULT_VOICE = "af_heart"


def _speed(value: str) -> float:
    try:
        speed = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"speed must be a number, got {value!r}") from None
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise argparse.ArgumentTypeError(f"speed must be between {MIN_SPEED} and {MAX_SPEED}, got {value}")
    return speed


def _language(value: str) -> str:
    try:
        return find_language(value).code
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _threads(value: str) -> int:
    try:
        threads = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"thread count must be a whole number, got {value!r}") from None
    if threads < 0:
        raise argparse.ArgumentTypeError(f"thread count must be 0 (onnxruntime's default) or more, got {value}")
    return threads


def _engine_options() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("engine")
    group.add_argument("--model", type=Path, help="a Kokoro v1.0 ONNX export (default: the int8 model from PyPI)")
    group.add_argument(
        # SUPPRESS: when not given after the subcommand, keep a --voices given before it
        "--voices", type=Path, default=argparse.SUPPRESS,
        help="extra voices: a kokoro-onnx voices-v1.0.bin (npz) or a folder of .bin/.npy files; they add to "
        "or override the stock voices",
    )
    group.add_argument(
        "--provider", default="auto",
        help="ONNX Runtime execution provider(s): auto, cpu, cuda, coreml, or a comma-separated list "
        "(default: auto)",
    )
    group.add_argument("--intra-op-threads", type=_threads, default=0, help="threads inside one inference (0: onnxruntime's default)")
    group.add_argument("--inter-op-threads", type=_threads, default=0, help="threads across graph branches (0: default)")
    group.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser


def build_parser() -> argparse.ArgumentParser:
    engine = _engine_options()
    parser = argparse.ArgumentParser(
        prog="wyoming-kokoro",
        description="Kokoro-82M text to speech for Home Assistant and other Wyoming clients.",
    )
    parser.add_argument("--version", action="version", version=f"wyoming-kokoro {__version__}")
    parser.add_argument("--list-voices", action="store_true", help="print the voice catalog as a table and exit")
    parser.add_argument("--voices", type=Path, help="extra voices (see the subcommands' help)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    synth = commands.add_parser(
        "synth", parents=[engine], help="speak a text into a WAV file",
        description="Speak a text into a 24 kHz 16-bit mono WAV file.",
    )
    synth.add_argument("text", nargs="?", help="the text to speak (default: read from standard input)")
    synth.add_argument("--voice", default=DEFAULT_VOICE, help=f"voice name or blend like af_bella:0.6,af_sky:0.4 (default: {DEFAULT_VOICE})")
    synth.add_argument("--speed", type=_speed, default=1.0, help=f"speaking rate, {MIN_SPEED} to {MAX_SPEED} (default: 1.0)")
    synth.add_argument("--lang", type=_language, help="language of the text (default: the voice's language)")
    synth.add_argument("-o", "--output", default="-", help="WAV file to write ('-': standard output, the default)")
    synth.add_argument("--list-voices", action="store_true", help="print the voice catalog as a table and exit")

    phonemize = commands.add_parser(
        "phonemize", parents=[engine], help="show the phonemes of a text and which backend made each word",
    )
    phonemize.add_argument("text", nargs="?", help="the text (default: read from standard input)")
    phonemize.add_argument("--lang", type=_language, default="en-us", help="language (default: en-us)")
    return parser


def _read_text(text: str | None) -> str:
    if text is not None:
        return text
    if sys.stdin is None or sys.stdin.isatty():
        raise SystemExit("error: give the text as an argument or on standard input")
    return sys.stdin.read()


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


def _synthesizer(args: argparse.Namespace) -> Synthesizer:
    return Synthesizer.load(
        model=args.model,
        voices=args.voices,
        providers=args.provider,
        intra_op_threads=args.intra_op_threads or None,
        inter_op_threads=args.inter_op_threads or None,
    )


def run_synth(args: argparse.Namespace) -> int:
    text = _read_text(args.text)
    synthesizer = _synthesizer(args)
    speech = synthesizer.synthesize(text, args.voice, speed=args.speed, language=args.lang)
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
    text = _read_text(args.text)
    result = G2PRegistry().phonemize(text, args.lang)
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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(args, "log_level", "WARNING"), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        if args.list_voices:
            print(voice_table(VoiceCatalog.load(args.voices)))
            return 0
        if args.command == "synth":
            return run_synth(args)
        if args.command == "phonemize":
            return run_phonemize(args)
        parser.print_help()
        return 2
    except (ModelError, VoiceError, MissingExtraError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

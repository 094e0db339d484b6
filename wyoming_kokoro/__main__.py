"""Command line: ``wyoming-kokoro`` (the server), ``wyoming-kokoro synth``, ``wyoming-kokoro phonemize``,
``--list-voices``.

Parses arguments, builds the objects, runs; nothing else.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
from collections import Counter
import sys
from pathlib import Path

from . import __version__
from .engine.audio import wav_bytes
from .engine.model import ModelError
from .engine.voices import VoiceCatalog, VoiceError
from .g2p import G2PRegistry, MissingExtraError, language_installed
from .languages import find_language
from .pipeline import Pipeline, Scheduler
from .server import KokoroServer, RequestError, ServerSettings
from .service import parse_uri, serve, warm_up
from .tts import MAX_SPEED, MIN_SPEED, Synthesizer

_LOGGER = logging.getLogger("wyoming_kokoro")

DEFAULT_VOICE = "af_heart"
DEFAULT_URI = "tcp://0.0.0.0:10200"


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


def _engine_options(parser: argparse.ArgumentParser, voices_default=None) -> argparse.ArgumentParser:
    group = parser.add_argument_group("engine")
    group.add_argument("--model", type=Path, help="a Kokoro v1.0 ONNX export (default: the int8 model from PyPI)")
    group.add_argument(
        "--voices", type=Path, default=voices_default,
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
    group.add_argument(
        "--log-level", type=str.upper, choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="default: INFO for the server, WARNING for the other commands",
    )
    return parser


def _positive(kind: str, cast=int):
    def parse(value: str):
        try:
            number = cast(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{kind} must be a number, got {value!r}") from None
        if number <= 0:
            raise argparse.ArgumentTypeError(f"{kind} must be more than 0, got {value}")
        return number

    return parse


def _language_voice(value: str) -> tuple[str, str]:
    language, sep, voice = value.partition("=")
    if not sep or not voice.strip():
        raise argparse.ArgumentTypeError(f"expected LANGUAGE=VOICE like en_GB=bf_emma, got {value!r}")
    return _language(language), voice.strip()


def _service_name(value: str) -> str:
    if value and not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?", value):
        raise argparse.ArgumentTypeError(
            f"zeroconf name must be 1 to 63 letters, digits and inner hyphens, got {value!r}"
        )
    return value


def _uri(value: str) -> str:
    try:
        parse_uri(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return value


def _server_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("server (used when no command is given)")
    group.add_argument("--uri", type=_uri, default=DEFAULT_URI, help=f"where to listen: tcp://HOST:PORT, unix://PATH or stdio:// (default: {DEFAULT_URI})")
    group.add_argument("--voice", default=DEFAULT_VOICE, help=f"voice when a request names none (default: {DEFAULT_VOICE})")
    group.add_argument(
        "--language-voice", type=_language_voice, action="append", default=[], metavar="LANGUAGE=VOICE",
        help="voice for requests that name only a language, e.g. en_GB=bf_emma (repeatable)",
    )
    group.add_argument("--speed", type=_speed, default=1.0, help=f"speaking rate, {MIN_SPEED} to {MAX_SPEED} (default: 1.0)")
    group.add_argument("--samples-per-chunk", type=_positive("samples per chunk"), default=1024, help="audio samples per audio-chunk event (default: 1024)")
    group.add_argument("--max-text-length", type=_positive("max text length"), default=10000, help="longest text of one request, in characters (default: 10000)")
    group.add_argument("--parallel-inferences", type=_positive("parallel inferences"), default=1, help="inferences run at once (default: 1)")
    group.add_argument("--queue-size", type=_positive("queue size"), default=32, help="pieces that may wait for the model before requests are refused as busy (default: 32)")
    group.add_argument(
        "--zeroconf", nargs="?", const="", default=None, metavar="NAME", type=_service_name,
        help="advertise the server on the LAN for Home Assistant's discovery (default name: kokoro-HOSTNAME)",
    )
    group.add_argument("--zeroconf-host", help="address to advertise (default: this machine's LAN address)")
    group.add_argument("--shutdown-grace", type=_positive("shutdown grace", float), default=5.0, help="seconds requests in flight get to finish on SIGTERM (default: 5)")


def build_parser() -> argparse.ArgumentParser:
    # A subcommand's --voices defaults to SUPPRESS, so that one given before the subcommand is kept.
    engine = _engine_options(argparse.ArgumentParser(add_help=False), voices_default=argparse.SUPPRESS)
    parser = argparse.ArgumentParser(
        prog="wyoming-kokoro",
        description="Kokoro-82M text to speech for Home Assistant and other Wyoming clients.",
    )
    parser.add_argument("--version", action="version", version=f"wyoming-kokoro {__version__}")
    parser.add_argument("--list-voices", action="store_true", help="print the voice catalog as a table and exit")
    _engine_options(parser)
    _server_options(parser)
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


def run_server(args: argparse.Namespace) -> int:
    synthesizer = _synthesizer(args)
    scheduler = Scheduler(parallel=args.parallel_inferences, max_queue=args.queue_size)
    server = KokoroServer(
        Pipeline(synthesizer, scheduler),
        ServerSettings(
            voice=args.voice,
            language_voices=dict(args.language_voice),
            speed=args.speed,
            samples_per_chunk=args.samples_per_chunk,
            max_text_length=args.max_text_length,
        ),
    )
    _LOGGER.info(
        "Loaded the model in %.2f s (%s); %d voices in %d languages",
        synthesizer.model.load_seconds, ", ".join(synthesizer.model.providers), len(server.voices),
        len({v.language for v in server.voices.values()}),
    )
    _LOGGER.info("Warmed up in %.2f s; default voice %s", warm_up(server), server.default_voice.name)
    return asyncio.run(
        serve(server, args.uri, zeroconf_name=args.zeroconf, zeroconf_host=args.zeroconf_host,
              shutdown_grace=args.shutdown_grace)
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    server = args.command is None and not args.list_voices
    logging.basicConfig(
        level=args.log_level or ("INFO" if server else "WARNING"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.list_voices:
            print(voice_table(VoiceCatalog.load(getattr(args, "voices", None))))
            return 0
        if args.command == "synth":
            return run_synth(args)
        if args.command == "phonemize":
            return run_phonemize(args)
        return run_server(args)
    except (ModelError, VoiceError, MissingExtraError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except RequestError as err:
        print(f"error: {err.text}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

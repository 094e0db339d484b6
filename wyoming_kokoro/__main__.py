"""Command line: ``wyoming-kokoro`` (the server), ``wyoming-kokoro synth``, ``wyoming-kokoro phonemize``,
``--list-voices``.

Parses arguments, builds the objects, runs; nothing else.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections import Counter
import sys
from pathlib import Path

from . import __version__, config, logs
from .audio_cache import AudioCache
from .engine.audio import wav_bytes
from .engine.model import ModelError
from .engine.voices import DEFAULT_VOICE, VoiceCatalog, VoiceError
from .g2p import G2PRegistry, MissingExtraError, language_installed
from .g2p import UserLexicon
from .g2p.report import add_commands as add_g2p_commands
from .languages import find_language
from .text import command as normalize_command
from .text.normalize import normalize
from .pipeline import Pipeline, Scheduler
from .metrics import Metrics
from .server import KokoroServer, RequestError
from .service import serve, warm_up
from .tts import MAX_SPEED, MIN_SPEED, Synthesizer

_LOGGER = logging.getLogger("wyoming_kokoro")

MEGABYTE = 1024 * 1024


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
    group.add_argument(
        "--lexicon", type=Path, default=voices_default,
        help="YAML file of words and their phonemes per language, overriding the G2P",
    )
    group.add_argument(
        "--backend", choices=["misaki", "espeak"],
        help="G2P backend for the text's language (default: the language's default: misaki for English)",
    )
    return parser


def _g2p_registry(args: argparse.Namespace, language: str) -> G2PRegistry:
    """The G2P of a synth or phonemize command: its --lexicon and --backend applied."""
    lexicon = UserLexicon.load(args.lexicon) if getattr(args, "lexicon", None) else None
    backend = getattr(args, "backend", None)
    return G2PRegistry(lexicon=lexicon, backends={language: backend} if backend else None)


def _option_type(option: config.Option):
    def parse(value: str):
        try:
            return option.parse(value)
        except ValueError as err:
            raise argparse.ArgumentTypeError(f"bad value {value!r} for {option.key}: {err}") from None

    return parse


#: Options given as a flag more than once add up.
_REPEATABLE = {"language_voices", "allow", "g2p"}


def _server_options(parser: argparse.ArgumentParser) -> None:
    """One flag per setting (``--max-text-length`` for ``max_text_length``). Defaults are SUPPRESSed: what is not
    given on the command line comes from the environment, the YAML file or the defaults (see config.py)."""
    group = parser.add_argument_group(
        "server (used when no command is given; each also a YAML key and a WYOMING_KOKORO_* variable)"
    )
    group.add_argument("--config", type=Path, help=f"YAML settings file (default: {config.SYSTEM_CONFIG} when present)")
    group.add_argument("--print-config", action="store_true", help="print the effective settings and where each came from, and exit")
    for option in config.OPTIONS:
        kwargs: dict = {"type": _option_type(option), "default": argparse.SUPPRESS, "metavar": option.metavar}
        if option.key in _REPEATABLE:
            kwargs["action"] = "append"
        if option.key == "zeroconf":
            kwargs.update(nargs="?", const="true")
        default = "off" if option.default is None else ("any" if option.default == () else option.default)
        group.add_argument(config.flag_name(option.key), help=f"{option.help} (default: {default})", **kwargs)


def _given_flags(args: argparse.Namespace) -> dict:
    """The settings given on the command line, parsed."""
    flags = {}
    for option in config.OPTIONS:
        if option.key not in vars(args):
            continue
        value = getattr(args, option.key)
        if option.key in ("language_voices", "g2p"):
            value = {k: v for part in value for k, v in part.items()}
        elif option.key == "allow":
            value = tuple(net for part in value for net in part)
        flags[option.key] = value
    return flags


def build_parser() -> argparse.ArgumentParser:
    # A subcommand's --voices defaults to SUPPRESS, so that one given before the subcommand is kept.
    engine = _engine_options(argparse.ArgumentParser(add_help=False), voices_default=argparse.SUPPRESS)
    parser = argparse.ArgumentParser(
        prog="wyoming-kokoro",
        description="Kokoro-82M text to speech for Home Assistant and other Wyoming clients.",
    )
    parser.add_argument("--version", action="version", version=f"wyoming-kokoro {__version__}")
    parser.add_argument("--list-voices", action="store_true", help="print the voice catalog as a table and exit")
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
    add_g2p_commands(commands)
    normalize_command.add_parser(commands, _language)
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
        voices=getattr(args, "voices", None),
        providers=args.provider,
        intra_op_threads=args.intra_op_threads or None,
        inter_op_threads=args.inter_op_threads or None,
    )


def run_synth(args: argparse.Namespace) -> int:
    text = _read_text(args.text)
    synthesizer = _synthesizer(args)
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
    original = _read_text(args.text)
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


def run_server(settings: config.Settings, reload_settings) -> int:
    lexicon = UserLexicon.load(settings.lexicon) if settings.lexicon else None  # a bad file stops us before the model loads
    synthesizer = Synthesizer.load(
        model=settings.model,
        voices=settings.voices,
        providers=settings.provider,
        intra_op_threads=settings.intra_op_threads or None,
        inter_op_threads=settings.inter_op_threads or None,
        split="off" if settings.windowed_decoding == "off" else "auto",
    )
    synthesizer.g2p.configure(lexicon, settings.g2p)
    scheduler = Scheduler(parallel=settings.parallel_inferences, max_queue=settings.queue_size)
    cache = None
    if settings.cache_size or settings.cache_dir:
        cache = AudioCache(
            synthesizer.model.sha256, max_bytes=settings.cache_size * MEGABYTE, directory=settings.cache_dir,
            max_disk_bytes=settings.cache_dir_size * MEGABYTE,
        )
    metrics = Metrics()
    pipeline = Pipeline(
        synthesizer, scheduler, cache=cache, windowed=synthesizer.model.split is not None,
        sentence_pause=settings.sentence_pause, clause_pause=settings.clause_pause,
    )
    _LOGGER.info(
        "Decoding %s (%s)",
        "window by window: a reply's first words are sent as soon as they are decoded" if pipeline.windowed
        else "whole pieces", synthesizer.model.split_reason,
    )
    server = KokoroServer(pipeline, settings, metrics=metrics)
    metrics.set_build(synthesizer.model.sha256, synthesizer.model.providers, synthesizer.model.load_seconds)
    metrics.watch_queue(lambda: scheduler.queue_depth)
    _LOGGER.info(
        "Loaded the model in %.2f s (%s); %d voices in %d languages",
        synthesizer.model.load_seconds, ", ".join(synthesizer.model.providers), len(server.voices),
        len({v.language for v in server.voices.values()}),
    )
    _LOGGER.info("Warmed up in %.2f s; default voice %s", warm_up(server), server.default_voice.name)
    if settings.metrics_port:
        metrics.serve(settings.metrics_port)
    return asyncio.run(serve(server, settings, reload_settings))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is not None or args.list_voices:
        logging.basicConfig(
            level=getattr(args, "log_level", None) or "WARNING",
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
        if args.command == "normalize":
            return normalize_command.run(args)
        if getattr(args, "run", None):
            return args.run(args)
        flags = _given_flags(args)
        settings = config.load(flags, config_file=args.config)
        if args.print_config:
            print(settings.describe())
            return 0
        logs.configure(settings.log_level, settings.log_format)
        return run_server(settings, lambda current: config.reload(current, flags))
    except config.ConfigError as err:
        print(f"error: bad configuration: {err}", file=sys.stderr)
        return 2
    except (ModelError, VoiceError, MissingExtraError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except RequestError as err:
        print(f"error: {err.text}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""The command line: ``wyoming-kokoro`` (the server), ``synth``, ``phonemize``, ``normalize``, ``g2p-report``,
``g2p-accuracy`` and ``--list-voices``.

Arguments only: every command is a ``run(args)`` function that the parser sets (the server's below, which reads
its settings and hands them to service.py; the others in tools/), and :func:`main` calls it.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from pathlib import Path

from . import __version__, config, logs
from .engine.model import MAX_SPEED, MIN_SPEED, ModelError, check_speed
from .engine.voices import DEFAULT_VOICE, VoiceError
from .errors import RequestError
from .g2p import MissingExtraError
from .languages import find_language
from .service import run as run_service
from .tools.normalize import run_normalize
from .tools.report import run_accuracy, run_report
from .tools.synth import run_list_voices, run_phonemize, run_synth


def _type(parse, what: str):
    """An argparse type from a parser of the settings (ValueError → the message argparse shows)."""
    def convert(value: str):
        try:
            return parse(value)
        except ValueError as err:
            raise argparse.ArgumentTypeError(f"bad value {value!r} for {what}: {err}") from None

    return convert


def _language(value: str) -> str:
    try:
        return find_language(value).code
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _speed(value: str) -> float:
    try:
        speed = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"speed must be a number, got {value!r}") from None
    try:
        return check_speed(speed)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


_threads = _type(config.BY_KEY["intra_op_threads"].parse, "a thread count (0: onnxruntime's default)")


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
    group.add_argument("--intra-op-threads", type=_threads, default=0,
                       help="threads inside one inference (0: onnxruntime's default)")
    group.add_argument("--inter-op-threads", type=_threads, default=0, help="threads across graph branches (0: default)")
    group.add_argument(
        "--log-level", type=str.upper, choices=config.LOG_LEVELS,
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


#: Options given as a flag more than once add up.
_REPEATABLE = {"language_voices", "allow", "g2p"}


def _server_options(parser: argparse.ArgumentParser) -> None:
    """One flag per setting (``--max-text-length`` for ``max_text_length``). Defaults are SUPPRESSed: what is not
    given on the command line comes from the environment, the YAML file or the defaults (see config.py)."""
    group = parser.add_argument_group(
        "server (used when no command is given; each also a YAML key and a WYOMING_KOKORO_* variable)"
    )
    group.add_argument("--config", type=Path, help=f"YAML settings file (default: {config.SYSTEM_CONFIG} when present)")
    group.add_argument("--print-config", action="store_true",
                       help="print the effective settings and where each came from, and exit")
    for option in config.OPTIONS:
        kwargs: dict = {"type": _type(option.parse, option.key), "default": argparse.SUPPRESS,
                        "metavar": option.metavar}
        if option.key in _REPEATABLE:
            kwargs["action"] = "append"
        if option.key == "zeroconf":
            kwargs.update(nargs="?", const="true")
        default = "off" if option.default is None else ("any" if option.default == () else option.default)
        group.add_argument(config.flag_name(option.key), help=f"{option.help} (default: {default})", **kwargs)


def given_flags(args: argparse.Namespace) -> dict:
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


def run_server(args: argparse.Namespace) -> int:
    flags = given_flags(args)
    settings = config.load(flags, config_file=args.config)
    if args.print_config:
        print(settings.describe())
        return 0
    logs.configure(settings.log_level, settings.log_format)
    code = run_service(settings, lambda current: config.reload(current, flags))
    # Stopped: every request has ended, the audio cache's files are written, the zeroconf record is withdrawn.
    # What is left is the interpreter freeing its heap (the G2P dictionaries of nine languages, the model),
    # a second on a slow CPU that a service manager would wait for: the logs are flushed and the process ends.
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(ValueError, OSError):  # (stdio:// closes standard output when its client leaves)
            stream.flush()
    os._exit(code)


def _g2p_commands(commands) -> None:
    lang = {"default": "en-us", "help": "language (default: en-us)"}
    backend = {"choices": ["misaki", "espeak", "both"], "default": "both",
               "help": "backend to measure (default: both, where the language has two)"}
    # SUPPRESS: a --lexicon given before the command (the server's flag) is kept
    lexicon = {"type": Path, "default": argparse.SUPPRESS,
               "help": "a user lexicon (YAML) in front of the backends, as the server's --lexicon"}

    parser = commands.add_parser(
        "g2p-report", help="fallback rate, dropped symbols and G2P time of a text file's sentences",
        description="Phonemize a text file sentence by sentence and report where each word's phonemes came from.",
    )
    parser.add_argument("file", help="a UTF-8 text file ('-': standard input)")
    parser.add_argument("--lang", **lang)
    parser.add_argument("--backend", **backend)
    parser.add_argument("--lexicon", **lexicon)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(run=run_report)

    parser = commands.add_parser(
        "g2p-accuracy", help="agreement of the G2P with CMUdict on frequent English words (needs [quality])",
        description="Compare the G2P's phonemes with CMUdict's for the most frequent English words of wordfreq.",
    )
    parser.add_argument("--lang", **lang)
    parser.add_argument("--words", type=int, default=10000, help="how many of the most frequent words (default: 10000)")
    parser.add_argument("--backend", **backend)
    parser.add_argument("--lexicon", **lexicon)
    parser.add_argument("--examples", type=int, default=25, help="disagreements to show per backend (default: 25)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(run=run_accuracy)


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
    parser.set_defaults(run=run_server)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    synth = commands.add_parser(
        "synth", parents=[engine], help="speak a text into a WAV file",
        description="Speak a text into a 24 kHz 16-bit mono WAV file.",
    )
    synth.add_argument("text", nargs="?", help="the text to speak (default: read from standard input)")
    synth.add_argument("--voice", default=DEFAULT_VOICE,
                       help=f"voice name or blend like af_bella:0.6,af_sky:0.4 (default: {DEFAULT_VOICE})")
    synth.add_argument("--speed", type=_speed, default=1.0, help=f"speaking rate, {MIN_SPEED} to {MAX_SPEED} (default: 1.0)")
    synth.add_argument("--lang", type=_language, help="language of the text (default: the voice's language)")
    synth.add_argument("-o", "--output", default="-", help="WAV file to write ('-': standard output, the default)")
    synth.add_argument("--list-voices", action="store_true", help="print the voice catalog as a table and exit")
    synth.set_defaults(run=run_synth)

    phonemize = commands.add_parser(
        "phonemize", parents=[engine], help="show the phonemes of a text and which backend made each word",
    )
    phonemize.add_argument("text", nargs="?", help="the text (default: read from standard input)")
    phonemize.add_argument("--lang", type=_language, default="en-us", help="language (default: en-us)")
    phonemize.set_defaults(run=run_phonemize)

    _g2p_commands(commands)

    normalize = commands.add_parser(
        "normalize", help="show what a text becomes before it is spoken, and its sentence pieces",
        description="Print the spoken form of a text (markdown, emoji, URLs, numbers, units, times, dates), "
        "then the pieces it is synthesized in, one a line.",
    )
    normalize.add_argument("text", nargs="?", help="the text (default: read from standard input)")
    normalize.add_argument("--lang", type=_language, default="en-us", help="language (default: en-us)")
    normalize.set_defaults(run=run_normalize)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run = run_list_voices if args.list_voices else args.run
    if run is not run_server:  # the server configures its own logs, from its settings
        logging.basicConfig(
            level=getattr(args, "log_level", None) or "WARNING",
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    try:
        return run(args)
    except config.ConfigError as err:
        print(f"error: bad configuration: {err}", file=sys.stderr)
        return 2
    except (ModelError, VoiceError, MissingExtraError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except RequestError as err:
        print(f"error: {err.text}", file=sys.stderr)
        return 1

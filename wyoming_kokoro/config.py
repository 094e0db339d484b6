"""The server's settings: defaults < YAML file < environment variables < command-line flags.

Every option has one name: ``max_text_length`` is the YAML key, ``WYOMING_KOKORO_MAX_TEXT_LENGTH`` the environment
variable and ``--max-text-length`` the flag. A bad value anywhere is a :class:`ConfigError` that names the key, the
value, where it came from and what is allowed; the server does not start on one.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from .engine.model import MIN_SPEED, MAX_SPEED
from .engine.voices import DEFAULT_VOICE
from .g2p import check_backends
from .languages import find_language
from .pauses import CLAUSE_PAUSE, SENTENCE_PAUSE
from .yamlfile import read_yaml

ENV_PREFIX = "WYOMING_KOKORO_"
#: Read when present and no --config is given.
SYSTEM_CONFIG = Path("/etc/wyoming-kokoro/config.yaml")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("console", "json")
#: Seconds from a request to its first audio that the start rule holds back at most (ESPHome satellites give up
#: at about 2 s): the ``start_deadline`` setting's default.
START_DEADLINE = 1.8


class ConfigError(ValueError):
    """A bad configuration: the message names the key, the value, its source and what is allowed."""


# -- value parsers: each takes a YAML value or a string (environment, flag) and returns the typed value ---------


def _number(cast: type, low: float | None = None, high: float | None = None, what: str = "") -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(f"expected {what or cast.__name__}")
        try:
            number = cast(value)
            if cast is int and isinstance(value, float) and value != int(value):
                raise ValueError
        except (TypeError, ValueError):
            raise ValueError(f"expected {what or ('a whole number' if cast is int else 'a number')}") from None
        if (low is not None and number < low) or (high is not None and number > high):
            bounds = f"from {low} to {high}" if high is not None else f"{low} or more"
            raise ValueError(f"expected {what or 'a number'} {bounds}")
        return number

    return parse


def _text(value: Any) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError("expected a text")
    text = str(value).strip()
    if not text:
        raise ValueError("expected a non-empty text")
    return text


def _optional_text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, str) and not value.strip()) else _text(value)


def _optional_path(value: Any) -> Path | None:
    text = _optional_text(value)
    return Path(text).expanduser() if text else None


def _choice(*choices: str, upper: bool = False) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = _text(value)
        text = text.upper() if upper else text.lower()
        if text not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}")
        return text

    return parse


def parse_uri(value: Any) -> str:
    uri = _text(value)
    result = urlparse(uri)
    if result.scheme == "tcp":
        try:
            port = result.port
        except ValueError:
            port = None
        if result.hostname is None or port is None:
            raise ValueError("expected tcp://HOST:PORT, unix://PATH or stdio:// (a tcp URI needs a host and a port)")
    elif result.scheme == "unix":
        if not result.path:
            raise ValueError("expected tcp://HOST:PORT, unix://PATH or stdio:// (a unix URI needs a path)")
    elif result.scheme != "stdio":
        raise ValueError("expected tcp://HOST:PORT, unix://PATH or stdio://")
    return uri


def parse_http_uri(value: Any) -> str | None:
    """Where the HTTP side listens: tcp://HOST:PORT or unix://PATH, None (off) when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    uri = parse_uri(value)
    if urlparse(uri).scheme not in ("tcp", "unix"):
        raise ValueError("expected tcp://HOST:PORT or unix://PATH")
    return uri


_SERVICE_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0", ""}


def parse_zeroconf(value: Any) -> str | None:
    """None: off; "": on with the default name; else the name to announce."""
    if value is None or value is False:
        return None
    if value is True:
        return ""
    text = str(value).strip()
    if text.lower() in _TRUE:
        return ""
    if text.lower() in _FALSE:
        return None
    if not _SERVICE_NAME.fullmatch(text):
        raise ValueError("expected true, false, or a name of 1 to 63 letters, digits and inner hyphens")
    return text


def _language_pairs(value: Any, what: str, example: str) -> list[tuple[str, Any]]:
    """(language, value) pairs of ``{LANG: VALUE}`` (YAML), ``LANG=VALUE,LANG=VALUE`` (environment) or a list of
    ``LANG=VALUE`` (flags given more than once); ``what`` and ``example`` word the errors."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        pairs = [(str(k), v) for k, v in value.items()]
    else:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list):
            raise ValueError(f"expected a mapping of language to {what}, like {example.replace('=', ': ')}")
        pairs = []
        for item in items:
            if not isinstance(item, str) or "=" not in item:
                raise ValueError(f"expected LANGUAGE={what.upper()} like {example}, got {item!r}")
            language, _, choice = item.partition("=")
            pairs.append((language.strip(), choice))
    for language, choice in pairs:
        if not isinstance(choice, str) or not choice.strip():
            raise ValueError(f"expected a {what} name for language {language!r}")
    return pairs


def parse_language_voices(value: Any) -> dict[str, str]:
    """``{en_GB: bf_emma}`` (YAML), ``en_GB=bf_emma,fr_FR=ff_siwis`` (environment) or a list of ``LANG=VOICE``."""
    result: dict[str, str] = {}
    for language, voice in _language_pairs(value, "voice", "en_GB=bf_emma"):
        try:
            code = find_language(language).code
        except ValueError as err:
            raise ValueError(str(err)) from None
        result[code] = voice.strip()
    return result


def parse_g2p(value: Any) -> dict[str, str]:
    """The G2P backend per language: ``{en-us: espeak}`` (YAML), ``en-us=espeak,en-gb=espeak`` (environment, flag)."""
    return check_backends(dict(_language_pairs(value, "backend", "en-us=espeak")))


def parse_allow(value: Any) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Networks allowed to connect: a list (YAML) or a comma-separated text of CIDRs or addresses."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise ValueError("expected a list of networks like 192.168.1.0/24")
    networks = []
    for item in items:
        if isinstance(item, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
            networks.append(item)
            continue
        text = str(item).strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"expected networks like 192.168.1.0/24 or 10.0.0.5, got {text!r}") from None
    return tuple(networks)


# -- the options -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    key: str
    parse: Callable[[Any], Any]
    default: Any
    help: str
    reloadable: bool = False  # SIGHUP applies it without a restart
    metavar: str | None = None


def _option(default: Any, parse: Callable[[Any], Any], help: str, reloadable: bool = False,
            metavar: str | None = None) -> Any:
    """A field of :class:`Settings` that is an option: its default, parser and help, written once."""
    meta = {"option": (parse, default, help, reloadable, metavar)}
    if isinstance(default, dict):
        return field(default_factory=dict, metadata=meta)
    return field(default=default, metadata=meta)


_SPEED = f"{MIN_SPEED} to {MAX_SPEED}"


@dataclass(frozen=True)
class Settings:
    """Every setting of the server, in the order ``--print-config`` and the example file list them."""

    uri: str = _option("tcp://0.0.0.0:10200", parse_uri, "where to listen: tcp://HOST:PORT, unix://PATH or stdio://")
    voice: str = _option(DEFAULT_VOICE, _text, "voice when a request names none (a name or a blend)", reloadable=True)
    language_voices: dict = _option(
        {}, parse_language_voices, "voice for requests that name only a language, e.g. en_GB=bf_emma",
        reloadable=True, metavar="LANGUAGE=VOICE",
    )
    speed: float = _option(1.0, _number(float, MIN_SPEED, MAX_SPEED, "a speaking rate"), f"speaking rate, {_SPEED}")
    samples_per_chunk: int = _option(1024, _number(int, 1, None, "a whole number"), "audio samples per audio-chunk event")
    max_text_length: int = _option(
        10000, _number(int, 1, None, "a whole number"), "longest text of one request, in characters"
    )
    parallel_inferences: int = _option(1, _number(int, 1, None, "a whole number"), "inferences run at once")
    queue_size: int = _option(
        32, _number(int, 1, None, "a whole number"), "pieces that may wait for the model before requests are "
        "refused as busy",
    )
    zeroconf: str | None = _option(
        None, parse_zeroconf, "announce the server on the LAN for Home Assistant (true, or a name; default name "
        "kokoro-HOSTNAME)", metavar="NAME",
    )
    zeroconf_host: str | None = _option(None, _optional_text, "address to announce (default: this machine's LAN address)")
    shutdown_grace: float = _option(
        5.0, _number(float, 0, None, "seconds"), "seconds requests in flight get to finish on SIGTERM"
    )
    allow: tuple = _option(
        (), parse_allow, "networks allowed to connect, e.g. 192.168.1.0/24 (default: any)", metavar="CIDR"
    )
    max_connections: int = _option(
        128, _number(int, 0, None, "a whole number"), "connections open at once; more are refused (0: no cap)"
    )
    max_connections_per_client: int = _option(
        32, _number(int, 0, None, "a whole number"), "connections open at once from one address; more are "
        "refused (0: no cap)",
    )
    idle_timeout: float = _option(
        120.0, _number(float, 0, None, "seconds"), "seconds a connection may stay open asking for nothing (no "
        "event, no reply being sent) before it is closed (0: never)",
    )
    frame_timeout: float = _option(
        10.0, _number(float, 0.1, None, "seconds"), "seconds an event may take to arrive once its first byte has"
    )
    max_frame_bytes: int = _option(
        0, _number(int, 0, None, "a whole number of bytes"), "bytes an event's header line and its data may each "
        "take (0: room for max_text_length characters: 12 bytes each, plus 4 KiB)",
    )
    max_payload_bytes: int = _option(
        0, _number(int, 0, None, "a whole number of bytes"), "bytes of binary payload an event may carry (a TTS "
        "server receives no audio: 0)",
    )
    cache_size: int = _option(
        64, _number(int, 0, None, "a whole number of megabytes"), "megabytes of audio kept in memory for phrases "
        "said before (0: off)",
    )
    cache_dir: Path | None = _option(
        None, _optional_path, "directory that keeps the audio cache across restarts, shareable between processes "
        "(default: off)",
    )
    cache_dir_size: int = _option(
        512, _number(int, 1, None, "a whole number of megabytes"), "megabytes the cache directory may use"
    )
    model: Path | None = _option(None, _optional_path, "a Kokoro v1.0 ONNX export (default: the int8 model from PyPI)")
    voices: Path | None = _option(
        None, _optional_path, "extra voices: a voices-v1.0.bin (npz) or a folder of .bin/.npy files", reloadable=True
    )
    lexicon: Path | None = _option(
        None, _optional_path, "YAML file of words and their phonemes per language, overriding the G2P "
        "(default: none)", reloadable=True,
    )
    g2p: dict = _option(
        {}, parse_g2p, "G2P backend per language, e.g. en-us=espeak (default: misaki for English, Chinese, "
        "Japanese; espeak for the rest)", metavar="LANGUAGE=BACKEND", reloadable=True,
    )
    windowed_decoding: str = _option(
        "auto", _choice("auto", "off"), "decode a reply window by window so its first words play at once (auto: "
        "where the model's graph can be split; off: whole pieces)",
    )
    seam_context: str = _option(
        "lean", _choice("lean", "full"), "context decoded around a window after a reply's first (lean: 4 frames "
        "before, 6 after; full: 16 and 16 where this machine can afford it, seams that rate as well as whole "
        "pieces, for about a third more time before the first word where the CPU is slow)",
    )
    sentence_pause: float = _option(SENTENCE_PAUSE, _number(float, 0, 3, "seconds"), "seconds of silence after a sentence")
    clause_pause: float = _option(
        CLAUSE_PAUSE, _number(float, 0, 3, "seconds"), "seconds of silence after a comma (1.5 times as long after "
        "; and :)",
    )
    start_deadline: float = _option(
        START_DEADLINE, _number(float, 0, 60, "seconds"), "seconds after a request by which its first audio starts "
        "even where the machine is too slow for the rest to play through without a stall (Home Assistant's "
        "ESPHome satellites give up at about 2 s)",
    )
    provider: str = _option(
        "auto", _text, "ONNX Runtime execution provider(s): auto, cpu, cuda, coreml, or a comma-separated list"
    )
    intra_op_threads: int = _option(
        0, _number(int, 0, None, "a whole number"), "threads inside one inference (0: onnxruntime's default)"
    )
    inter_op_threads: int = _option(
        0, _number(int, 0, None, "a whole number"), "threads across graph branches (0: onnxruntime's default)"
    )
    log_level: str = _option("INFO", _choice(*LOG_LEVELS, upper=True), "DEBUG, INFO, WARNING or ERROR", reloadable=True)
    log_format: str = _option(
        "console", _choice(*LOG_FORMATS), "console (readable lines) or json (one object a line)"
    )
    metrics_port: int | None = _option(
        None, _number(int, 1, 65535, "a port number"), "serve Prometheus metrics over HTTP on this port (default: off)"
    )
    http_uri: str | None = _option(
        None, parse_http_uri, "serve OpenAI's speech API (/v1/audio/speech) and /metrics over HTTP here, e.g. "
        "tcp://0.0.0.0:10202 (default: off)", metavar="URI",
    )
    api_key: str | None = _option(
        None, _optional_text, "key the HTTP API asks for (Authorization: Bearer KEY; default: none)",
        reloadable=True, metavar="KEY",
    )
    #: where each value came from: "default", "file PATH", "environment NAME" or "flag --NAME"
    sources: dict = field(default_factory=dict, compare=False)
    config_file: Path | None = field(default=None, compare=False)

    def changed(self, other: "Settings") -> list[str]:
        """Keys whose values differ between ``self`` and ``other``."""
        return [o.key for o in OPTIONS if getattr(self, o.key) != getattr(other, o.key)]

    def describe(self) -> str:
        """The effective settings and where each came from, as YAML with comments (``--print-config``)."""
        lines = []
        for option in OPTIONS:
            value = _plain(getattr(self, option.key))
            source = self.sources.get(option.key, "default")
            if option.key in SECRETS and value is not None:  # (a printed file then has none: it is not copied)
                value, source = None, f"{source}: set, not shown"
            text = yaml.safe_dump({option.key: value}, default_flow_style=True, sort_keys=False).strip()
            text = text[1:-1] if text.startswith("{") else text
            lines.append(f"{text}  # {source}")
        return "\n".join(lines)


#: The options, in the order of the fields of Settings.
OPTIONS: tuple[Option, ...] = tuple(
    Option(f.name, *f.metadata["option"]) for f in fields(Settings) if "option" in f.metadata
)
BY_KEY = {option.key: option for option in OPTIONS}
#: Settings whose values --print-config and the logs do not show.
SECRETS = frozenset({"api_key"})


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return [str(v) for v in value]
    return value


def env_name(key: str) -> str:
    return ENV_PREFIX + key.upper()


def flag_name(key: str) -> str:
    return "--" + key.replace("_", "-")


def _apply(values: dict[str, Any], sources: dict[str, str], raw: Mapping[str, Any], source: str) -> None:
    for key, value in raw.items():
        option = BY_KEY[key]
        try:
            # An option that is off by default (None) is turned off again by null or an empty value.
            off = option.default is None and (value is None or (isinstance(value, str) and not value.strip()))
            values[key] = None if off else option.parse(value)
        except ValueError as err:
            raise ConfigError(f"{source}: bad value {value!r} for {key}: {err}") from None
        sources[key] = source


def read_file(path: Path) -> dict[str, Any]:
    """The options of a YAML file; ConfigError for a file that cannot be read, is not a mapping or has
    unknown keys."""
    data = read_yaml(path, "config file", ConfigError)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {str(path)!r} must be a mapping of option: value")
    unknown = [key for key in data if key not in BY_KEY]
    if unknown:
        raise ConfigError(
            f"config file {str(path)!r}: unknown option {', '.join(repr(k) for k in unknown)}; "
            f"known options: {', '.join(BY_KEY)}"
        )
    return data


# The variables Kubernetes sets for a Service named wyoming-kokoro (WYOMING_KOKORO_SERVICE_HOST,
# WYOMING_KOKORO_PORT_10200_TCP, ...): not settings, and no setting is named like them.
_SERVICE_LINK = re.compile(ENV_PREFIX + r"(SERVICE_HOST|SERVICE_PORT(_\w+)?|PORT(_\d+_(TCP|UDP|SCTP)(_\w+)?)?)$")


def read_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The options set by ``WYOMING_KOKORO_*`` variables; ConfigError for an unknown one."""
    found: dict[str, str] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG" or _SERVICE_LINK.match(name):
            continue
        key = name[len(ENV_PREFIX):].lower()
        if key not in BY_KEY:
            raise ConfigError(
                f"environment variable {name}: unknown option {key!r}; known options: {', '.join(BY_KEY)}"
            )
        found[key] = value
    return found


def load(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: str | Path | None = None,
    system_config: Path = SYSTEM_CONFIG,
) -> Settings:
    """The settings from defaults, then the YAML file (``config_file``, ``$WYOMING_KOKORO_CONFIG``, or the
    system file when present), then the environment, then ``flags`` (the options given on the command line)."""
    environ = os.environ if environ is None else environ
    values = {option.key: option.default for option in OPTIONS}
    sources = {option.key: "default" for option in OPTIONS}
    path = config_file or environ.get(ENV_PREFIX + "CONFIG") or (system_config if system_config.is_file() else None)
    if path is not None:
        path = Path(path)
        _apply(values, sources, read_file(path), f"file {path}")
    _apply(values, sources, {k: v for k, v in read_environment(environ).items()}, "environment")
    for key in list(sources):
        if sources[key] == "environment":
            sources[key] = f"environment {env_name(key)}"
    for key, value in (flags or {}).items():
        values[key] = value  # already parsed by the flag's own parser
        sources[key] = f"flag {flag_name(key)}"
    return Settings(**values, sources=sources, config_file=path)


def reload(
    current: Settings, flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> tuple[Settings, list[str]]:
    """The settings with the file read again, and the keys that changed but need a restart. Only reloadable
    options change; the others keep their running values. ConfigError for a bad file: the caller keeps
    ``current``."""
    fresh = load(flags, environ, current.config_file)
    restart = [o.key for o in OPTIONS if not o.reloadable and getattr(fresh, o.key) != getattr(current, o.key)]
    keep = {o.key: getattr(current, o.key) for o in OPTIONS if not o.reloadable}
    keep_sources = {o.key: current.sources.get(o.key, "default") for o in OPTIONS if not o.reloadable}
    return replace(fresh, **keep, sources={**fresh.sources, **keep_sources}), restart

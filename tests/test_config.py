"""Settings: defaults < YAML file < environment < flags; every bad value named; the example file complete."""

from __future__ import annotations

import ipaddress
import pathlib
import subprocess
import sys

import pytest
import yaml

from wyoming_kokoro import config
from wyoming_kokoro.config import OPTIONS, ConfigError, Settings, load, reload

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config" / "wyoming-kokoro.yaml"
NO_SYSTEM_FILE = pathlib.Path("/nonexistent/wyoming-kokoro.yaml")


def settings(flags=None, environ=None, file=None) -> Settings:
    return load(flags, environ or {}, file, system_config=NO_SYSTEM_FILE)


def write(tmp_path, text: str) -> pathlib.Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults():
    s = settings()
    assert s == Settings()
    assert set(s.sources.values()) == {"default"}
    assert s.uri == "tcp://0.0.0.0:10200" and s.metrics_port is None and s.allow == ()


def test_file_then_environment_then_flags(tmp_path):
    path = write(tmp_path, "voice: bf_emma\nspeed: 1.2\nqueue_size: 8\nlanguage_voices: {fr_FR: ff_siwis}\n")
    environ = {"WYOMING_KOKORO_SPEED": "1.5", "WYOMING_KOKORO_QUEUE_SIZE": "16"}
    s = settings({"queue_size": 4}, environ, path)
    assert (s.voice, s.speed, s.queue_size) == ("bf_emma", 1.5, 4)
    assert s.language_voices == {"fr": "ff_siwis"}
    assert s.sources["voice"] == f"file {path}"
    assert s.sources["speed"] == "environment WYOMING_KOKORO_SPEED"
    assert s.sources["queue_size"] == "flag --queue-size"
    assert s.sources["uri"] == "default"


def test_the_system_file_is_read_when_present_and_config_env_names_another(tmp_path):
    system = write(tmp_path, "voice: am_michael\n")
    assert load({}, {}, None, system_config=system).voice == "am_michael"
    other = tmp_path / "other.yaml"
    other.write_text("voice: bm_george\n", encoding="utf-8")
    assert load({}, {"WYOMING_KOKORO_CONFIG": str(other)}, None, system_config=system).voice == "bm_george"


def test_environment_forms_of_lists_maps_and_switches():
    s = settings(environ={
        "WYOMING_KOKORO_LANGUAGE_VOICES": "en_GB=bm_george, fr_FR=ff_siwis",
        "WYOMING_KOKORO_ALLOW": "192.168.1.0/24,10.0.0.5",
        "WYOMING_KOKORO_ZEROCONF": "true",
        "WYOMING_KOKORO_METRICS_PORT": "10201",
    })
    assert s.language_voices == {"en-gb": "bm_george", "fr": "ff_siwis"}
    assert s.allow == (ipaddress.ip_network("192.168.1.0/24"), ipaddress.ip_network("10.0.0.5/32"))
    assert s.zeroconf == "" and s.metrics_port == 10201
    assert settings(environ={"WYOMING_KOKORO_ZEROCONF": "kitchen-tts"}).zeroconf == "kitchen-tts"
    assert settings(environ={"WYOMING_KOKORO_ZEROCONF": "off"}).zeroconf is None


@pytest.mark.parametrize(
    "text, message",
    [
        ("speed: 3\n", "bad value 3 for speed: expected a speaking rate from 0.5 to 2.0"),
        ("speed: fast\n", "bad value 'fast' for speed: expected a speaking rate"),
        ("queue_size: 0\n", "bad value 0 for queue_size: expected a whole number 1 or more"),
        ("queue_size: 2.5\n", "bad value 2.5 for queue_size: expected a whole number"),
        ("parallel_inferences: true\n", "bad value True for parallel_inferences: expected a whole number"),
        ("uri: http://x:1\n", "bad value 'http://x:1' for uri: expected tcp://HOST:PORT, unix://PATH or stdio://"),
        ("uri: tcp://0.0.0.0\n", "a tcp URI needs a host and a port"),
        ("log_level: LOUD\n", "bad value 'LOUD' for log_level: expected one of DEBUG, INFO, WARNING, ERROR"),
        ("log_format: xml\n", "bad value 'xml' for log_format: expected one of console, json"),
        ("metrics_port: 70000\n", "bad value 70000 for metrics_port: expected a port number from 1 to 65535"),
        ("language_voices: {xx_XX: af_heart}\n", "unknown language 'xx_XX'"),
        ("language_voices: [en_GB]\n", "expected LANGUAGE=VOICE like en_GB=bf_emma, got 'en_GB'"),
        ("allow: [300.1.1.1]\n", "expected networks like 192.168.1.0/24 or 10.0.0.5, got '300.1.1.1'"),
        ("zeroconf: 'my tts'\n", "expected true, false, or a name of 1 to 63 letters"),
        ("voice: ''\n", "bad value '' for voice: expected a non-empty text"),
        ("spede: 1.0\n", "unknown option 'spede'; known options: uri, voice"),
        ("- voice\n", "must be a mapping of option: value"),
        ("voice: [unclosed\n", "is not valid YAML"),
    ],
)
def test_every_bad_file_value_is_named(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        settings(file=path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_bad_environment_values_name_the_variable():
    with pytest.raises(ConfigError, match="environment: bad value 'x' for samples_per_chunk"):
        settings(environ={"WYOMING_KOKORO_SAMPLES_PER_CHUNK": "x"})
    with pytest.raises(ConfigError, match="environment variable WYOMING_KOKORO_VOLUME: unknown option 'volume'"):
        settings(environ={"WYOMING_KOKORO_VOLUME": "11"})


def test_kubernetes_service_variables_are_not_settings():
    environ = {
        "WYOMING_KOKORO_SERVICE_HOST": "10.0.0.1", "WYOMING_KOKORO_SERVICE_PORT": "10200",
        "WYOMING_KOKORO_SERVICE_PORT_WYOMING": "10200", "WYOMING_KOKORO_PORT": "tcp://10.0.0.1:10200",
        "WYOMING_KOKORO_PORT_10200_TCP": "tcp://10.0.0.1:10200", "WYOMING_KOKORO_PORT_10200_TCP_ADDR": "10.0.0.1",
        "WYOMING_KOKORO_VOICE": "bf_emma",
    }
    s = settings(environ=environ)
    assert s.voice == "bf_emma" and s.uri == "tcp://0.0.0.0:10200"


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read"):
        settings(file=tmp_path / "missing.yaml")


def test_the_example_file_loads_and_lists_every_option_with_its_default():
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert list(data) == [option.key for option in OPTIONS]
    assert settings(file=EXAMPLE) == Settings()
    text = EXAMPLE.read_text(encoding="utf-8")
    for option in OPTIONS:  # each key has a comment line just above it
        lines = text.splitlines()
        index = next(i for i, line in enumerate(lines) if line.startswith(f"{option.key}:"))
        assert lines[index - 1].startswith("# "), option.key


def test_every_option_has_a_flag_an_environment_variable_and_a_field():
    help_text = subprocess.run(
        [sys.executable, "-m", "wyoming_kokoro", "--help"], capture_output=True, text=True, timeout=60
    ).stdout
    for option in OPTIONS:
        assert config.flag_name(option.key) in help_text, option.key
        assert hasattr(Settings(), option.key)
        assert config.env_name(option.key) == "WYOMING_KOKORO_" + option.key.upper()


def test_print_config_shows_values_and_sources(tmp_path):
    path = write(tmp_path, "voice: bf_emma\n")
    proc = subprocess.run(
        [sys.executable, "-m", "wyoming_kokoro", "--config", str(path), "--print-config", "--speed", "1.25"],
        capture_output=True, text=True, timeout=60, env={"WYOMING_KOKORO_QUEUE_SIZE": "7", "PATH": ""},
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert f"voice: bf_emma  # file {path}" in lines
    assert "speed: 1.25  # flag --speed" in lines
    assert "queue_size: 7  # environment WYOMING_KOKORO_QUEUE_SIZE" in lines
    assert "uri: tcp://0.0.0.0:10200  # default" in lines or "uri: 'tcp://0.0.0.0:10200'  # default" in lines
    # The printed settings are themselves a valid config file.
    printed = yaml.safe_load(proc.stdout)
    assert printed["voice"] == "bf_emma" and printed["queue_size"] == 7


def test_the_api_key_is_never_printed_and_the_http_uri_is_checked(tmp_path):
    path = write(tmp_path, "api_key: s3cret-key\nhttp_uri: tcp://127.0.0.1:10202\n")
    proc = subprocess.run(
        [sys.executable, "-m", "wyoming_kokoro", "--config", str(path), "--print-config"],
        capture_output=True, text=True, timeout=60, env={"PATH": ""},
    )
    assert proc.returncode == 0, proc.stderr
    assert "s3cret-key" not in proc.stdout and f"api_key: null  # file {path}: set, not shown" in proc.stdout
    assert yaml.safe_load(proc.stdout)["http_uri"] == "tcp://127.0.0.1:10202"
    assert Settings().http_uri is None and Settings().api_key is None  # off, and no key, by default
    for bad in ("stdio://", "http://host:80", "tcp://nohost"):
        with pytest.raises(ValueError):
            config.parse_http_uri(bad)
    assert config.parse_http_uri("") is None


def test_a_bad_config_stops_the_server_before_it_loads_anything(tmp_path):
    path = write(tmp_path, "max_text_length: -5\n")
    proc = subprocess.run(
        [sys.executable, "-m", "wyoming_kokoro", "--config", str(path)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert "bad value -5 for max_text_length" in proc.stderr and "Traceback" not in proc.stderr


def test_reload_changes_only_what_can_change_without_a_restart(tmp_path):
    path = write(tmp_path, "voice: af_heart\nqueue_size: 8\nlog_level: INFO\n")
    current = settings(file=path)
    path.write_text("voice: bf_emma\nqueue_size: 2\nlog_level: DEBUG\n", encoding="utf-8")
    fresh, restart = reload(current, {}, {})
    assert (fresh.voice, fresh.log_level, fresh.queue_size) == ("bf_emma", "DEBUG", 8)
    assert restart == ["queue_size"]
    assert current.changed(fresh) == ["voice", "log_level"]
    path.write_text("voice: [\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        reload(current, {}, {})


def test_g2p_backend_per_language_from_file_environment_and_flags(tmp_path):
    path = write(tmp_path, "g2p: {en_US: espeak}\nlexicon: ~/words.yaml\n")
    s = settings(file=path)
    assert s.g2p == {"en-us": "espeak"}
    assert s.lexicon == pathlib.Path("~/words.yaml").expanduser()
    s = settings(environ={"WYOMING_KOKORO_G2P": "en-us=espeak, en-gb=misaki", "WYOMING_KOKORO_LEXICON": "/srv/words.yaml"})
    assert s.g2p == {"en-us": "espeak", "en-gb": "misaki"} and s.lexicon == pathlib.Path("/srv/words.yaml")
    assert settings().g2p == {} and settings().lexicon is None


@pytest.mark.parametrize(
    "text,message",
    [
        ("g2p: {es: misaki}\n", "bad value {'es': 'misaki'} for g2p: G2P backend 'misaki' is not available for es: expected espeak"),
        ("g2p: {en-us: festival}\n", "not available for en-us: expected misaki or espeak"),
        ("g2p: {xx: espeak}\n", "unknown language 'xx'"),
        ("g2p: {en-us: ''}\n", "expected a backend name for language 'en-us'"),
        ("g2p: [espeak]\n", "expected LANGUAGE=BACKEND like en-us=espeak, got 'espeak'"),
    ],
)
def test_bad_g2p_values_are_named(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        settings(file=path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_g2p_flags_add_up_and_print(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "wyoming_kokoro", "--g2p", "en-us=espeak", "--g2p", "en_GB=espeak", "--print-config"],
        capture_output=True, text=True, timeout=60, env={"PATH": ""},
    )
    assert proc.returncode == 0, proc.stderr
    assert "g2p: {en-us: espeak, en-gb: espeak}  # flag --g2p" in proc.stdout.splitlines()
    proc = subprocess.run(
        [sys.executable, "-m", "wyoming_kokoro", "--g2p", "es=misaki", "--print-config"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2 and "not available for es: expected espeak" in proc.stderr

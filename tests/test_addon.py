"""The Home Assistant add-on (addon/): its config.yaml against the rules of the Supervisor's schema that can be
checked offline, its options turned into the server's settings by its run script, and its announcement to a
Supervisor (a local HTTP server standing in for it) once a real server answers."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import yaml

from wyoming_kokoro.config import Settings
from wyoming_kokoro.engine.model import MAX_SPEED, MIN_SPEED
from wyoming_kokoro.engine.voices import DEFAULT_LANGUAGE_VOICES, DEFAULT_VOICE
from wyoming_kokoro.languages import find_language

ROOT = Path(__file__).resolve().parents[1]
ADDON = ROOT / "addon"
RUN_SCRIPT = ADDON / "rootfs" / "usr" / "local" / "bin" / "kokoro_addon.py"
#: The Supervisor's architectures, and the keys config.yaml must have.
ARCHES = {"armhf", "armv7", "aarch64", "amd64", "i386"}
REQUIRED = {"name", "version", "slug", "description", "arch"}
#: The Supervisor's schema types: str, bool, int/float with an optional range, email, url, password, port,
#: match(REGEX), list(a|b|c), device; a trailing ? makes one optional.
SCHEMA_TYPE = re.compile(
    r"(?:str|bool|email|url|password|port|device(?:\(.*\))?|match\(.+\)|list\([^|()]+(?:\|[^|()]+)*\)"
    r"|(?:int|float)(?:\(-?[\d.]*,-?[\d.]*\))?)\??"
)


def load(name: str) -> dict:
    return yaml.safe_load((ADDON / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def config() -> dict:
    return load("config.yaml")


def run_script():
    spec = importlib.util.spec_from_file_location("kokoro_addon", RUN_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_value(value, schema, where: str) -> None:
    """``value`` fits ``schema`` (a type string, a list of one schema, or a mapping of schemas)."""
    if isinstance(schema, dict):
        assert isinstance(value, dict) and set(value) <= set(schema), where
        for key, item in value.items():
            check_value(item, schema[key], f"{where}.{key}")
        return
    if isinstance(schema, list):
        assert isinstance(value, list) and len(schema) == 1, where
        for index, item in enumerate(value):
            check_value(item, schema[0], f"{where}[{index}]")
        return
    kind = schema.rstrip("?")
    if kind.startswith("list("):
        assert value in kind[5:-1].split("|"), f"{where}: {value!r} not in {kind}"
    elif kind.startswith(("int", "float")):
        assert isinstance(value, (int, float)) and not isinstance(value, bool), where
        if kind.startswith("int"):
            assert isinstance(value, int), where
        bounds = re.fullmatch(r"\w+\((-?[\d.]*),(-?[\d.]*)\)", kind)
        if bounds:
            low, high = (float(b) if b else None for b in bounds.groups())
            assert (low is None or value >= low) and (high is None or value <= high), f"{where}: {value} out of {kind}"
    elif kind == "bool":
        assert isinstance(value, bool), where
    else:
        assert isinstance(value, str), where


def schema_types(schema) -> list[str]:
    if isinstance(schema, dict):
        return [t for item in schema.values() for t in schema_types(item)]
    if isinstance(schema, list):
        return [t for item in schema for t in schema_types(item)]
    return [schema]


def test_config_has_what_the_supervisor_requires(config):
    assert REQUIRED <= set(config), REQUIRED - set(config)
    assert re.fullmatch(r"[a-z0-9_]+", config["slug"])
    assert re.fullmatch(r"\d+\.\d+\.\d+", str(config["version"]))
    assert set(config["arch"]) <= ARCHES and {"amd64", "aarch64"} <= set(config["arch"])
    assert config["discovery"] == ["wyoming"]
    assert isinstance(config["init"], bool)
    for port, host_port in config["ports"].items():
        assert re.fullmatch(r"\d{1,5}/(tcp|udp)", port) and (host_port is None or 0 < host_port < 65536)
    assert "10200/tcp" in config["ports"] and set(config["ports_description"]) == set(config["ports"])
    # the audition page in Home Assistant's sidebar: ingress reaches the HTTP side the run script starts
    assert config["ingress"] is True and f"{config['ingress_port']}/tcp" in config["ports"]
    assert config["ingress_port"] == run_script().HTTP_PORT and config["panel_icon"].startswith("mdi:")
    assert "image" not in config  # built by the Supervisor on the user's machine from the Dockerfile


def test_the_version_is_the_packages(config):
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert config["version"] == version == load("build.yaml")["args"]["WYOMING_KOKORO_VERSION"]


def test_every_option_fits_its_schema_and_every_schema_type_is_the_supervisors(config):
    options, schema = config["options"], config["schema"]
    assert set(options) == set(schema)
    check_value(options, schema, "options")
    for kind in schema_types(schema):
        assert SCHEMA_TYPE.fullmatch(kind), kind


def test_the_schema_allows_what_the_server_allows(config):
    schema = config["schema"]
    assert schema["speed"] == f"float({MIN_SPEED},{MAX_SPEED})"
    languages = schema["language_voices"][0]["language"][5:-1].split("|")
    assert sorted(languages) == sorted(DEFAULT_LANGUAGE_VOICES)
    assert all(find_language(code).code == code for code in languages)
    assert config["options"]["voice"] == DEFAULT_VOICE
    assert config["options"]["cache_size"] == Settings().cache_size


def test_build_and_translations_cover_the_config(config):
    build = load("build.yaml")
    assert set(build["build_from"]) == set(config["arch"])
    for arch, image in build["build_from"].items():
        assert image == f"ghcr.io/home-assistant/{arch}-base-debian:bookworm"
    translation = load("translations/en.yaml")
    assert set(translation["configuration"]) == set(config["schema"])
    assert all(entry["name"] and entry["description"] for entry in translation["configuration"].values())
    assert set(translation["network"]) == set(config["ports"])
    for name, size in (("icon.png", (128, 128)), ("logo.png", (250, 100))):
        data = (ADDON / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and (int.from_bytes(data[16:20]), int.from_bytes(data[20:24])) == size
    dockerfile = (ADDON / "Dockerfile").read_text()
    assert re.search(r"^ARG BUILD_FROM", dockerfile, re.M) and re.search(r"^FROM \$\{BUILD_FROM\}", dockerfile, re.M)
    assert (ROOT / "repository.yaml").exists()


SAMPLE_OPTIONS = {
    "voice": "af_bella:0.6,af_sky:0.4",
    "language_voices": [{"language": "en-gb", "voice": "bm_george"}, {"language": "fr", "voice": "ff_siwis"}],
    "speed": 1.1,
    "cache_size": 32,
    "log_level": "warning",
    "api_key": "a-key-for-the-lan",
}


def test_the_run_script_turns_the_options_into_the_servers_settings(tmp_path):
    options = tmp_path / "options.json"
    options.write_text(json.dumps(SAMPLE_OPTIONS))
    printed = subprocess.run(
        [sys.executable, str(RUN_SCRIPT), "--options", str(options), "--print"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    assert printed[0] == "/opt/venv/bin/wyoming-kokoro"
    # The same flags, given to this checkout's server: the settings it would run with.
    result = subprocess.run(
        [sys.executable, "-m", "wyoming_kokoro", *printed[1:], "--print-config"],
        capture_output=True, text=True, check=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    settings = yaml.safe_load(result.stdout)
    assert settings["uri"] == "tcp://0.0.0.0:10200" and settings["http_uri"] == "tcp://0.0.0.0:10202"
    assert settings["voice"] == SAMPLE_OPTIONS["voice"]
    assert settings["language_voices"] == {"en-gb": "bm_george", "fr": "ff_siwis"}
    assert settings["speed"] == 1.1 and settings["cache_size"] == 32 and settings["log_level"] == "WARNING"
    assert settings["cache_dir"] == "/data/cache"


def test_no_options_file_runs_the_servers_defaults(tmp_path):
    command = run_script().server_command({})
    assert command == ["/opt/venv/bin/wyoming-kokoro", "--uri", "tcp://0.0.0.0:10200",
                       "--http-uri", "tcp://0.0.0.0:10202", "--cache-dir", "/data/cache"]
    assert run_script().server_environment({"api_key": ""}) == {}


def test_the_api_key_reaches_the_server_by_its_environment_never_its_command_line(tmp_path):
    script = run_script()
    command = script.server_command(SAMPLE_OPTIONS)
    assert not [part for part in command if SAMPLE_OPTIONS["api_key"] in part]  # not in the log, not in ps
    environment = script.server_environment(SAMPLE_OPTIONS)
    result = subprocess.run(
        [sys.executable, "-m", "wyoming_kokoro", *command[1:], "--print-config"], capture_output=True, text=True,
        check=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **environment},
    )
    assert "environment WYOMING_KOKORO_API_KEY: set, not shown" in result.stdout
    assert SAMPLE_OPTIONS["api_key"] not in result.stdout + result.stderr


class _Supervisor(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers["Authorization"], json.loads(body)))
        answer = json.dumps({"result": "ok", "data": {"uuid": "0" * 32}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def test_the_server_is_announced_to_the_supervisor_once_it_answers(kokoro_server):
    supervisor = HTTPServer(("127.0.0.1", 0), _Supervisor)
    thread = threading.Thread(target=supervisor.serve_forever, daemon=True)
    thread.start()
    try:
        env = {"SUPERVISOR_TOKEN": "secret-token", "SUPERVISOR_URL": f"http://127.0.0.1:{supervisor.server_port}",
               "PATH": "/usr/bin:/bin"}
        result = subprocess.run(
            [sys.executable, str(RUN_SCRIPT), "--announce", "--port", str(kokoro_server.port)],
            capture_output=True, text=True, env=env, timeout=60,
        )
    finally:
        supervisor.shutdown()
    assert result.returncode == 0, result.stderr
    (path, authorization, message), = _Supervisor.received
    assert path == "/discovery" and authorization == "Bearer secret-token"
    assert message["service"] == "wyoming"
    assert re.fullmatch(rf"tcp://[^:/]+:{kokoro_server.port}", message["config"]["uri"])
    assert "Announced" in result.stderr


def test_outside_the_supervisor_nothing_is_announced():
    result = subprocess.run([sys.executable, str(RUN_SCRIPT), "--announce", "--port", "1"], capture_output=True,
                            text=True, env={"PATH": "/usr/bin:/bin"}, timeout=30)
    assert result.returncode == 0 and "not announcing" in result.stderr

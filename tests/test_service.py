"""Running as a service: systemd notification, SIGHUP reload, JSON logs, Prometheus metrics, --allow, the unit."""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest
from wyoming.client import AsyncClient
from wyoming.info import Describe
from wyoming.tts import Synthesize

try:  # tests/ on sys.path (rootdir-inserted) or as a package
    import server_process
    import texts
except ModuleNotFoundError:
    from tests import server_process, texts

ROOT = pathlib.Path(__file__).resolve().parents[1]
UNIT = ROOT / "systemd" / "wyoming-kokoro.service"
TIMEOUT = 60


def records(server) -> list[dict]:
    return [json.loads(line) for line in server.log_text().splitlines() if line.startswith("{")]


def wait_for_record(server, predicate, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for record in records(server):
            if predicate(record):
                return record
        time.sleep(0.05)
    raise AssertionError("no such log record:\n" + server.log_text())


async def synthesize(uri: str, text: str) -> list:
    async with AsyncClient.from_uri(uri) as client:
        await client.write_event(Synthesize(text=text).event())
        events = []
        while True:
            event = await asyncio.wait_for(client.read_event(), TIMEOUT)
            assert event is not None, "connection closed"
            events.append(event)
            if event.type in ("audio-stop", "error"):
                return events


async def describe(uri: str) -> bool:
    async with AsyncClient.from_uri(uri) as client:
        await client.write_event(Describe().event())
        event = await asyncio.wait_for(client.read_event(), 5)
        return event is not None and event.type == "info"


def scrape(port: int) -> dict[str, float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


@pytest.fixture(scope="module")
def notify_socket(tmp_path_factory):
    path = tmp_path_factory.mktemp("notify") / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(TIMEOUT)
    yield path, sock
    sock.close()


def test_ready_comes_after_the_port_answers_and_stopping_on_sigterm(tmp_path, notify_socket):
    path, sock = notify_socket
    port = server_process.free_port()
    uri = f"tcp://127.0.0.1:{port}"
    log = open(tmp_path / "server.log", "wb")
    env = {**os.environ, "NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "2000000", "WATCHDOG_PID": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "wyoming_kokoro", "--uri", uri, "--provider", "cpu", "--intra-op-threads", "2",
         "--log-format", "json"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log, env=env,
    )
    try:
        messages = []
        while not any(m.startswith("READY=1") for m in messages):
            messages.append(sock.recv(4096).decode())
        # At the moment READY=1 arrives, the port answers describe.
        assert asyncio.run(describe(uri))
        assert f"STATUS=serving on {uri}" in messages[-1]
        # The watchdog is pinged at half its interval (2 s here).
        sock.settimeout(5)
        assert sock.recv(4096).decode() == "WATCHDOG=1"
        proc.send_signal(signal.SIGTERM)
        later = []
        while "STOPPING=1" not in later:
            later.append(sock.recv(4096).decode())
        assert proc.wait(30) == 0
    finally:
        sock.settimeout(TIMEOUT)
        if proc.poll() is None:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """A server with a config file, a user lexicon, JSON logs, metrics on and --allow for loopback."""
    tmp = tmp_path_factory.mktemp("service")
    config_file = tmp / "config.yaml"
    config_file.write_text("voice: af_heart\nlog_level: INFO\n", encoding="utf-8")
    lexicon = tmp / "lexicon.yaml"
    lexicon.write_text("en-us:\n  Kokoro: kˈOkəɹO\n", encoding="utf-8")
    metrics_port = server_process.free_port()
    server = server_process.start_server(
        tmp, "--config", str(config_file), "--metrics-port", str(metrics_port), "--allow", "127.0.0.0/8",
        "--lexicon", str(lexicon),
    )
    server.config_file, server.metrics_port = config_file, metrics_port
    yield server
    server.stop()


def test_logs_are_json_lines_with_one_line_per_request(service):
    events = asyncio.run(synthesize(service.uri, "The kitchen lights are on."))
    assert events[-1].type == "audio-stop"
    lines = [line for line in service.log_text().splitlines() if line.strip()]
    assert all(line.startswith("{") for line in lines), lines  # every line is a JSON object
    request = wait_for_record(service, lambda r: r["event"] == "request" and r["characters"] == 26)
    for key in ("request_id", "client", "voice", "language", "characters", "sentences", "first_audio_ms",
                "total_ms", "audio_seconds", "rtf", "windows", "words", "lexicon_words", "user_lexicon_words", "fallback_words",
                "text_fallbacks", "unknown_words", "dropped_symbols", "cache_hits", "outcome", "timestamp", "level"):
        assert key in request, key
    assert request["outcome"] == "ok" and request["voice"] == "af_heart" and request["sentences"] == 1
    assert 0 < request["first_audio_ms"] <= request["total_ms"] and request["audio_seconds"] > 0.5
    assert request["windows"] >= 2  # the default model's graph is split: the reply was decoded window by window


def test_metrics_count_requests_errors_and_audio(service):
    before = scrape(service.metrics_port)
    assert asyncio.run(synthesize(service.uri, "Good night."))[-1].type == "audio-stop"
    assert asyncio.run(synthesize(service.uri, "Guten Abend. " * 1000))[-1].type == "error"  # too long
    time.sleep(0.2)
    after = scrape(service.metrics_port)

    def delta(name: str) -> float:
        return after.get(name, 0.0) - before.get(name, 0.0)

    assert delta('wyoming_kokoro_requests_total{kind="one-shot",outcome="ok"}') == 1
    assert delta('wyoming_kokoro_requests_total{kind="one-shot",outcome="error"}') == 1
    assert delta('wyoming_kokoro_errors_total{code="text-too-long"}') == 1
    assert delta("wyoming_kokoro_time_to_first_audio_seconds_count") == 1
    assert delta("wyoming_kokoro_real_time_factor_count") == 1
    assert delta("wyoming_kokoro_audio_seconds_total") > 0.3
    assert delta('wyoming_kokoro_g2p_words_total{source="lexicon"}') == 2
    assert delta('wyoming_kokoro_phoneme_cache_total{result="miss"}') + delta(
        'wyoming_kokoro_phoneme_cache_total{result="hit"}') >= 1
    assert after["wyoming_kokoro_requests_in_flight"] == 0 and after["wyoming_kokoro_queue_depth"] == 0
    assert after["wyoming_kokoro_model_load_seconds"] > 0
    [build] = [name for name in after if name.startswith("wyoming_kokoro_build_info")]
    assert 'version="0.1.0"' in build and "6e742170d309" in build


def test_words_from_the_user_lexicon_are_logged_and_counted(service):
    before = scrape(service.metrics_port)
    assert asyncio.run(synthesize(service.uri, "Kokoro is ready."))[-1].type == "audio-stop"
    request = wait_for_record(service, lambda r: r["event"] == "request" and r["characters"] == 16)
    assert request["user_lexicon_words"] == 1 and request["words"] == 3 and request["lexicon_words"] == 2
    assert request["fallback_words"] == 0 and request["dropped_symbols"] == 0 and request["unknown_words"] == 0
    time.sleep(0.2)
    after = scrape(service.metrics_port)
    for source, count in (("user", 1), ("lexicon", 2), ("fallback", 0)):
        name = f'wyoming_kokoro_g2p_words_total{{source="{source}"}}'
        assert after.get(name, 0.0) - before.get(name, 0.0) == count, name
    for name in ("wyoming_kokoro_g2p_text_fallbacks_total", "wyoming_kokoro_g2p_unknown_words_total",
                 "wyoming_kokoro_dropped_symbols_total"):
        assert name in after


def test_sighup_reloads_the_default_voice_and_keeps_the_old_settings_on_a_bad_file(service):
    service.config_file.write_text("voice: bf_emma\nlog_level: INFO\nqueue_size: 3\n", encoding="utf-8")
    service.proc.send_signal(signal.SIGHUP)
    reloaded = wait_for_record(service, lambda r: r["event"].startswith("Reloaded:"))
    assert "voice 'af_heart' -> 'bf_emma'" in reloaded["event"]
    wait_for_record(service, lambda r: "queue_size changed in the file; that takes a restart" in r["event"])
    asyncio.run(synthesize(service.uri, "Which voice is this?"))
    request = wait_for_record(service, lambda r: r["event"] == "request" and r["characters"] == 20)
    assert request["voice"] == "bf_emma"

    service.config_file.write_text("voice: nobody_here\n", encoding="utf-8")
    service.proc.send_signal(signal.SIGHUP)
    failed = wait_for_record(service, lambda r: r["event"].startswith("Reload failed"))
    assert "unknown voice 'nobody_here'" in failed["event"] and failed["level"] == "error"
    service.config_file.write_text("speed: [\n", encoding="utf-8")
    service.proc.send_signal(signal.SIGHUP)
    wait_for_record(service, lambda r: r["event"].startswith("Reload failed") and "not valid YAML" in r["event"])
    asyncio.run(synthesize(service.uri, "Still the same voice."))
    request = wait_for_record(service, lambda r: r["event"] == "request" and r["characters"] == 21)
    assert request["voice"] == "bf_emma" and service.proc.poll() is None


def test_sighup_reads_the_lexicon_again_and_keeps_it_when_the_new_one_is_bad(service):
    service.config_file.write_text("voice: af_heart\nlog_level: INFO\n", encoding="utf-8")  # valid, en-us again
    lexicon = service.config_file.parent / "lexicon.yaml"
    lexicon.write_text("en-us:\n  Kokoro: kˈOkOɹO\n  Nabu: nˈɑbu\n", encoding="utf-8")
    service.proc.send_signal(signal.SIGHUP)
    wait_for_record(service, lambda r: r["event"].startswith("Reloaded the lexicon") and "2 word(s)" in r["event"])
    asyncio.run(synthesize(service.uri, "Nabu met Kokoro today."))
    request = wait_for_record(service, lambda r: r["event"] == "request" and r["characters"] == 22)
    assert request["user_lexicon_words"] == 2

    lexicon.write_text("en-us:\n  Kokoro: kˈO§O\n", encoding="utf-8")
    service.proc.send_signal(signal.SIGHUP)
    failed = wait_for_record(service, lambda r: r["event"].startswith("Reload failed") and "Kokoro" in r["event"])
    assert "'§'" in failed["event"] and "not a Kokoro phoneme" in failed["event"]
    asyncio.run(synthesize(service.uri, "Nabu is right here."))
    request = wait_for_record(service, lambda r: r["event"] == "request" and r["characters"] == 19)
    assert request["user_lexicon_words"] == 1  # the good lexicon stayed


def test_allow_refuses_other_networks_before_reading_an_event(tmp_path):
    server = server_process.start_server(
        tmp_path, "--allow", "10.0.0.0/8", "--allow", "192.168.0.0/16", describe=False
    )
    try:
        with pytest.raises((ConnectionError, AssertionError, asyncio.IncompleteReadError)):
            asyncio.run(synthesize(server.uri, "Let me in."))
        refused = wait_for_record(server, lambda r: r["event"].startswith("Refused a connection from 127.0.0.1"))
        assert refused["level"] == "warning"
        assert not any(r["event"] == "request" for r in records(server))
    finally:
        server.stop()


def test_allow_lets_matching_clients_in(service):
    assert asyncio.run(describe(service.uri))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_unit_passes_systemd_analyze_verify(tmp_path):
    text = UNIT.read_text(encoding="utf-8")
    # verify checks that ExecStart's program exists: point it at this installation's.
    executable = pathlib.Path(sys.executable).with_name("wyoming-kokoro")
    assert executable.exists()
    unit = tmp_path / "wyoming-kokoro.service"
    unit.write_text(text.replace("/opt/wyoming-kokoro/.venv/bin/wyoming-kokoro", str(executable)), encoding="utf-8")
    proc = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "", proc.stderr


def test_the_unit_is_notify_hardened_and_reads_the_config():
    text = UNIT.read_text(encoding="utf-8")
    settings = dict(
        (m.group(1), m.group(2)) for m in re.finditer(r"^(\w+)=(.*)$", text, re.M)
    )
    assert settings["Type"] == "notify" and settings["Restart"] == "on-failure"
    for key in ("DynamicUser", "PrivateTmp", "NoNewPrivileges"):
        assert settings[key] == "yes", key
    assert settings["ProtectSystem"] == "strict" and settings["ProtectHome"] in ("yes", "read-only")
    assert {"AF_INET", "AF_INET6", "AF_UNIX"} <= set(settings["RestrictAddressFamilies"].split())
    assert settings["StateDirectory"] == "wyoming-kokoro" and settings["CacheDirectory"] == "wyoming-kokoro"
    assert "--config /etc/wyoming-kokoro/config.yaml" in settings["ExecStart"]
    assert "WatchdogSec" in settings and "kill -HUP" in settings["ExecReload"]


def test_a_phrase_said_before_comes_from_the_audio_cache_even_after_a_restart(tmp_path):
    cache_dir = tmp_path / "cache"
    text = "The front door is locked."

    def speak(server) -> tuple[bytes, dict]:
        events = asyncio.run(synthesize(server.uri, text))
        assert events[-1].type == "audio-stop"
        audio = b"".join(e.payload for e in events if e.type == "audio-chunk")
        line = wait_for_record(
            server, lambda r: r["event"] == "request" and r["characters"] == len(text)
            and r["request_id"] not in seen
        )
        seen.add(line["request_id"])
        return audio, line

    seen: set[str] = set()
    server = server_process.start_server(tmp_path, "--cache-dir", str(cache_dir))
    try:
        first, line = speak(server)
        assert line["audio_cache_hits"] == 0
        again, line = speak(server)
        assert again == first and line["audio_cache_hits"] == 1 and line["rtf"] == 0
        assert line["first_audio_ms"] < 50, line  # no inference: only the look-up and the network
    finally:
        assert server.stop() == 0
    assert list(cache_dir.glob("*/*.pcm"))
    seen.clear()
    server = server_process.start_server(tmp_path, "--cache-dir", str(cache_dir), "--cache-size", "0")
    try:
        restarted, line = speak(server)
        assert restarted == first and line["audio_cache_hits"] == 1
    finally:
        server.stop()


def test_windowed_decoding_off_serves_whole_pieces_from_the_single_graph(tmp_path):
    server = server_process.start_server(tmp_path, "--windowed-decoding", "off", "--sentence-pause", "0.5")
    try:
        events = asyncio.run(synthesize(server.uri, "The kitchen lights are on. The door is locked."))
        assert events[-1].type == "audio-stop"
        audio = b"".join(e.payload or b"" for e in events if e.type == "audio-chunk")
        samples = np.frombuffer(audio, dtype="<i2")
        # Two sentences with the settable pause between them: a run of exact zeros of 0.5 s, less what the
        # listener may have waited already (the second sentence is synthesized while the first plays here)
        zero = samples == 0
        longest, run = 0, 0
        for z in zero:
            run = run + 1 if z else 0
            longest = max(longest, run)
        assert longest >= int(0.45 * 24000)
        log = server.log_text()
        assert "graph turned off (split: off)" in log and "Decoding whole pieces" in log
        request = wait_for_record(server, lambda r: r.get("event") == "request" and r.get("characters"))
        assert request["windows"] == 0
    finally:
        server.stop()


def test_the_sentence_and_clause_pauses_set_on_the_command_line_are_heard(tmp_path):
    long = texts.OVER_LONG_SENTENCE  # synthesized in two parts, cut at a comma
    server = server_process.start_server(tmp_path, "--sentence-pause", "0.6", "--clause-pause", "0.25")
    try:
        # The first sentence plays about 4 s (it has no comma or conjunction to be cut at): time enough to start
        # the long one before it ends, also on a slow machine.
        first = "The temperature in the living room is twenty one degrees right now."
        events = asyncio.run(synthesize(server.uri, f"{first} {long}"))
        assert events[-1].type == "audio-stop"
        samples = np.frombuffer(b"".join(e.payload or b"" for e in events if e.type == "audio-chunk"), dtype="<i2")
        zero = np.concatenate([[False], samples == 0, [False]])
        edges = np.flatnonzero(np.diff(zero.astype(np.int8)))
        runs = (edges[1::2] - edges[::2]) / 24000  # seconds of each run of exact zeros
        # The sentence pause between the sentences (less what the listener may have waited already, should the
        # long one come late), the clause pause between the long one's two parts. The model makes shorter runs of
        # zeros of its own (under 0.2 s); the quiet margins trimming keeps around speech (20 ms before, 60 ms
        # after) may round to zeros too: up to 80 ms more.
        assert any(0.45 <= run <= 0.68 for run in runs), runs
        assert any(0.25 <= run <= 0.33 for run in runs), runs
    finally:
        server.stop()

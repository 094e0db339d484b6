"""The HTTP side (web.py) of a real server: OpenAI's speech API through OpenAI's own Python client, every format
decoded by PyAV (FFmpeg) to its rate and length, Whisper hearing the words; the listings; bad input answered with
a clear 4xx error in OpenAI's shape while the server goes on serving; a Wyoming client and an HTTP client at once."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
import threading
import time
import urllib.error
import urllib.request

import av
import numpy as np
import pytest
from wyoming.client import AsyncClient
from wyoming.tts import Synthesize, SynthesizeVoice

try:  # tests/ on sys.path (rootdir-inserted) or as a package
    import server_process
    from asr import transcribe, word_match
except ModuleNotFoundError:
    from tests import server_process
    from tests.asr import transcribe, word_match

import openai  # noqa: E402

KEY = "test-key-0123456789"
TEXT = "The front door is locked and the lights are off."
#: In the page: waits for the player to end its audio (or fail, or a minute to pass) and says how it went.
PLAYED_TO_THE_END = """() => new Promise((resolve) => {
    const player = document.getElementById('player');
    player.addEventListener('ended', () => resolve({ended: true, time: player.currentTime}));
    player.addEventListener('error', () => resolve({ended: false, error: player.error.code}));
    setTimeout(() => resolve({ended: false, time: player.currentTime}), 60000);
})"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = server_process.start_http_server(tmp_path_factory.mktemp("web"), KEY, "--max-text-length", "2000")
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=server.http + "/v1", api_key=KEY, max_retries=0, timeout=120)


def speak(client, fmt: str, text: str = TEXT, voice: str = "alloy", **extra) -> bytes:
    with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice=voice, input=text, response_format=fmt, **extra
    ) as response:
        assert response.headers["transfer-encoding"] == "chunked"  # streamed as it is made
        return b"".join(response.iter_bytes())


def decode(data: bytes) -> tuple[np.ndarray, int, str]:
    """(samples as float32 mono, rate, codec) of an encoded stream."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        frames = [frame.to_ndarray().reshape(-1) for frame in container.decode(stream)]
        samples = np.concatenate(frames).astype(np.float32)
        if samples.dtype.kind != "f" or np.abs(samples).max() > 2:
            samples = samples / 32768
        return samples, stream.rate, stream.codec_context.name


def request(server, method: str, path: str, body: bytes | None = None, key: str | None = KEY,
            content_type: str = "application/json") -> tuple[int, dict]:
    headers = {"Content-Type": content_type}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    req = urllib.request.Request(server.http + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def test_every_format_decodes_to_the_reply_at_its_rate(client, whisper):
    pcm = speak(client, "pcm")
    seconds = len(pcm) / 2 / 24000
    assert 1.5 < seconds < 6
    wav = speak(client, "wav")
    assert wav[:4] == b"RIFF" and abs(len(wav) - 44 - len(pcm)) < 0.02 * len(pcm)  # (trims follow the windows)
    rates = {"wav": 24000, "mp3": 24000, "aac": 24000, "flac": 24000, "opus": 48000}
    for fmt, rate in rates.items():
        samples, got_rate, codec = decode(wav if fmt == "wav" else speak(client, fmt))
        assert got_rate == rate, (fmt, got_rate)
        # the same audio: encoders add at most a few frames of priming and padding
        assert abs(len(samples) / got_rate - seconds) < 0.1, (fmt, codec, len(samples) / got_rate, seconds)
    heard = transcribe(whisper, decode(speak(client, "mp3"))[0], 24000, "en")
    assert word_match(TEXT, heard, "en") >= 0.8, heard


def test_voices_blends_speed_and_openai_names(client):
    base = len(speak(client, "pcm", voice="af_heart"))
    fast = len(speak(client, "pcm", voice="af_heart", speed=1.5))
    assert fast < 0.8 * base  # faster speech is shorter
    assert len(speak(client, "pcm", voice="af_heart", speed=4.0)) == len(speak(client, "pcm", voice="af_heart",
                                                                               speed=2.0))  # held to Kokoro's 2
    assert len(speak(client, "pcm", voice="af_heart:0.7,am_onyx:0.3")) > 0  # a blend, as on the Wyoming side
    assert len(speak(client, "pcm", voice="ff_siwis", text="Bonjour à tous.")) > 0  # its own language


def test_listings(server, client):
    models = [model.id for model in client.models.list()]
    assert "kokoro" in models and "tts-1" in models
    status, voices = request(server, "GET", "/v1/audio/voices")
    assert status == 200 and "af_heart" in voices["voices"] and voices["default"] == "af_heart"
    heart = next(v for v in voices["data"] if v["id"] == "af_heart")
    assert heart["language"] == "en-us" and heart["language_name"] == "American English"
    assert heart["gender"] == "female" and heart["description"]
    with urllib.request.urlopen(server.http + "/metrics", timeout=10) as response:
        assert b"wyoming_kokoro_requests_total" in response.read()


@pytest.mark.parametrize(
    ("body", "key", "status", "code", "param"),
    [
        ({"model": "tts-1", "input": "", "voice": "af_heart"}, KEY, 400, "bad-request", "input"),
        ({"model": "tts-1", "input": "x" * 2001, "voice": "af_heart"}, KEY, 400, "text-too-long", "input"),
        ({"model": "tts-1", "input": "Hi.", "voice": "zz_nobody"}, KEY, 400, "unknown-voice", "voice"),
        ({"model": "tts-1", "input": "Hi.", "voice": "af_heart", "response_format": "ogg"}, KEY, 400, "bad-request",
         "response_format"),
        ({"model": "tts-1", "input": "Hi.", "speed": 9}, KEY, 400, "bad-request", "speed"),
        ({"model": "dall-e-3", "input": "Hi."}, KEY, 400, "bad-request", "model"),
        ({"model": "tts-1", "input": "Hi."}, "wrong-key", 401, "unauthorized", None),
        ({"model": "tts-1", "input": "Hi."}, None, 401, "unauthorized", None),
    ],
    ids=["empty", "too long", "unknown voice", "bad format", "bad speed", "bad model", "wrong key", "no key"],
)
def test_bad_input_gets_a_clear_error(server, body, key, status, code, param):
    got, answer = request(server, "POST", "/v1/audio/speech", json.dumps(body).encode(), key=key)
    assert got == status and answer["error"]["code"] == code and answer["error"]["param"] == param, answer
    assert answer["error"]["message"]


def test_malformed_bodies_and_paths(server, client):
    for body in (b"{not json", b"[1, 2]", b'{"input": NaN}', b"\xff\xfe"):
        status, answer = request(server, "POST", "/v1/audio/speech", body)
        assert status == 400 and answer["error"]["code"] == "bad-request", (body, answer)
    status, answer = request(server, "POST", "/v1/audio/speech", b'{"input": "' + b"x" * 1_000_000 + b'"}')
    assert status == 400 and answer["error"]["code"] == "text-too-long" and answer["error"]["param"] == "input"
    assert request(server, "GET", "/v1/nothing")[0] == 404
    assert request(server, "GET", "/v1/audio/speech")[0] == 405
    # and the server goes on serving
    assert len(speak(client, "pcm", text="Still here.")) > 0
    assert "Traceback" not in server.log_text()


def test_a_wyoming_client_and_an_http_client_at_once(server, client):
    """Both are served at the same time from one model: each one's first audio comes before the other's reply
    has ended (neither waits for the other's whole reply), and both get their whole audio."""
    text = "The washing machine finished five minutes ago. The dryer still has about forty minutes to go."
    times: dict = {}

    def http() -> None:
        data = b""
        with client.audio.speech.with_streaming_response.create(
            model="kokoro", voice="af_heart", input=text, response_format="pcm"
        ) as response:
            for chunk in response.iter_bytes():
                times.setdefault("http_first", time.perf_counter())
                data += chunk
        times["http_end"], times["http"] = time.perf_counter(), len(data)

    async def wyoming() -> None:
        total = 0
        async with AsyncClient.from_uri(server.uri) as wy:
            await wy.write_event(Synthesize(text=text, voice=SynthesizeVoice(name="af_heart")).event())
            while (event := await wy.read_event()) is not None:
                if event.type == "audio-chunk":
                    times.setdefault("wyoming_first", time.perf_counter())
                    total += len(event.payload or b"")
                if event.type == "audio-stop":
                    break
        times["wyoming_end"], times["wyoming"] = time.perf_counter(), total

    thread = threading.Thread(target=http)
    thread.start()
    asyncio.run(wyoming())
    thread.join(120)
    assert times["http_first"] < times["wyoming_end"] and times["wyoming_first"] < times["http_end"], times
    # the same text and voice: about the same audio through either side (the trims follow the windows, and the
    # pause between the two sentences, 0.3 s, shortens by what a listener who ran out already waited)
    pause_bytes = int(0.3 * 24000) * 2
    assert times["wyoming"] > 24000 * 2 * 2, times
    assert abs(times["http"] - times["wyoming"]) <= pause_bytes + 0.02 * times["wyoming"], times


def test_the_audition_page_and_its_api(server):
    with urllib.request.urlopen(server.http + "/", timeout=10) as response:
        page = response.read().decode()
        assert response.headers["Content-Type"].startswith("text/html")
    for needed in ('<label for="text">', '<label for="voice">', '<label for="speed">', '<script src="app.js">',
                   'name="viewport"'):
        assert needed in page, needed
    assert "http://" not in page and "https://" not in page  # nothing from elsewhere: it works offline
    with urllib.request.urlopen(server.http + "/app.js", timeout=10) as response:
        script = response.read().decode()
    # every path relative to the page, which may be served under a prefix (Home Assistant's ingress)
    assert '"v1/audio/voices"' in script and not re.findall(r"""["'`]/(?:api|v1)/""", script)
    # What the text becomes, and each word's phonemes with the backend that made them
    status, said = request(server, "POST", "/api/phonemes",
                           json.dumps({"input": "Dinner is at **18:00**, Zorblax.", "language": "en-us"}).encode())
    assert status == 200 and said["normalized"] == "Dinner is at six PM, Zorblax.", said
    sources = {w["text"]: w["source"] for w in said["words"]}
    assert sources["Dinner"] == "lexicon" and sources["Zorblax"] == "fallback", sources
    assert said["phonemes"]
    status, said = request(server, "POST", "/api/phonemes", json.dumps({"input": "x", "language": "xx"}).encode())
    assert status == 400 and said["error"]["code"] == "unknown-language"
    # The page's audio element streams speech from a GET, its key in the URL
    query = "input=Good+evening.&voice=af_heart%3A0.7%2Cbf_emma%3A0.3&speed=1.2&response_format=mp3"
    with urllib.request.urlopen(f"{server.http}/api/speech?{query}&key={KEY}", timeout=60) as response:
        assert response.headers["Content-Type"] == "audio/mpeg"
        samples, rate, _ = decode(response.read())
    assert rate == 24000 and 0.4 < len(samples) / rate < 3
    status, answer = request(server, "GET", f"/api/speech?{query}", key=None)
    assert status == 401 and answer["error"]["code"] == "unauthorized"
    status, answer = request(server, "GET", "/api/speech?input=Hi&speed=fast")
    assert status == 400 and answer["error"]["param"] == "speed"


def test_a_lexicon_entry_tried_and_heard(server):
    from urllib.parse import unquote

    body = json.dumps({"word": "Kokoro", "phonemes": "kˈOkəɹO", "input": "Kokoro is ready.", "voice": "af_heart"})
    req = urllib.request.Request(server.http + "/api/lexicon", data=body.encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {KEY}"})
    with urllib.request.urlopen(req, timeout=60) as response:
        said = unquote(response.headers["X-Phonemes"])
        samples, rate, _ = decode(response.read())
    assert said.startswith("kˈOkəɹO") and rate == 24000 and 0.5 < len(samples) / rate < 3, said
    status, answer = request(server, "POST", "/api/lexicon", json.dumps({"word": "Kokoro", "phonemes": "k@@"}).encode())
    assert status == 400 and answer["error"]["param"] == "phonemes" and "'@'" in answer["error"]["message"], answer


class PrefixProxy:
    """A reverse proxy that serves the server under a path prefix, which it strips, as Home Assistant's ingress
    does; it passes on what the server sends as it comes. It runs on its own event loop, in a thread."""

    def __init__(self, upstream: str, prefix: str) -> None:
        self.upstream, self.prefix = upstream, prefix
        self.port = server_process.free_port()
        self.url = f"http://127.0.0.1:{self.port}{prefix}/"
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self.thread.start()
        assert started.wait(30), "the proxy did not start"

    def _run(self, started: threading.Event) -> None:
        from aiohttp import ClientSession, web

        async def setup():
            self.session = ClientSession(auto_decompress=False)
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", self.handle)
            self.runner = web.AppRunner(app)
            await self.runner.setup()
            await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(setup())
        started.set()
        self.loop.run_forever()

    async def handle(self, request):
        from aiohttp import web

        if not request.path.startswith(self.prefix + "/"):
            raise web.HTTPNotFound()
        hop = ("host", "content-length", "transfer-encoding", "connection", "keep-alive")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in hop}
        headers["X-Ingress-Path"] = self.prefix
        async with self.session.request(request.method, self.upstream + request.raw_path[len(self.prefix):],
                                        headers=headers, data=await request.read()) as upstream:
            response = web.StreamResponse(status=upstream.status, headers={
                k: v for k, v in upstream.headers.items() if k.lower() not in hop})
            await response.prepare(request)
            async for chunk in upstream.content.iter_any():
                await response.write(chunk)
            await response.write_eof()
            return response

    def close(self) -> None:
        async def stop():
            await self.runner.cleanup()
            await self.session.close()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)


@pytest.mark.parametrize("prefix", ["", "/api/hassio_ingress/Zq3xW9"], ids=["direct", "under-a-prefix"])
def test_the_page_plays_a_sentence_in_a_browser(server, tmp_path, prefix):
    """Headless Chromium loads the page from the real server, is asked for the key, picks a voice, speaks a
    sentence, and its audio element plays to the end without an error; the words' phonemes are shown. The same
    behind a proxy that serves it under a path prefix, as Home Assistant's ingress does (the add-on's panel).
    With SCREENSHOT_TO set, the screenshot of the page is written there (docs/audition-page.png is made so)."""
    import os
    import shutil

    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium here (.ci/run installs Debian's)")
    proxy = PrefixProxy(server.http, prefix) if prefix else None
    url = proxy.url if proxy is not None else server.http + "/"
    with contextlib.ExitStack() as stack, sync_playwright() as playwright:
        if proxy is not None:
            stack.callback(proxy.close)
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"])
        try:
            page = browser.new_page(viewport={"width": 900, "height": 1000})
            failed = []
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.goto(url)
            page.wait_for_selector("#key-row:not([hidden])", timeout=15000)  # the server asks for its key
            page.fill("#key", KEY)
            page.press("#key", "Tab")
            page.wait_for_function("document.querySelectorAll('#voice option').length > 3", timeout=15000)
            assert page.locator("#language option[value=en-gb]").inner_text() == "British English (en-gb)"
            page.select_option("#language", "en-gb")
            page.select_option("#voice", "bf_emma")
            page.fill("#text", "Good evening. The kitchen lights are off.")
            page.click("#speak")
            played = page.evaluate(PLAYED_TO_THE_END)
            assert played["ended"] and played["time"] > 1.5, played
            page.wait_for_selector("#words:not([hidden])", timeout=15000)
            assert "kitchen" in page.inner_text("#words")
            assert page.inner_text("#status") == "Done." and not failed, (page.inner_text("#status"), failed)
            # A word of the table gives its phonemes to the lexicon trial, which is heard to the end
            page.click("#words button.pick >> nth=3")
            assert page.input_value("#try-word") == "kitchen" and page.input_value("#try-phonemes")
            page.fill("#try-phonemes", "kˈɪʧən")
            page.click("#try")
            played = page.evaluate(PLAYED_TO_THE_END)
            assert played["ended"], played
            assert "kˈɪʧən" in page.inner_text("#try-said")
            shot = tmp_path / "audition-page.png"
            page.screenshot(path=str(shot), full_page=True)
            if os.environ.get("SCREENSHOT_TO") and proxy is None:
                shutil.copy(shot, os.environ["SCREENSHOT_TO"])
            # On a phone's screen every control is there, and nothing is wider than the screen
            page.set_viewport_size({"width": 390, "height": 844})
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            for control in ("#text", "#language", "#voice", "#voice2", "#mix", "#speed", "#speak", "#try"):
                box = page.locator(control).bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (control, box)
        finally:
            browser.close()


def raw_http(server, request: bytes, read: int | None = None) -> bytes:
    """``request`` sent on a plain socket; what comes back until the server closes (or ``read`` bytes)."""
    import socket

    port = int(server.http.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(request)
        data = b""
        while read is None or len(data) < read:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def test_http_1_0_a_bad_charset_and_a_client_that_leaves(server, client):
    body = json.dumps({"input": "Good evening.", "voice": "af_heart", "response_format": "pcm"}).encode()
    head = (f"POST /v1/audio/speech HTTP/1.0\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
            f"Content-Type: application/json; charset=bogus\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    answer = raw_http(server, head + body)  # HTTP/1.0 (nginx's default to its upstreams): the body ends at the close
    status, _, audio = answer.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.0 200") and b"chunked" not in status.lower() and len(audio) > 24000, status
    # A client that leaves after the first bytes of a long reply: its request ends, logged as gone, no traceback
    long_text = " ".join(["The kitchen lights were turned off at ten, and the front door is locked."] * 8)
    body = json.dumps({"input": long_text, "voice": "af_heart", "response_format": "pcm"}).encode()
    head = (f"POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    assert raw_http(server, head + body, read=4096).startswith(b"HTTP/1.1 200")
    deadline = time.monotonic() + 30
    while '"outcome": "client gone"' not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert '"outcome": "client gone"' in server.log_text()
    assert len(speak(client, "pcm", text="Still here.")) > 0
    assert "Traceback" not in server.log_text() and "Error handling request" not in server.log_text()


def metric(server, name: str) -> float | None:
    """A metric's value from the HTTP side's /metrics, or None where it cannot be read now."""
    try:
        with urllib.request.urlopen(server.http + "/metrics", timeout=10) as response:
            text = response.read().decode()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None


def test_connections_over_a_cap_and_a_request_cut_at_shutdown(tmp_path):
    """HTTP connections count with the Wyoming ones against max_connections_per_client: one more, on either
    side, is refused (an HTTP one with 503 too-many-connections in OpenAI's shape) while the others go on. On
    SIGTERM, a request cut before its audio began is answered 503 shutting-down, and the server exits 0."""
    import signal
    import socket

    from wyoming.info import Describe

    server = server_process.start_http_server(tmp_path, KEY, "--max-connections-per-client", "2",
                                              "--shutdown-grace", "0.5", "--cache-size", "0")
    port = int(server.http.rsplit(":", 1)[1])
    try:
        held = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(2)]
        answer = raw_http(server, b"GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY.encode()
                          + b"\r\n\r\n")
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503"), answer
        error = json.loads(body)["error"]
        assert error["code"] == "too-many-connections" and "2 are open from 127.0.0.1" in error["message"], error

        async def wyoming_answer():
            async with AsyncClient.from_uri(server.uri) as wyoming:
                await wyoming.write_event(Describe().event())
                return await asyncio.wait_for(wyoming.read_event(), 30)

        event = asyncio.run(wyoming_answer())  # the Wyoming side counts the HTTP connections too
        assert event is not None and event.type == "error" and event.data["code"] == "too-many-connections", event
        for sock in held:  # the connections closed, the server serves again
            sock.close()
        deadline = time.monotonic() + 30
        while metric(server, "wyoming_kokoro_connections_open") != 1.0 and time.monotonic() < deadline:
            time.sleep(0.1)  # (the one open is the one reading the metrics)
        assert metric(server, 'wyoming_kokoro_connections_closed_total{reason="per-client"}') == 2.0
        assert asyncio.run(wyoming_answer()).type == "info"
        # A request whose body has not all arrived when the server stops: cut after the grace, and told so
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(f"POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
                         f"Content-Type: application/json\r\nContent-Length: 200\r\n\r\n".encode()
                         + b'{"input": "Good ev')
            while metric(server, "wyoming_kokoro_requests_in_flight") != 1.0 and time.monotonic() < deadline:
                time.sleep(0.1)
            server.proc.send_signal(signal.SIGTERM)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        code = server.proc.wait(30)
    finally:
        server.stop()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503") and json.loads(body)["error"]["code"] == "shutting-down", answer
    assert code == 0
    log = server.log_text()
    assert "Cutting 1 request(s)" in log and "Traceback" not in log, log
    assert "Refused an HTTP connection from 127.0.0.1: 2 connections are open" in log

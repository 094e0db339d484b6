"""The Wyoming server end to end: a real server process, the real model, the wyoming client library.

Most tests talk to one shared server (the ``kokoro_server`` fixture of conftest.py). A few need their own:
one on a unix socket with special options (a short text limit, a language voice, small audio chunks), and one
per shutdown test. Speech is checked by ear (Whisper) where the content matters.
"""

from __future__ import annotations

import asyncio
import json
import importlib.util
import random
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Sequence

import numpy as np
import pytest
from wyoming.audio import AudioChunk, AudioStart
from wyoming.client import AsyncClient
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop, SynthesizeVoice

try:
    import asr
    import server_process
    import texts
except ModuleNotFoundError:
    from tests import asr, server_process, texts

RATE, WIDTH, CHANNELS = 24000, 2, 1
EVENT_TIMEOUT = 30.0  # the longest wait for any one event of a reply
REPLY_TIMEOUT = 120.0  # the longest wait for a whole reply
MIN_WORD_MATCH = 0.8

STOCK_LANGUAGES = {"en_US", "en_GB", "es_ES", "fr_FR", "hi_IN", "it_IT", "ja_JP", "pt_BR", "zh_CN"}

# Sentences under 60 characters each, so that none is cut after its first clause: one audio segment each.
STREAM_SENTENCES = [
    "Good morning.",
    "The temperature outside is 3.5 degrees.",
    "Take a warm coat and a scarf.",
    "The bus leaves at eight o'clock.",
]
STREAM_TEXT = " ".join(STREAM_SENTENCES)

LONG_TEXT = " ".join(texts.EVENING_SUMMARY[:15])  # about 1,500 characters

def log_records(server, since: int = 0) -> list[dict]:
    """The server's log (JSON lines, one object each) from character ``since`` on."""
    return [json.loads(line) for line in server.log_text()[since:].splitlines() if line.startswith("{")]


def problems(server, since: int = 0) -> list[dict]:
    """Log records at WARNING or above, or with a traceback."""
    return [r for r in log_records(server, since) if r["level"] in ("warning", "error", "critical") or "exception" in r]


# -- client helpers -------------------------------------------------------------------------------------------


async def connect(uri: str) -> AsyncClient:
    client = AsyncClient.from_uri(uri, connect_timeout=10.0)
    await client.connect()
    return client


def local_port(client: AsyncClient) -> int:
    """The client's own port: how the server's log names this connection ("from 127.0.0.1:PORT")."""
    return client._writer.get_extra_info("sockname")[1]  # pylint: disable=protected-access


def abort(client: AsyncClient) -> None:
    """Close the connection abruptly: an RST, no orderly FIN, unsent data thrown away."""
    writer = client._writer  # pylint: disable=protected-access
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
    client._reader = client._writer = None  # pylint: disable=protected-access


async def next_event(client: AsyncClient, timeout: float = EVENT_TIMEOUT) -> Event:
    try:
        event = await asyncio.wait_for(client.read_event(), timeout)
    except asyncio.TimeoutError:
        raise AssertionError(f"no event from the server within {timeout} s") from None
    assert event is not None, "the server closed the connection"
    return event


async def reply(client: AsyncClient, streamed: bool = False, timeout: float = REPLY_TIMEOUT) -> list[Event]:
    """The events of one reply, up to its end: ``synthesize-stopped`` for a streamed request; for a one-shot
    request ``audio-stop``, or an ``error`` outside audio."""
    events: list[Event] = []
    deadline = time.monotonic() + timeout
    audio_open = False
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"reply not complete within {timeout} s; so far: {[e.type for e in events]}"
        event = await next_event(client, min(EVENT_TIMEOUT, left))
        events.append(event)
        if streamed:
            if event.type == "synthesize-stopped":
                return events
            continue
        if event.type == "audio-start":
            audio_open = True
        elif event.type == "audio-stop" or (event.type == "error" and not audio_open):
            return events


async def expect_quiet(client: AsyncClient, seconds: float) -> None:
    """Nothing arrives for ``seconds``."""
    try:
        event = await asyncio.wait_for(client.read_event(), seconds)
    except asyncio.TimeoutError:
        return
    raise AssertionError(f"expected no event, got {event.type if event else 'a closed connection'}")


async def describe(client: AsyncClient) -> Info:
    """Describe round trip; the next event must be the info (so nothing stray was left before it)."""
    await client.write_event(Describe().event())
    event = await next_event(client, 10.0)
    assert Info.is_type(event.type), f"expected info, got {event.type} {event.data}"
    return Info.from_event(event)


async def one_shot(uri: str, text: str, voice: SynthesizeVoice | None = None) -> list[Event]:
    client = await connect(uri)
    try:
        await client.write_event(Synthesize(text=text, voice=voice).event())
        return await reply(client)
    finally:
        await client.disconnect()


# -- reply checks ----------------------------------------------------------------------------------------------


def types(events: Sequence[Event]) -> list[str]:
    return [e.type for e in events]


def segment_audio(events: Sequence[Event], samples_per_chunk: int = 1024, allow_empty: bool = False) -> bytes:
    """Check one audio segment (audio-start, audio-chunk…, audio-stop) and return its PCM."""
    assert events, "no events"
    assert events[0].type == "audio-start" and events[-1].type == "audio-stop", types(events)
    start = AudioStart.from_event(events[0])
    assert (start.rate, start.width, start.channels) == (RATE, WIDTH, CHANNELS)
    middle = events[1:-1]
    assert all(e.type == "audio-chunk" for e in middle), types(events)
    if not allow_empty:
        assert middle, "an audio segment without a chunk"
    pcm = bytearray()
    for event in middle:
        chunk = AudioChunk.from_event(event)
        assert (chunk.rate, chunk.width, chunk.channels) == (RATE, WIDTH, CHANNELS)
        assert 0 < len(chunk.audio) <= samples_per_chunk * WIDTH and len(chunk.audio) % WIDTH == 0, len(chunk.audio)
        pcm += chunk.audio
    return bytes(pcm)


def one_shot_audio(events: Sequence[Event], samples_per_chunk: int = 1024) -> np.ndarray:
    """The audio of a one-shot reply, checked: one audio-start, its chunks, one audio-stop, nothing else."""
    assert types(events).count("audio-start") == 1 and types(events).count("audio-stop") == 1, types(events)
    pcm = segment_audio(events, samples_per_chunk)
    return np.frombuffer(pcm, dtype="<i2")


def streamed_segments(events: Sequence[Event], samples_per_chunk: int = 1024) -> list[np.ndarray]:
    """The audio segments of a streamed reply, checked: (audio-start, chunks, audio-stop)… synthesize-stopped."""
    assert events and events[-1].type == "synthesize-stopped", types(events)
    assert "error" not in types(events), [e.data for e in events if e.type == "error"]
    segments: list[np.ndarray] = []
    i = 0
    body = events[:-1]
    while i < len(body):
        assert body[i].type == "audio-start", f"event {i}: {types(events)}"
        end = types(body).index("audio-stop", i)
        segments.append(np.frombuffer(segment_audio(body[i : end + 1], samples_per_chunk), dtype="<i2"))
        i = end + 1
    return segments


def error_code(events: Sequence[Event]) -> str | None:
    errors = [Error.from_event(e) for e in events if e.type == "error"]
    assert len(errors) == 1, types(events)
    return errors[0].code


def hears(whisper, audio: np.ndarray, text: str) -> str:
    """Transcribe ``audio`` and check that it says ``text``; returns the transcript."""
    transcript = asr.transcribe(whisper, audio, RATE, "en")
    score = asr.word_match(text, transcript, "en")
    assert score >= MIN_WORD_MATCH, f"{text!r} heard as {transcript!r} ({score:.2f} of words)"
    return transcript


def says_three_point_five(transcript: str) -> bool:
    return "three point five" in " ".join(asr.normalize(transcript, "en"))


def request_lines(server, client_port: int | None, count: int, since: int = 0, timeout: float = 10.0) -> list[dict]:
    """The server's log lines of the requests of one connection (by its port; None: a unix socket client, which
    the log calls "local", and then ``since``, the log's length before, tells them apart), waiting until there
    are ``count`` of them (a request is logged just after its last event is sent)."""
    client = "local" if client_port is None else f"127.0.0.1:{client_port}"
    deadline = time.monotonic() + timeout
    while True:
        found = [
            {**r, "level": r["level"].upper()}
            for r in log_records(server, since) if r.get("event") == "request" and r.get("client") == client
        ]
        if len(found) >= count or time.monotonic() > deadline:
            assert len(found) == count, f"{len(found)} request lines for {client}, expected {count}"
            return found
        time.sleep(0.05)


def chunks_at(text: str, cuts: set[int]) -> list[str]:
    bounds = [0, *sorted(c for c in cuts if 0 < c < len(text)), len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:])]


def random_deltas(text: str, seed: int) -> list[str]:
    """``text`` cut at random places, and always inside a word and inside the number "3.5" (both sides of its
    point)."""
    rng = random.Random(seed)
    cuts = set(rng.sample(range(1, len(text)), 14))
    number = text.index("3.5")
    cuts |= {number + 1, number + 2}
    word = text.index("temperature")
    cuts.add(word + rng.randint(2, 9))
    deltas = chunks_at(text, cuts)
    assert "".join(deltas) == text and any(d.endswith("3") for d in deltas) and "." in deltas
    return deltas


async def stream(client: AsyncClient, deltas: Sequence[str], voice: SynthesizeVoice | None = None,
                 compat_text: str | None = None, rng: random.Random | None = None) -> list[Event]:
    """A whole streamed request: start, the deltas (a few ms apart when ``rng``), the compatibility
    synthesize when ``compat_text``, stop; returns the reply."""
    await client.write_event(SynthesizeStart(voice=voice).event())
    for delta in deltas:
        await client.write_event(SynthesizeChunk(text=delta).event())
        if rng is not None:
            await asyncio.sleep(rng.uniform(0, 0.03))
    if compat_text is not None:
        await client.write_event(Synthesize(text=compat_text, voice=voice).event())
    await client.write_event(SynthesizeStop().event())
    return await reply(client, streamed=True)


def run(coro):
    return asyncio.run(coro)


# -- a second server: unix socket, short text limit, a language's voice set, small chunks ----------------------

SPECIAL_LIMIT = 300
SPECIAL_CHUNK = 500


@pytest.fixture(scope="module")
def special_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("special-server")
    server = server_process.start_server(
        tmp, "--max-text-length", str(SPECIAL_LIMIT), "--language-voices", "en_GB=bm_george",
        "--samples-per-chunk", str(SPECIAL_CHUNK), uri=f"unix://{tmp / 'kokoro.sock'}",
    )
    try:
        yield server
    finally:
        server.stop()


# -- describe ---------------------------------------------------------------------------------------------------


def test_describe_lists_one_tts_program_and_every_voice(kokoro_server):
    async def go():
        client = await connect(kokoro_server.uri)
        try:
            info = await describe(client)
            await expect_quiet(client, 0.3)  # exactly one info
            return info
        finally:
            await client.disconnect()

    info = run(go())
    assert len(info.tts) == 1 and not info.asr and not info.wake and not info.handle and not info.intent
    program = info.tts[0]
    assert program.name == "kokoro"
    assert program.installed and program.version and program.description
    assert program.attribution.name and program.attribution.url
    assert program.supports_synthesize_streaming is True
    assert len(program.voices) == 54
    assert len({v.name for v in program.voices}) == 54
    languages = set()
    for voice in program.voices:
        assert voice.installed and voice.description and voice.version
        assert voice.attribution.name and voice.attribution.url
        assert isinstance(voice.languages, list) and len(voice.languages) == 1, (voice.name, voice.languages)
        languages.update(voice.languages)
    assert languages == STOCK_LANGUAGES
    by_name = {v.name: v for v in program.voices}
    assert by_name["af_heart"].languages == ["en_US"]  # "af" is American female, not Afrikaans
    assert by_name["bf_emma"].languages == ["en_GB"]
    assert by_name["zf_xiaobei"].languages == ["zh_CN"]
    assert by_name["jf_alpha"].languages == ["ja_JP"]


def test_unix_socket_server_describes_itself(special_server):
    assert special_server.uri.startswith("unix://")

    async def go():
        client = await connect(special_server.uri)
        try:
            return await describe(client)
        finally:
            await client.disconnect()

    info = run(go())
    assert info.tts[0].name == "kokoro" and len(info.tts[0].voices) == 54


def test_health_check_passes_against_the_running_server(kokoro_server):
    if importlib.util.find_spec("wyoming_kokoro.health_check") is None:
        pytest.skip("wyoming_kokoro/health_check.py is not there (yet)")
    result = subprocess.run(
        [sys.executable, "-m", "wyoming_kokoro.health_check", "--uri", kokoro_server.uri],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- one-shot synthesis -----------------------------------------------------------------------------------------


def test_one_shot_reply_is_speech_of_the_text(kokoro_server, whisper):
    text = "The kitchen lights are off, and the front door is locked."

    async def go():
        client = await connect(kokoro_server.uri)
        try:
            await client.write_event(Synthesize(text=text).event())
            events = await reply(client)
            await describe(client)  # the next event after the audio-stop is the info: nothing else came
            return events, local_port(client)
        finally:
            await client.disconnect()

    events, port = run(go())
    audio = one_shot_audio(events)
    assert 1.5 < len(audio) / RATE < 8, f"{len(audio) / RATE:.2f} s of audio"
    hears(whisper, audio, text)
    [line] = request_lines(kokoro_server, port, 1)
    assert (line["outcome"], line["voice"], line["language"], line["kind"]) == ("ok", "af_heart", "en-us", "one-shot")


def test_voice_by_name_by_language_by_blend_and_default(kokoro_server):
    text = "Hello there."
    requests = [
        None,  # the server's default: af_heart
        SynthesizeVoice(name="bf_emma"),
        SynthesizeVoice(language="en_GB"),  # British English's default voice: bf_emma
        SynthesizeVoice(name="af_heart:0.5,am_michael:0.5"),
        SynthesizeVoice(language="en_US"),  # the server's default voice speaks en_US: af_heart
    ]

    async def go():
        client = await connect(kokoro_server.uri)
        try:
            replies = []
            for voice in requests:
                await client.write_event(Synthesize(text=text, voice=voice).event())
                replies.append(await reply(client))
            return replies, local_port(client)
        finally:
            await client.disconnect()

    replies, port = run(go())
    audio = [one_shot_audio(events) for events in replies]
    default, emma, british, blend, american = audio
    lines = request_lines(kokoro_server, port, len(requests))
    assert [line["voice"] for line in lines] == [
        "af_heart", "bf_emma", "bf_emma", "af_heart:0.5,am_michael:0.5", "af_heart"
    ]
    assert [line["language"] for line in lines] == ["en-us", "en-gb", "en-gb", "en-us", "en-us"]
    assert all(line["outcome"] == "ok" for line in lines)
    # Same text, voice and server: the same audio. Another voice: other audio.
    assert np.array_equal(emma, british)
    assert np.array_equal(default, american)
    assert not np.array_equal(default, emma)
    assert not np.array_equal(blend, default) and not np.array_equal(blend, emma)


def test_language_voice_option_and_samples_per_chunk(special_server):
    text = "Hello there."
    log_before = len(special_server.log_text())

    async def go():
        client = await connect(special_server.uri)
        try:
            replies = []
            for voice in (SynthesizeVoice(language="en_GB"), SynthesizeVoice(name="bm_george"), None):
                await client.write_event(Synthesize(text=text, voice=voice).event())
                replies.append(await reply(client))
            return replies
        finally:
            await client.disconnect()

    by_language, george, default = [one_shot_audio(r, SPECIAL_CHUNK) for r in run(go())]
    assert [line["voice"] for line in request_lines(special_server, None, 3, since=log_before)] == ["bm_george", "bm_george", "af_heart"]
    assert np.array_equal(by_language, george)
    assert not np.array_equal(george, default)


def test_empty_or_blank_text_gives_empty_audio(kokoro_server):
    async def go():
        client = await connect(kokoro_server.uri)
        try:
            replies = []
            for text in ("", "   \n\t  "):
                await client.write_event(Synthesize(text=text).event())
                replies.append(await reply(client))
            await describe(client)
            return replies
        finally:
            await client.disconnect()

    for events in run(go()):
        assert types(events) == ["audio-start", "audio-stop"]
        segment_audio(events, allow_empty=True)


def test_unknown_event_is_ignored(kokoro_server):
    async def go():
        client = await connect(kokoro_server.uri)
        try:
            await client.write_event(Event(type="not-a-real-event", data={}))
            await client.write_event(Event(type="another-unknown-one", data={"text": "Hello."}))
            await expect_quiet(client, 0.5)
            await describe(client)
            await client.write_event(Synthesize(text="Hi.").event())
            return await reply(client)
        finally:
            await client.disconnect()

    one_shot_audio(run(go()))


# -- errors -----------------------------------------------------------------------------------------------------


def test_errors_have_codes_and_the_connection_goes_on(kokoro_server):
    bad_requests = [
        (Synthesize(text="Hello.", voice=SynthesizeVoice(name="xx_nobody")), "unknown-voice"),
        (Synthesize(text="Hello.", voice=SynthesizeVoice(name="af_heart:0.5,xx_nobody:0.5")), "unknown-voice"),
        (Synthesize(text="Hello.", voice=SynthesizeVoice(language="xx_XX")), "unknown-language"),
        (Synthesize(text="Hi. " * 2500 + "x"), "text-too-long"),  # 10001 characters
        (Event(type="synthesize", data={"voice": {"name": "af_heart"}}), "bad-request"),  # no text
        (Event(type="synthesize", data={"text": "Hi.", "voice": "af_heart"}), "bad-request"),  # voice not a map
        (Event(type="synthesize", data={"text": 42}), "bad-request"),
    ]

    async def go():
        client = await connect(kokoro_server.uri)
        try:
            codes = []
            for request, _ in bad_requests:
                await client.write_event(request if isinstance(request, Event) else request.event())
                events = await reply(client)
                assert types(events) == ["error"], types(events)
                codes.append(error_code(events))
                await describe(client)
            # a streamed request with an unknown voice: the error, then synthesize-stopped
            await client.write_event(SynthesizeStart(voice=SynthesizeVoice(name="xx_nobody")).event())
            await client.write_event(SynthesizeChunk(text="Hello there. ").event())
            await client.write_event(SynthesizeStop().event())
            streamed = await reply(client, streamed=True)
            # and the connection still speaks
            await client.write_event(Synthesize(text="Hi.").event())
            return codes, streamed, await reply(client)
        finally:
            await client.disconnect()

    codes, streamed, last = run(go())
    assert codes == [code for _, code in bad_requests]
    assert types(streamed) == ["error", "synthesize-stopped"] and error_code(streamed) == "unknown-voice"
    one_shot_audio(last)


def test_text_limit_is_the_servers_option(special_server):
    # Blank padding costs no synthesis: what counts is the length of the text as sent.
    at_limit = "Hi." + " " * (SPECIAL_LIMIT - 3)
    over_limit = at_limit + " "

    async def go():
        client = await connect(special_server.uri)
        try:
            await client.write_event(Synthesize(text=over_limit).event())
            over = await reply(client)
            await client.write_event(Synthesize(text=at_limit).event())
            at = await reply(client)
            return over, at
        finally:
            await client.disconnect()

    over, at = run(go())
    assert types(over) == ["error"] and error_code(over) == "text-too-long"
    assert len(one_shot_audio(at, SPECIAL_CHUNK)) > 0


def test_stream_over_the_text_limit_is_an_error(special_server):
    # No sentence end and no clause mark: nothing can be spoken before the limit is passed.
    word_run = "lights " * 15  # 105 characters a chunk; three of them pass the limit of 300

    async def go():
        client = await connect(special_server.uri)
        try:
            await client.write_event(SynthesizeStart().event())
            for _ in range(3):
                await client.write_event(SynthesizeChunk(text=word_run).event())
            streamed = await reply(client, streamed=True)  # at once: no synthesize-stop needed
            await client.write_event(SynthesizeChunk(text=word_run).event())  # late: ignored
            await client.write_event(SynthesizeStop().event())  # ends nothing more: no second synthesize-stopped
            await describe(client)
            await client.write_event(Synthesize(text="Hi.").event())
            return streamed, await reply(client)
        finally:
            await client.disconnect()

    streamed, last = run(go())
    assert types(streamed) == ["error", "synthesize-stopped"], types(streamed)
    assert error_code(streamed) == "text-too-long"
    one_shot_audio(last, SPECIAL_CHUNK)


# -- streaming --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("compat", [False, True], ids=["deltas-only", "with-compat-synthesize"])
def test_stream_speaks_one_segment_per_sentence(kokoro_server, whisper, compat):
    seed = 7 if compat else 3
    deltas = random_deltas(STREAM_TEXT, seed)

    async def go():
        client = await connect(kokoro_server.uri)
        try:
            events = await stream(client, deltas, SynthesizeVoice(name="af_heart"),
                                  compat_text=STREAM_TEXT if compat else None, rng=random.Random(seed))
            await describe(client)  # nothing came after synthesize-stopped (no reply to the compat synthesize)
            return events, local_port(client)
        finally:
            await client.disconnect()

    events, port = run(go())
    segments = streamed_segments(events)
    assert len(segments) == len(STREAM_SENTENCES), f"{len(segments)} segments for deltas {deltas!r}"
    transcript = hears(whisper, np.concatenate(segments), STREAM_TEXT)
    assert says_three_point_five(transcript), transcript
    [line] = request_lines(kokoro_server, port, 1)
    assert (line["kind"], line["outcome"]) == ("streamed", "ok")


def test_a_complete_sentence_is_spoken_before_the_stream_ends(kokoro_server):
    async def go():
        client = await connect(kokoro_server.uri)
        try:
            await client.write_event(SynthesizeStart().event())
            await client.write_event(SynthesizeChunk(text="Turn on the lights. ").event())
            first = await next_event(client, 20.0)  # no synthesize-stop sent
            segment = [first]
            while segment[-1].type != "audio-stop":
                segment.append(await next_event(client))
            await client.write_event(SynthesizeStop().event())
            rest = await reply(client, streamed=True)
            return segment, rest
        finally:
            await client.disconnect()

    segment, rest = run(go())
    assert segment[0].type == "audio-start", types(segment)
    assert len(segment_audio(segment)) / WIDTH / RATE > 0.5
    assert types(rest) == ["synthesize-stopped"]


def test_a_number_cut_at_its_point_waits_for_the_rest(kokoro_server, whisper):
    async def go():
        client = await connect(kokoro_server.uri)
        try:
            await client.write_event(SynthesizeStart().event())
            await client.write_event(SynthesizeChunk(text="It is 3.").event())
            await expect_quiet(client, 1.5)  # "3." may go on as "3.5": not a sentence yet
            await client.write_event(SynthesizeChunk(text="5 degrees.").event())
            await client.write_event(SynthesizeStop().event())
            return await reply(client, streamed=True)
        finally:
            await client.disconnect()

    segments = streamed_segments(run(go()))
    assert len(segments) == 1
    transcript = hears(whisper, segments[0], "It is 3.5 degrees.")
    assert says_three_point_five(transcript), transcript


# -- concurrency ------------------------------------------------------------------------------------------------


def test_describe_is_answered_at_once_while_another_client_synthesizes(kokoro_server):
    assert len(LONG_TEXT) > 1450

    async def go():
        talker = await connect(kokoro_server.uri)
        first_chunk = asyncio.Event()
        chunks = 0

        async def listen():
            nonlocal chunks
            while True:
                event = await next_event(talker)
                if event.type == "audio-chunk":
                    chunks += 1
                    first_chunk.set()
                if event.type in ("audio-stop", "error"):
                    return event

        await talker.write_event(Synthesize(text=LONG_TEXT).event())
        listener = asyncio.create_task(listen())
        try:
            await asyncio.wait_for(first_chunk.wait(), 30)
            probe = await connect(kokoro_server.uri)
            try:
                times = []
                for _ in range(5):
                    started = time.perf_counter()
                    await describe(probe)
                    times.append(time.perf_counter() - started)
                    await asyncio.sleep(0.15)
            finally:
                await probe.disconnect()
            assert not listener.done(), "the long reply ended before the describes: nothing was measured"
            return times, chunks
        finally:
            listener.cancel()
            abort(talker)

    times, chunks = run(go())
    assert chunks > 0
    assert max(times) < 0.1, [f"{t * 1000:.0f} ms" for t in times]


def test_several_clients_at_once_each_get_their_own_speech(kokoro_server, whisper):
    requests = [
        ("The front door is locked.", "af_heart"),
        ("The garage is closed.", "bf_emma"),
        ("Dinner is at seven.", "am_michael"),
        ("The window is open.", "bm_george"),
    ]
    keywords = ["door", "garage", "dinner", "window"]

    async def go():
        clients = [await connect(kokoro_server.uri) for _ in requests]
        try:
            for client, (text, voice) in zip(clients, requests):
                await client.write_event(Synthesize(text=text, voice=SynthesizeVoice(name=voice)).event())
            return await asyncio.gather(*(reply(client) for client in clients))
        finally:
            for client in clients:
                await client.disconnect()

    replies = run(go())
    audio = [one_shot_audio(events) for events in replies]
    gap = np.zeros(RATE // 2, dtype=np.int16)
    together = np.concatenate([part for a in audio for part in (a, gap)])
    transcript = hears(whisper, together, " ".join(text for text, _ in requests))
    words = asr.normalize(transcript, "en")
    positions = [words.index(k) if k in words else -1 for k in keywords]
    assert -1 not in positions and positions == sorted(positions), f"replies mixed up: {transcript!r}"


def test_a_client_gone_mid_stream_stops_only_its_own_request(kokoro_server):
    time.sleep(0.5)  # what the server logs about earlier tests' connections is logged by now
    log_before = len(kokoro_server.log_text())

    async def go():
        leaver = await connect(kokoro_server.uri)
        leaver_port = local_port(leaver)
        await leaver.write_event(SynthesizeStart().event())
        for i in range(0, len(LONG_TEXT), 80):
            await leaver.write_event(SynthesizeChunk(text=LONG_TEXT[i : i + 80]).event())
        while (await next_event(leaver)).type != "audio-chunk":
            pass
        abort(leaver)
        events = await one_shot(kokoro_server.uri, "The server is still here.")
        return leaver_port, events

    leaver_port, events = run(go())
    one_shot_audio(events)
    assert kokoro_server.proc.poll() is None, "the server died"

    # The disconnect is logged at INFO: "Client … disconnected; stopping its N request(s)" when the server's
    # reading noticed first, or the request's own line with its outcome "client gone" when its writing did.
    client = f"127.0.0.1:{leaver_port}"
    [line] = request_lines(kokoro_server, leaver_port, 1)
    assert line["level"] == "INFO" and line["outcome"] in ("client gone", "cancelled"), line
    if line["outcome"] == "cancelled":
        gone = [r for r in log_records(kokoro_server) if f"Client {client} disconnected" in r["event"]]
        assert len(gone) == 1 and gone[0]["level"] == "info", gone
    time.sleep(0.5)  # anything logged late about the connection
    assert problems(kokoro_server, log_before) == []
    assert "Traceback" not in kokoro_server.log_text()[log_before:]


# -- shutdown ---------------------------------------------------------------------------------------------------


def test_sigterm_refuses_new_connections_lets_the_reply_finish_and_exits_0(tmp_path, whisper):
    text = "The kitchen lights are off, and the front door is locked. The garage is closed for the night."
    # A generous grace, so that a slow machine still finishes the reply: what is tested is that it is used.
    server = server_process.start_server(tmp_path, "--shutdown-grace", "30")
    try:
        async def go():
            client = await connect(server.uri)
            try:
                await client.write_event(Synthesize(text=text).event())
                events = [await next_event(client)]
                while events[-1].type != "audio-chunk":
                    events.append(await next_event(client))
                server.proc.send_signal(signal.SIGTERM)
                signalled = time.monotonic()
                # While the reply is being finished, a new connection is refused.
                while "Stopping" not in server.log_text():
                    assert time.monotonic() < signalled + 10, "no 'Stopping' in the log 10 s after SIGTERM"
                    await asyncio.sleep(0.02)
                refused_while_draining = await refused(server.uri)
                alive = server.proc.poll() is None
                events += await reply(client)
                return events, signalled, refused_while_draining, alive
            finally:
                await client.disconnect()

        events, signalled, refused_while_draining, alive = run(go())
        audio = one_shot_audio(events)  # the whole reply: one audio-start, its chunks, the audio-stop
        try:
            code = server.proc.wait(10)
        except subprocess.TimeoutExpired:
            raise AssertionError("the server did not exit within 10 s of its last reply") from None
        assert code == 0, server.log_text()
        assert time.monotonic() - signalled < 30
        log = server.log_text()
        assert "Stopping" in log and "Stopped" in log and "Traceback" not in log, log
        assert problems(server) == [], log
        assert alive, "the server exited before the reply was finished"
        assert refused_while_draining, "a new connection was accepted after SIGTERM"
        assert run(refused(server.uri)), "a connection was accepted after the server exited"
        hears(whisper, audio, text)  # the reply is complete, to its last words
    finally:
        server.stop()


async def refused(uri: str) -> bool:
    try:
        client = await connect(uri)
    except ConnectionRefusedError:
        return True
    await client.disconnect()
    return False


ASSISTANT_MARKDOWN = (
    "## Weather\n\n"
    "- **Today:** 21°C and sunny 🌞\n"
    "- **Tomorrow:** rain from 3:45 PM, about 5-10 mm\n\n"
    "| Room | Temperature |\n|---|---|\n| Kitchen | 19.5°C |\n\n"
    "Details at https://www.weather.gov/forecast?id=42!!!"
)
#: What a listener should hear: the markdown, emoji and URL read as a person would, numbers and units as words.
ASSISTANT_SPOKEN = (
    "Weather. Today: 21 degrees Celsius and sunny. Tomorrow: rain from three forty-five PM, about 5 to 10 "
    "millimeters. Room, Temperature. Kitchen, 19.5 degrees Celsius. Details at weather dot gov!"
)


@pytest.mark.parametrize("mode", ["one-shot", "streamed"])
def test_markdown_numbers_units_and_urls_are_spoken_as_words(kokoro_server, whisper, mode):
    async def go():
        client = await connect(kokoro_server.uri)
        try:
            if mode == "one-shot":
                await client.write_event(Synthesize(text=ASSISTANT_MARKDOWN).event())
                return one_shot_audio(await reply(client))
            deltas = [ASSISTANT_MARKDOWN[i : i + 3] for i in range(0, len(ASSISTANT_MARKDOWN), 3)]  # LLM-like tokens
            events = await stream(client, deltas, None, compat_text=ASSISTANT_MARKDOWN, rng=random.Random(11))
            return np.concatenate(streamed_segments(events))
        finally:
            await client.disconnect()

    audio = run(go())
    transcript = hears(whisper, audio, ASSISTANT_SPOKEN)
    heard = " ".join(asr.normalize(transcript, "en"))
    for absent in ("asterisk", "hash", "pipe", "https", "slash", "question mark", "sun"):
        assert absent not in heard.split(), f"{absent!r} in {transcript!r}"

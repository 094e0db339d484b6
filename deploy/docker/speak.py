"""Ask a Wyoming TTS server for speech and write it to standard output as a WAV file.

    python speak.py --uri tcp://127.0.0.1:10200 --text "The kitchen light is on." > reply.wav

Only the standard library and the ``wyoming`` package: it runs inside the image (``docker exec -i CONTAINER
python - ARGS < speak.py``) as well as on the host. Exits 1 with the server's error when there is no audio.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import wave

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient
from wyoming.error import Error
from wyoming.tts import Synthesize


async def speak(uri: str, text: str, timeout: float) -> tuple[bytes, int, int, int]:
    """The PCM of ``text``, and its rate, sample width and channels."""
    pcm, rate, width, channels = bytearray(), 24000, 2, 1
    async with AsyncClient.from_uri(uri) as client:
        await client.write_event(Synthesize(text=text).event())
        while True:
            event = await asyncio.wait_for(client.read_event(), timeout)
            if event is None:
                raise SystemExit("the server closed the connection before audio-stop")
            if Error.is_type(event.type):
                raise SystemExit(f"the server answered with an error: {Error.from_event(event)}")
            if AudioStart.is_type(event.type):
                start = AudioStart.from_event(event)
                rate, width, channels = start.rate, start.width, start.channels
            elif AudioChunk.is_type(event.type):
                pcm += AudioChunk.from_event(event).audio
            elif AudioStop.is_type(event.type):
                return bytes(pcm), rate, width, channels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uri", default="tcp://127.0.0.1:10200")
    parser.add_argument("--text", required=True)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each event")
    args = parser.parse_args()
    pcm, rate, width, channels = asyncio.run(speak(args.uri, args.text, args.timeout))
    if not pcm:
        raise SystemExit("no audio")
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(pcm)
    sys.stdout.buffer.write(out.getvalue())


if __name__ == "__main__":
    main()

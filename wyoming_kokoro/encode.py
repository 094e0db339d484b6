"""Audio in the formats of OpenAI's speech API, encoded as it is made: ``pcm`` and ``wav`` by hand, ``mp3``,
``opus`` (in Ogg), ``aac`` (ADTS) and ``flac`` with PyAV (FFmpeg's encoders, in one wheel).

An :class:`Encoder` takes 16-bit PCM at 24 kHz, mono, piece by piece, and gives the bytes to send so far; the
container is written to a stream that cannot seek, so every format can go out while the rest is synthesized. The
encoding is plain synchronous code (the HTTP side runs it in a thread).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from .engine.audio import SAMPLE_RATE


@dataclass(frozen=True)
class Format:
    """One ``response_format``: its MIME type, and for PyAV the container, codec, rate and bit rate."""

    name: str
    media_type: str
    container: str | None = None  # None: written by hand (pcm, wav)
    codec: str | None = None
    rate: int = SAMPLE_RATE
    bit_rate: int | None = None
    options: tuple[tuple[str, str], ...] = ()  # the container's (muxer's) options


FORMATS: dict[str, Format] = {
    f.name: f for f in (
        Format("mp3", "audio/mpeg", "mp3", "libmp3lame", bit_rate=64_000),
        # Opus has no 24 kHz rate; Ogg pages of 20 ms, not the muxer's default second, so the audio streams
        Format("opus", "audio/ogg", "ogg", "libopus", rate=48_000, bit_rate=32_000,
               options=(("page_duration", "20000"),)),
        Format("aac", "audio/aac", "adts", "aac", bit_rate=64_000),
        Format("flac", "audio/flac", "flac", "flac"),
        Format("wav", "audio/wav"),
        Format("pcm", "audio/pcm"),  # 16-bit little-endian, 24 kHz, mono, no header (as OpenAI's)
    )
}


def wav_header(rate: int = SAMPLE_RATE) -> bytes:
    """A WAV header for 16-bit mono PCM of a length not known yet: its sizes are the largest there are, as
    OpenAI's streamed WAV has them (players read to the end of the stream)."""
    unknown = 0xFFFFFFFF
    return (b"RIFF" + struct.pack("<I", unknown) + b"WAVE" + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
            + b"data" + struct.pack("<I", unknown))


class _Sink:
    """A write-only stream that keeps what it is given until :meth:`take`."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


class Encoder:
    """Encodes 16-bit mono PCM at 24 kHz into one of :data:`FORMATS`, piece by piece."""

    def __init__(self, name: str) -> None:
        self.format = FORMATS[name]
        self._started = False
        self._container = self._stream = self._resampler = None
        self._sink = _Sink()
        self._samples = 0
        if self.format.container is not None:
            import av  # (imported when a compressed format is asked for: the Wyoming side never needs it)

            fmt = self.format
            self._container = av.open(self._sink, mode="w", format=fmt.container, options=dict(fmt.options))
            stream = self._container.add_stream(fmt.codec, rate=fmt.rate, layout="mono")
            if fmt.bit_rate:
                stream.bit_rate = fmt.bit_rate
            self._stream = stream
            self._resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=fmt.rate)

    def encode(self, pcm: bytes) -> bytes:
        """The bytes to send for ``pcm`` (16-bit little-endian, 24 kHz, mono): possibly none yet (an encoder
        holds a frame's worth back)."""
        fmt = self.format
        if fmt.container is None:
            head = b""
            if not self._started and fmt.name == "wav":
                head = wav_header()
            self._started = True
            return head + pcm
        import av

        samples = np.frombuffer(pcm, dtype="<i2").reshape(1, -1)
        if samples.shape[1]:
            frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
            frame.sample_rate = SAMPLE_RATE
            frame.pts = self._samples
            self._samples += samples.shape[1]
            for converted in self._resampler.resample(frame):
                for packet in self._stream.encode(converted):
                    self._container.mux(packet)
        return self._sink.take()

    def finish(self) -> bytes:
        """The last bytes: what the encoder held back, and the container's end."""
        fmt = self.format
        if fmt.container is None:
            return b"" if self._started or fmt.name != "wav" else wav_header()
        for converted in self._resampler.resample(None):
            for packet in self._stream.encode(converted):
                self._container.mux(packet)
        for packet in self._stream.encode(None):
            self._container.mux(packet)
        self._container.close()
        return self._sink.take()

    def close(self) -> None:
        """Let go of the encoder without finishing (the client went away)."""
        if self._container is not None:
            try:
                self._container.close()
            except Exception:  # an unfinished stream may not close cleanly; nothing is sent any more
                pass

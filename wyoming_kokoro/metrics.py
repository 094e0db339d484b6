"""Prometheus metrics (prometheus-client), served over HTTP on ``metrics_port`` when it is set.

All names start with ``wyoming_kokoro_``. The metrics live in their own registry, so that two servers in one
process (the tests) do not collide.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, start_http_server

from . import __version__

_LOGGER = logging.getLogger(__name__)

_LATENCY_BUCKETS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0)
_RTF_BUCKETS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0, 5.0)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "wyoming_kokoro_requests", "Requests by kind (one-shot, streamed) and outcome (ok, error, cancelled, "
            "client_gone)", ["kind", "outcome"], registry=r,
        )
        self.errors = Counter("wyoming_kokoro_errors", "Error events sent, by code", ["code"], registry=r)
        self.first_audio = Histogram(
            "wyoming_kokoro_time_to_first_audio_seconds", "From the request to its first audio chunk",
            buckets=_LATENCY_BUCKETS, registry=r,
        )
        self.rtf = Histogram(
            "wyoming_kokoro_real_time_factor", "Inference seconds per audio second, per request",
            buckets=_RTF_BUCKETS, registry=r,
        )
        self.audio_seconds = Counter("wyoming_kokoro_audio_seconds", "Seconds of audio sent", registry=r)
        self.characters = Counter("wyoming_kokoro_characters", "Characters of text synthesized", registry=r)
        self.g2p_words = Counter(
            "wyoming_kokoro_g2p_words",
            "Words phonemized, by source (lexicon: misaki's; user: --lexicon; fallback: espeak-ng for a word misaki "
            "does not know; other: the language's only backend)", ["source"], registry=r,
        )
        self.g2p_text_fallbacks = Counter(
            "wyoming_kokoro_g2p_text_fallbacks", "Whole texts phonemized by espeak-ng because misaki failed on them",
            registry=r,
        )
        self.g2p_unknown_words = Counter(
            "wyoming_kokoro_g2p_unknown_words", "Words no G2P backend could phonemize (left unspoken)", registry=r,
        )
        self.dropped_symbols = Counter(
            "wyoming_kokoro_dropped_symbols", "Phoneme symbols outside Kokoro's vocabulary, dropped", registry=r,
        )
        self.phoneme_cache = Counter(
            "wyoming_kokoro_phoneme_cache", "Phoneme cache look-ups by result (hit, miss)", ["result"], registry=r,
        )
        self.audio_cache = Counter(
            "wyoming_kokoro_audio_cache", "Pieces served from the audio cache (hit) or synthesized (miss)",
            ["result"], registry=r,
        )
        self.queue_depth = Gauge("wyoming_kokoro_queue_depth", "Pieces waiting for the model", registry=r)
        self.in_flight = Gauge("wyoming_kokoro_requests_in_flight", "Requests being served", registry=r)
        self.model_load = Gauge("wyoming_kokoro_model_load_seconds", "Time the model took to load", registry=r)
        self.build = Info("wyoming_kokoro_build", "Version, model and execution providers", registry=r)
        for label in ("ok", "error", "cancelled", "client_gone"):
            for kind in ("one-shot", "streamed"):
                self.requests.labels(kind, label)
        for source in ("lexicon", "user", "fallback", "other"):
            self.g2p_words.labels(source)
        for result in ("hit", "miss"):
            self.phoneme_cache.labels(result)
            self.audio_cache.labels(result)

    def set_build(self, model_sha256: str, providers: list[str], load_seconds: float) -> None:
        self.build.info({"version": __version__, "model_sha256": model_sha256, "providers": ",".join(providers)})
        self.model_load.set(load_seconds)

    def watch_queue(self, depth: Callable[[], int]) -> None:
        self.queue_depth.set_function(depth)

    def serve(self, port: int, host: str = "") -> None:
        """Serve ``/metrics`` on ``port`` in a background thread."""
        start_http_server(port, addr=host or "0.0.0.0", registry=self.registry)
        _LOGGER.info("Metrics on http://%s:%d/metrics", host or "0.0.0.0", port)

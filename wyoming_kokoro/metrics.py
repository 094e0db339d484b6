"""What each request did, and the Prometheus metrics (prometheus-client) served on ``metrics_port`` when set.

A :class:`RequestRecord` is how one request went: the fields of its log line and what :meth:`Metrics.observe`
adds to the metrics. All metric names start with ``wyoming_kokoro_``. The metrics live in their own registry, so
that two servers in one process (the tests) do not collide.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, start_http_server

from . import __version__
from .costs import CostModel
from .pipeline import RequestStats

_LOGGER = logging.getLogger(__name__)

_LATENCY_BUCKETS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0)
#: Why the server closes or refuses a connection: the label values of wyoming_kokoro_connections_closed.
CLOSE_REASONS = ("bad-frame", "idle-timeout", "total", "per-client")
_RTF_BUCKETS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0, 5.0)


@dataclass
class RequestRecord:
    """How one request went."""

    rid: str
    client: str
    kind: str  # "one-shot" or "streamed"
    stats: RequestStats = field(default_factory=RequestStats)
    voice: str = "-"
    language: str = "-"
    outcome: str = "unfinished"  # ok, error, cancelled, client gone
    code: str | None = None  # the error code sent, if any

    def fields(self) -> dict:
        """The request's log line: its voice, sizes, times and G2P counts."""
        stats = self.stats
        first_audio = stats.first_audio_seconds
        return dict(
            request_id=self.rid,
            client=self.client,
            kind=self.kind,
            outcome=self.outcome,
            error_code=self.code,
            voice=self.voice,
            language=self.language,
            characters=stats.characters,
            sentences=stats.pieces,
            first_audio_ms=None if first_audio is None else round(first_audio * 1000, 1),
            total_ms=round((time.perf_counter() - stats.started) * 1000, 1),
            audio_seconds=round(stats.audio_seconds, 3),
            rtf=round(stats.rtf, 4),
            windows=stats.windows,
            held_ms=round(stats.held_seconds * 1000, 1),
            gaps=stats.gaps,
            gap_ms=round(stats.gap_seconds * 1000, 1),
            words=stats.g2p.words,
            lexicon_words=stats.g2p.lexicon_words,
            user_lexicon_words=stats.g2p.user_lexicon_words,
            fallback_words=stats.g2p.fallback_words,
            text_fallbacks=stats.g2p.text_fallbacks,
            unknown_words=stats.g2p.unknown_words,
            dropped_symbols=stats.g2p.dropped_symbols,
            cache_hits=stats.g2p.cache_hits,
            audio_cache_hits=stats.audio_cache_hits,
        )


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
        self.gaps = Counter(
            "wyoming_kokoro_playback_gaps", "Audio handed out after its listener had played everything before it "
            "(its text there): a stall the listener heard", registry=r,
        )
        self.gap_seconds = Counter(
            "wyoming_kokoro_playback_gap_seconds", "Seconds listeners waited in those stalls", registry=r
        )
        self.starved = Counter(
            "wyoming_kokoro_starved_requests", "Requests whose listener waited for audio at least once after the "
            "first (the machine could not feed every listener in real time)", registry=r,
        )
        self.held_seconds = Counter(
            "wyoming_kokoro_start_held_seconds", "Seconds the start rule held first audio back (a machine slower "
            "than real time, or busy with other listeners)", registry=r,
        )
        self.cost_fixed = Gauge(
            "wyoming_kokoro_cost_fixed_seconds", "The rate model: seconds a call of each kind of work costs besides "
            "its units", ["work"], registry=r,
        )
        self.cost_per_unit = Gauge(
            "wyoming_kokoro_cost_per_unit_seconds", "The rate model: seconds per unit (g2p: character, front: "
            "phoneme id, decoder: frame decoded)", ["work"], registry=r,
        )
        self.cost_slowdown = Gauge(
            "wyoming_kokoro_cost_slowdown", "The rate model: how much longer than fitted recent jobs took (a high "
            "percentile, at least 1)", ["work"], registry=r,
        )
        self.connections = Gauge("wyoming_kokoro_connections_open", "Client connections open", registry=r)
        self.closed = Counter(
            "wyoming_kokoro_connections_closed", "Connections the server closed or refused, by reason (bad-frame: "
            "broke the protocol or a limit; idle-timeout: asked for nothing for idle_timeout seconds; total, "
            "per-client: max_connections or max_connections_per_client reached)", ["reason"], registry=r,
        )
        self.cut = Counter(
            "wyoming_kokoro_requests_cut", "Requests still running after shutdown_grace when the server stopped",
            registry=r,
        )
        self.queue_depth = Gauge("wyoming_kokoro_queue_depth", "Pieces waiting for the model", registry=r)
        self.in_flight = Gauge("wyoming_kokoro_requests_in_flight", "Requests being served", registry=r)
        self.model_load = Gauge("wyoming_kokoro_model_load_seconds", "Time the model took to load", registry=r)
        self.build = Info("wyoming_kokoro_build", "Version, model and execution providers", registry=r)
        for label in ("ok", "error", "cancelled", "client_gone"):
            for kind in ("one-shot", "streamed"):
                self.requests.labels(kind, label)
        for reason in CLOSE_REASONS:
            self.closed.labels(reason)
        for source in ("lexicon", "user", "fallback", "other"):
            self.g2p_words.labels(source)
        for result in ("hit", "miss"):
            self.phoneme_cache.labels(result)
            self.audio_cache.labels(result)

    def observe(self, record: RequestRecord) -> None:
        """Add a finished request to the counters and histograms."""
        stats, g2p = record.stats, record.stats.g2p
        self.requests.labels(record.kind, record.outcome.replace(" ", "_") if record.code is None else "error").inc()
        if record.code is not None:
            self.errors.labels(record.code).inc()
        if stats.first_audio_seconds is not None:
            self.first_audio.observe(stats.first_audio_seconds)
        if stats.audio_seconds:
            self.rtf.observe(stats.rtf)
            self.audio_seconds.inc(stats.audio_seconds)
        self.characters.inc(stats.characters)
        self.g2p_words.labels("lexicon").inc(g2p.lexicon_words)
        self.g2p_words.labels("user").inc(g2p.user_lexicon_words)
        self.g2p_words.labels("fallback").inc(g2p.fallback_words)
        self.g2p_words.labels("other").inc(
            max(0, g2p.words - g2p.lexicon_words - g2p.user_lexicon_words - g2p.fallback_words)
        )
        self.g2p_text_fallbacks.inc(g2p.text_fallbacks)
        self.g2p_unknown_words.inc(g2p.unknown_words)
        self.dropped_symbols.inc(g2p.dropped_symbols)
        self.gaps.inc(stats.gaps)
        if stats.gaps:
            self.starved.inc()
        self.gap_seconds.inc(stats.gap_seconds)
        self.held_seconds.inc(stats.held_seconds)
        self.audio_cache.labels("hit").inc(stats.audio_cache_hits)
        self.audio_cache.labels("miss").inc(stats.pieces - stats.audio_cache_hits)
        self.phoneme_cache.labels("hit").inc(g2p.cache_hits)
        self.phoneme_cache.labels("miss").inc(g2p.cache_misses)

    def set_build(self, model_sha256: str, providers: list[str], load_seconds: float) -> None:
        self.build.info({"version": __version__, "model_sha256": model_sha256, "providers": ",".join(providers)})
        self.model_load.set(load_seconds)

    def watch_queue(self, depth: Callable[[], int]) -> None:
        self.queue_depth.set_function(depth)

    def watch_costs(self, costs: CostModel) -> None:
        """Export the rate model's current fit of each kind of work."""
        for work in ("g2p", "front", "decoder"):
            cost = getattr(costs, work)
            self.cost_fixed.labels(work).set_function(lambda cost=cost: cost.fixed)
            self.cost_per_unit.labels(work).set_function(lambda cost=cost: cost.per_unit)
            self.cost_slowdown.labels(work).set_function(lambda cost=cost: cost.factor)

    def serve(self, port: int, host: str = "") -> None:
        """Serve ``/metrics`` on ``port`` in a background thread."""
        start_http_server(port, addr=host or "0.0.0.0", registry=self.registry)
        _LOGGER.info("Metrics on http://%s:%d/metrics", host or "0.0.0.0", port)

"""Shared state that is available between all protocol instances: what every connection of the server uses.

One :class:`ServerState` per server, one handler (server.py) per connection. It holds the pipeline, the voices
on offer, the G2P registry, the settings and the metrics, and the requests in flight; :meth:`ServerState.reload`
is the one place where the settings change while the server runs.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools

from .config import Settings
from .engine.voices import VoiceCatalog
from .errors import TEXT_TOO_LONG, RequestError
from .g2p import G2PRegistry, UserLexicon
from .guard import ConnectionCaps, FrameLimits, Throttle
from .metrics import Metrics
from .offer import VoiceOffer
from .pipeline import Pipeline


class ServerState:
    def __init__(
        self, pipeline: Pipeline, g2p: G2PRegistry, offer: VoiceOffer, settings: Settings, metrics: Metrics
    ) -> None:
        self.pipeline = pipeline
        self.g2p = g2p
        self.offer = offer
        self.settings = settings
        self.metrics = metrics
        self.requests: set[asyncio.Task] = set()  # in flight, on every connection
        self.draining = False  # set when the server stops: no new request is taken
        self.stopping = False  # set when requests still running after the grace are cut: each tells its client
        self.connections = ConnectionCaps(settings.max_connections, settings.max_connections_per_client)
        self.throttle = Throttle()  # log lines about one client's misdeeds
        self._ids = itertools.count(1)

    @property
    def frame_limits(self) -> FrameLimits:
        settings = self.settings
        return FrameLimits.for_text(
            settings.max_text_length, settings.max_payload_bytes, settings.frame_timeout, settings.max_frame_bytes
        )

    def next_id(self) -> str:
        return f"r{next(self._ids)}"

    def allows(self, host: str | None) -> bool:
        """Whether a client at ``host`` may connect (``allow`` empty: anyone; a unix socket or stdio: always)."""
        if not self.settings.allow or not host:
            return True
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return True  # not an IP peer (unix socket)
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        return any(address in network for network in self.settings.allow)

    def check_length(self, length: int) -> None:
        if length > self.settings.max_text_length:
            raise RequestError(
                TEXT_TOO_LONG, f"text of {length} characters is over the limit of {self.settings.max_text_length}"
            )

    def reload(self, settings: Settings, catalog: VoiceCatalog | None, lexicon: UserLexicon | None) -> bool:
        """Take ``settings``, a voice ``catalog`` (None: the current one) and the user ``lexicon`` (None: none) as
        one transaction: the new offer is built first, and on an error (RequestError or ValueError naming the bad
        value) nothing has changed. Returns whether the lexicon changed."""
        offer = VoiceOffer.build(
            self.offer.catalog if catalog is None else catalog, settings.voice, settings.language_voices
        )
        relexed = (lexicon or None) != (self.g2p.lexicon or None)
        if relexed or settings.g2p != self.settings.g2p:
            self.g2p.configure(lexicon, settings.g2p)  # the backends were checked when the settings were read
        self.offer, self.settings = offer, settings
        return relexed

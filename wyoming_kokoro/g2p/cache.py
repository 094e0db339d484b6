"""A bounded, thread-safe LRU cache of G2P results per (language, backend fingerprint, text)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace

from .base import G2P, G2PResult, G2PStats


class PhonemeCache:
    def __init__(self, max_entries: int = 4096) -> None:
        if max_entries < 0:
            raise ValueError(f"phoneme cache size must be 0 or more, got {max_entries}")
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str, str], G2PResult] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def phonemize(self, g2p: G2P, text: str) -> G2PResult:
        """``g2p.phonemize(text)``, from the cache when this text was phonemized before.

        The result's stats count this call: a hit carries ``cache_hits=1`` and no word counters (nothing was
        phonemized), a miss the backend's counters and ``cache_misses=1``.
        """
        key = (g2p.language, g2p.fingerprint, text)
        with self._lock:
            cached = self._entries.get(key)
            if cached is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return replace(cached, stats=G2PStats(cache_hits=1))
            self.misses += 1
        result = g2p.phonemize(text)  # outside the lock: other texts go on meanwhile
        result.stats.cache_misses += 1
        if self.max_entries:
            with self._lock:
                self._entries[key] = result
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return replace(result, stats=replace(result.stats))

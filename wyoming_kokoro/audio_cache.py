"""An audio cache for whole pieces: a phrase said before is sent again without an inference.

The key is the model's checksum, the voice (its name and a digest of its style table, so blends and replaced voice
files never collide), the speed, the language and the text. Entries live in memory (least recently used out first,
bounded in bytes) and, with a directory, on disk as well, where they survive restarts and can be shared by several
processes: each file is written to a temporary name and renamed into place, and carries a digest of its audio, so a
torn or corrupt file is noticed, deleted and never played.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

from .engine.voices import Voice

_LOGGER = logging.getLogger(__name__)

MAGIC = b"KOKORO-PCM1\n"
_DIGEST = hashlib.sha256().digest_size
_SWEEP_EVERY = 32  # writes between two checks of the directory's size


class AudioCache:
    def __init__(
        self,
        model_sha256: str,
        max_bytes: int = 64 * 1024 * 1024,
        directory: str | Path | None = None,
        max_disk_bytes: int = 512 * 1024 * 1024,
    ) -> None:
        self.model_sha256 = model_sha256
        self.max_bytes = max_bytes
        self.max_disk_bytes = max_disk_bytes
        self.directory = Path(directory) if directory else None
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._writes = 0
        self.hits = 0
        self.misses = 0
        self.discarded = 0

    @property
    def size(self) -> int:
        """Bytes held in memory."""
        return self._bytes

    def key(self, text: str, voice: Voice, speed: float, language: str) -> str:
        fields = [self.model_sha256, voice.name, voice.digest, round(float(speed), 4), language, text]
        return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()

    def get_memory(self, key: str) -> bytes | None:
        """The audio for ``key`` if it is in memory (fast enough for the event loop)."""
        with self._lock:
            pcm = self._memory.get(key)
            if pcm is not None:
                self._memory.move_to_end(key)
                self.hits += 1
            return pcm

    def get(self, key: str) -> bytes | None:
        """The audio for ``key`` from memory, else from the directory (then kept in memory too); None if absent."""
        pcm = self.get_memory(key)
        if pcm is not None:
            return pcm
        pcm = self._read(key) if self.directory is not None else None
        with self._lock:
            if pcm is None:
                self.misses += 1
                return None
            self.hits += 1
        self._remember(key, pcm)
        return pcm

    def put(self, key: str, pcm: bytes) -> None:
        self._remember(key, pcm)
        if self.directory is not None:
            self._write(key, pcm)

    # -- memory ---------------------------------------------------------------------------------------------

    def _remember(self, key: str, pcm: bytes) -> None:
        if len(pcm) > self.max_bytes:
            return
        with self._lock:
            old = self._memory.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._memory[key] = pcm
            self._bytes += len(pcm)
            while self._bytes > self.max_bytes:
                _, evicted = self._memory.popitem(last=False)
                self._bytes -= len(evicted)

    # -- disk -----------------------------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / key[:2] / f"{key}.pcm"

    def _read(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as err:
            _LOGGER.warning("Audio cache: cannot read %s: %s", path, err)
            return None
        header = len(MAGIC) + _DIGEST
        pcm = data[header:]
        if data[: len(MAGIC)] != MAGIC or data[len(MAGIC) : header] != hashlib.sha256(pcm).digest() or len(pcm) % 2:
            _LOGGER.warning("Audio cache: discarding corrupt entry %s", path)
            self.discarded += 1
            path.unlink(missing_ok=True)
            return None
        try:
            os.utime(path)  # recently used: the sweep removes the oldest first
        except OSError:
            pass
        return pcm

    def _write(self, key: str, pcm: bytes) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pcm")
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(MAGIC + hashlib.sha256(pcm).digest() + pcm)
                os.replace(temporary, path)  # atomic: readers see the old file, the new one, or none
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as err:
            _LOGGER.warning("Audio cache: cannot write %s: %s", path, err)
            return
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            self.sweep()

    def sweep(self) -> int:
        """Delete the least recently used files until the directory is within ``max_disk_bytes``; returns how
        many were deleted."""
        if self.directory is None:
            return 0
        entries = []
        for path in self.directory.glob("*/*.pcm"):
            try:
                stat = path.stat()
            except OSError:
                continue
            entries.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        deleted = 0
        for _, size, path in sorted(entries):
            if total <= self.max_disk_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
            deleted += 1
        return deleted

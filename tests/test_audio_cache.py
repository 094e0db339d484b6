"""The audio cache: keys, eviction by bytes, the on-disk directory, corrupt files, two processes sharing one."""

from __future__ import annotations

import gc
import hashlib
import subprocess
import sys
import textwrap
import weakref

import numpy as np
import pytest

from wyoming_kokoro.audio_cache import MAGIC, AudioCache
from wyoming_kokoro.engine.voices import BLENDS_KEPT, VoiceCatalog

SHA = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"


@pytest.fixture(scope="module")
def catalog():
    return VoiceCatalog.load()


def test_keys_differ_by_model_voice_speed_language_and_text(catalog):
    heart, emma = catalog.resolve("af_heart"), catalog.resolve("bf_emma")
    cache = AudioCache(SHA)
    base = cache.key("Good morning.", heart, 1.0, "en-us")
    assert base == cache.key("Good morning.", heart, 1.0, "en-us")
    others = {
        cache.key("Good morning!", heart, 1.0, "en-us"),
        cache.key("Good morning.", emma, 1.0, "en-us"),
        cache.key("Good morning.", heart, 1.1, "en-us"),
        cache.key("Good morning.", heart, 1.0, "en-gb"),
        AudioCache("0" * 64).key("Good morning.", heart, 1.0, "en-us"),
        # a blend and a voice file that reuses a stock name are other voices
        cache.key("Good morning.", catalog.resolve("af_heart:0.5,bf_emma:0.5"), 1.0, "en-us"),
    }
    assert base not in others and len(others) == 6


def test_memory_is_bounded_in_bytes_least_recently_used_first():
    cache = AudioCache(SHA, max_bytes=1000)
    cache.put("a", b"\0" * 400)
    cache.put("b", b"\0" * 400)
    assert cache.get("a") is not None  # a is now the most recently used
    cache.put("c", b"\0" * 400)  # over 1000: b goes
    assert cache.size == 800
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
    cache.put("huge", b"\0" * 2000)  # larger than the whole cache: not kept
    assert cache.get("huge") is None and cache.size == 800
    assert (cache.hits, cache.misses) == (3, 2)


def test_the_directory_survives_a_restart_and_discards_a_corrupt_entry(tmp_path):
    pcm = np.arange(-500, 500, dtype="<i2").tobytes()
    AudioCache(SHA, directory=tmp_path).put("k1", pcm)
    AudioCache(SHA, directory=tmp_path).put("k2", pcm)
    fresh = AudioCache(SHA, directory=tmp_path)
    assert fresh.get("k1") == pcm
    assert fresh.get_memory("k1") == pcm  # read once from disk, then from memory

    path = tmp_path / "k2"[:2] / "k2.pcm"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # one flipped bit in the audio
    path.write_bytes(bytes(data))
    assert fresh.get("k2") is None and not path.exists() and fresh.discarded == 1
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(MAGIC[:5])  # torn write
    assert fresh.get("k2") is None and not path.exists()
    (path.parent / "k3.pcm").write_bytes(b"not a cache file at all")
    assert fresh.get("k3") is None


def test_the_directory_is_swept_to_its_size_oldest_first(tmp_path):
    cache = AudioCache(SHA, directory=tmp_path, max_disk_bytes=3 * (1000 + len(MAGIC) + 32))
    for i in range(5):
        cache.put(f"k{i}", bytes(1000))
    assert cache.sweep() == 2
    left = sorted(p.stem for p in tmp_path.glob("*/*.pcm"))
    assert len(left) == 3


def test_two_processes_share_a_directory(tmp_path):
    """Two processes write the same keys at once; every entry either side reads is whole."""
    script = textwrap.dedent(
        f"""
        import sys
        from wyoming_kokoro.audio_cache import AudioCache
        cache = AudioCache({SHA!r}, directory=sys.argv[1])
        seed = int(sys.argv[2])
        for round in range(200):
            for key in range(8):
                pcm = bytes([key]) * (2000 + 2 * key)
                cache.put(f"key{{key}}", pcm)
                other = AudioCache({SHA!r}, directory=sys.argv[1]).get(f"key{{(key + seed) % 8}}")
                assert other is None or other == bytes([(key + seed) % 8]) * (2000 + 2 * ((key + seed) % 8)), round
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path), str(seed)], stderr=subprocess.PIPE)
        for seed in (1, 3)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    reader = AudioCache(SHA, directory=tmp_path)
    for key in range(8):
        assert reader.get(f"key{key}") == bytes([key]) * (2000 + 2 * key)
    assert reader.discarded == 0
    assert not list(tmp_path.glob("*/.tmp-*"))  # no temporary file left behind
    digest = hashlib.sha256(bytes([0]) * 2000).digest()
    assert (tmp_path / "ke" / "key0.pcm").read_bytes() == MAGIC + digest + bytes([0]) * 2000


def test_a_client_asking_for_a_new_blend_each_time_pins_no_memory(voices):
    # Each blend is half a megabyte of styles: the catalog keeps the last few, and the cache's key keeps none.
    catalog = VoiceCatalog(dict(voices.voices))
    cache = AudioCache("0" * 64, max_bytes=1 << 20)
    alive = []
    for i in range(BLENDS_KEPT + 8):
        voice = catalog.resolve(f"af_heart:1,am_adam:{1 + i / 1000:.3f}")
        assert len(cache.key("Hi.", voice, 1.0, "en-us")) == 64
        alive.append(weakref.ref(voice))
        del voice
    gc.collect()
    assert sum(ref() is not None for ref in alive) == BLENDS_KEPT
    assert all(ref() is not None for ref in alive[-BLENDS_KEPT:])  # the last ones asked for are the ones kept

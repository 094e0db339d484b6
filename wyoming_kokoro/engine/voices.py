"""Voices: the 54 stock Kokoro v1.0 voices shipped in the package, a user's own voices, and blends of them."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import shown
from ..languages import BY_LETTER, Language, find_language
from .tokens import MAX_IDS

_LOGGER = logging.getLogger(__name__)

STYLE_DIM = 256
#: The file that may sit beside a user's voices and declare their language, gender and description.
METADATA_FILE = "voices.json"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_GENDERS = {"f": "female", "m": "male"}

#: The stock voice spoken for each language when a request names the language and no voice.
DEFAULT_LANGUAGE_VOICES = {
    "en-us": "af_heart",
    "en-gb": "bf_emma",
    "es": "ef_dora",
    "fr": "ff_siwis",
    "hi": "hf_alpha",
    "it": "if_sara",
    "ja": "jf_alpha",
    "pt-br": "pf_dora",
    "zh": "zf_xiaobei",
}
#: The voice when a request names none: American English's.
DEFAULT_VOICE = DEFAULT_LANGUAGE_VOICES["en-us"]
#: The most voices one blend may mix, and the longest a voice name or blend spec may be: a client's spec is
#: refused on its length before it is parsed.
MAX_BLEND_VOICES = 16
MAX_SPEC_LENGTH = 512
#: Blends kept once made (half a megabyte each): a client that asks for a new blend each time keeps this many.
BLENDS_KEPT = 32


class VoiceError(ValueError):
    """A voice name, blend spec or voice file is wrong; the message names the bad value."""


@dataclass(frozen=True, eq=False)
class Voice:
    name: str
    language: Language
    gender: str | None  # "female", "male" or None when unknown
    description: str
    styles: np.ndarray  # float32 (MAX_IDS, 256): row n-1 is the style for a piece of n phoneme ids
    source: str  # "stock", a file path, or "blend"

    @cached_property
    def digest(self) -> str:
        """A short hash of the voice's styles: what the audio cache keys a voice by (a voice file changed under
        the same name is another voice)."""
        return hashlib.sha256(self.styles.tobytes()).hexdigest()[:16]

    def style_for(self, n_ids: int) -> np.ndarray:
        """The style vector for a piece of ``n_ids`` phoneme ids."""
        return self.styles[min(max(n_ids, 1), len(self.styles)) - 1]


def _title(name: str) -> str:
    """``af_heart`` → ``Heart``; ``zf_xiaoxiao`` → ``Xiaoxiao``."""
    base = name.split("_", 1)[1] if "_" in name else name
    return " ".join(part.capitalize() for part in re.split(r"[_\-]+", base) if part)


def describe(title: str, language: Language, gender: str | None) -> str:
    return ", ".join(p for p in (title, language.name, gender) if p)


def _metadata_from_name(name: str) -> tuple[Language, str | None] | None:
    """Language and gender from a Kokoro-style name (``af_heart``), or None if the name is not of that form."""
    if len(name) >= 3 and name[2] == "_" and name[0].lower() in BY_LETTER and name[1].lower() in _GENDERS:
        return BY_LETTER[name[0].lower()], _GENDERS[name[1].lower()]
    return None


def _as_styles(array: np.ndarray, origin: str) -> np.ndarray:
    array = np.asarray(array, dtype=np.float32)
    # Flat (raw .bin) or (510, 256) with any axes of length 1: a transposed (256, 510) array is refused.
    shape = tuple(d for d in array.shape if d != 1)
    if array.size != MAX_IDS * STYLE_DIM or (array.ndim > 1 and shape != (MAX_IDS, STYLE_DIM)):
        raise VoiceError(
            f"voice {origin}: expected {MAX_IDS}x{STYLE_DIM} float32 values (shape (510, 1, 256)), "
            f"got shape {array.shape}"
        )
    styles = array.reshape(MAX_IDS, STYLE_DIM)
    if not np.isfinite(styles).all():
        raise VoiceError(f"voice {origin}: holds NaN or infinite values")
    return styles


def _read_bin(path: Path) -> np.ndarray:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise VoiceError(f"cannot read voice file {path}: {err}") from err
    if len(data) % 4:
        raise VoiceError(f"voice {path}: {len(data)} bytes is not a whole number of float32 values")
    return _as_styles(np.frombuffer(data, dtype="<f4"), str(path))


def make_voice(name: str, styles: np.ndarray, source: str, meta: dict | None = None) -> Voice:
    """A Voice whose language and gender come from ``meta`` (a user's declaration) or else from its name."""
    if not _NAME_RE.match(name) or ":" in name or "," in name:
        raise VoiceError(f"invalid voice name {name!r}: use letters, digits, '_', '-' and '.'")
    meta = dict(meta or {})
    unknown = set(meta) - {"language", "gender", "description"}
    if unknown:
        raise VoiceError(f"voice {name!r}: unknown metadata keys {sorted(unknown)} (allowed: language, gender, description)")
    derived = _metadata_from_name(name)
    if "language" in meta:
        try:
            language = find_language(str(meta["language"]))
        except ValueError as err:
            raise VoiceError(f"voice {name!r}: {err}") from None
    elif derived:
        language = derived[0]
    else:
        raise VoiceError(
            f"voice {name!r}: its language cannot be derived from its name (Kokoro names start with a language "
            f"and a gender letter, like af_heart); declare it in {METADATA_FILE} beside the voice file"
        )
    gender = meta.get("gender", derived[1] if derived else None)
    if gender not in (None, "female", "male"):
        raise VoiceError(f"voice {name!r}: gender must be 'female' or 'male', got {gender!r}")
    description = meta.get("description") or describe(_title(name), language, gender)
    return Voice(name, language, gender, str(description), styles, source)


def _read_metadata(path: Path) -> dict[str, dict]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise VoiceError(f"cannot read voice metadata {path}: {err}") from err
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise VoiceError(f"voice metadata {path}: expected an object of voice name → {{language, gender, description}}")
    return data


def load_stock_voices() -> dict[str, Voice]:
    """The 54 Kokoro v1.0 voices shipped as package data."""
    folder = resources.files("wyoming_kokoro").joinpath("data", "voices")
    voices = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".bin"):
            name = entry.name[: -len(".bin")]
            styles = _as_styles(np.frombuffer(entry.read_bytes(), dtype="<f4"), f"stock {name}")
            voices[name] = make_voice(name, styles, "stock")
    return voices


def load_voice_path(path: str | Path) -> dict[str, Voice]:
    """Voices from a kokoro-onnx ``voices-v1.0.bin`` (an npz archive), an ``.npz``, or a folder of ``.bin``/``.npy``.

    A ``voices.json`` beside them (in the folder, or next to the archive) may declare each voice's language,
    gender and description; otherwise they are derived from Kokoro-style names.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise VoiceError(f"voices path {str(path)!r} does not exist")
    voices: dict[str, Voice] = {}
    if path.is_dir():
        meta = _read_metadata(path / METADATA_FILE)
        for file in sorted(path.iterdir()):
            if file.suffix == ".bin":
                styles = _read_bin(file)
            elif file.suffix == ".npy":
                try:
                    styles = _as_styles(np.load(file, allow_pickle=False), str(file))
                except (OSError, ValueError) as err:
                    raise VoiceError(f"cannot read voice file {file}: {err}") from err
            else:
                continue
            voices[file.stem] = make_voice(file.stem, styles, str(file), meta.get(file.stem))
        if not voices:
            raise VoiceError(f"voices folder {str(path)!r} holds no .bin or .npy voice files")
        return voices
    if not zipfile.is_zipfile(path):
        raise VoiceError(
            f"voices file {str(path)!r} is not an npz archive (like kokoro-onnx's voices-v1.0.bin); "
            "for single .bin voices, give the folder that holds them"
        )
    meta = _read_metadata(path.parent / METADATA_FILE)
    try:
        with np.load(path, allow_pickle=False) as archive:
            for name in archive.files:
                voices[name] = make_voice(name, _as_styles(archive[name], f"{path}:{name}"), str(path), meta.get(name))
    except VoiceError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise VoiceError(f"cannot read voices archive {path}: {err}") from err
    if not voices:
        raise VoiceError(f"voices archive {str(path)!r} holds no voices")
    return voices


class VoiceCatalog:
    """Every available voice by name, and resolution of names and blend specs (``af_bella:0.6,af_sky:0.4``)."""

    def __init__(self, voices: dict[str, Voice]) -> None:
        self.voices = dict(sorted(voices.items()))
        self._blends: OrderedDict[str, Voice] = OrderedDict()  # the last BLENDS_KEPT asked for

    @classmethod
    def load(cls, extra: str | Path | None = None) -> "VoiceCatalog":
        """The stock voices, plus (adding or overriding by name) those of ``extra``."""
        voices = load_stock_voices()
        if extra:
            custom = load_voice_path(extra)
            overridden = sorted(set(custom) & set(voices))
            voices.update(custom)
            _LOGGER.info(
                "Loaded %d voices from %s%s", len(custom), extra,
                f" (overriding {', '.join(overridden)})" if overridden else "",
            )
        return cls(voices)

    def __contains__(self, name: str) -> bool:
        return name in self.voices

    def __len__(self) -> int:
        return len(self.voices)

    def for_language(self, language: Language) -> list[Voice]:
        return [v for v in self.voices.values() if v.language == language]

    def resolve(self, spec: str) -> Voice:
        """A voice by name, or a blend: ``name:weight,name:weight`` (weights > 0, normalized to sum 1; a
        missing weight counts 1). Raises VoiceError naming the bad part."""
        spec = spec.strip()
        if spec in self.voices:
            return self.voices[spec]
        if len(spec) > MAX_SPEC_LENGTH:
            raise VoiceError(f"voice {shown(spec)} is over the limit of {MAX_SPEC_LENGTH} characters")
        if "," not in spec and ":" not in spec:
            raise VoiceError(f"unknown voice {shown(spec)}; {len(self.voices)} voices are available (see --list-voices)")
        cached = self._blends.get(spec)
        if cached is not None:
            self._blends.move_to_end(spec)
            return cached
        if spec.count(",") >= MAX_BLEND_VOICES:
            raise VoiceError(f"blend {shown(spec)} mixes {spec.count(',') + 1} voices; at most {MAX_BLEND_VOICES}")
        parts: list[tuple[Voice, float]] = []
        for item in spec.split(","):
            name, _, weight_text = item.strip().partition(":")
            name = name.strip()
            if name not in self.voices:
                raise VoiceError(f"unknown voice {shown(name)} in blend {shown(spec)}")
            try:
                weight = float(weight_text) if weight_text.strip() else 1.0
            except ValueError:
                raise VoiceError(f"bad weight {shown(weight_text.strip())} for voice {shown(name)} in blend {shown(spec)}") from None
            if not math.isfinite(weight) or weight <= 0 or weight > 1e6:
                raise VoiceError(f"weight for voice {shown(name)} in blend {shown(spec)} must be a positive number up to 1e6, got {shown(weight_text.strip())}")
            parts.append((self.voices[name], weight))
        total = sum(w for _, w in parts)
        styles = sum((v.styles * (w / total) for v, w in parts), np.zeros((MAX_IDS, STYLE_DIM), np.float32))
        main = max(parts, key=lambda p: p[1])[0]  # the blend speaks the language of its strongest voice
        title = "Blend of " + " and ".join(f"{round(100 * w / total)}% {_title(v.name)}" for v, w in parts)
        voice = Voice(spec, main.language, None, describe(title, main.language, None), styles.astype(np.float32), "blend")
        self._blends[spec] = voice  # blends are requested by name again and again: the last few are kept
        if len(self._blends) > BLENDS_KEPT:
            self._blends.popitem(last=False)
        return voice

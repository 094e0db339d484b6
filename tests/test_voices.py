"""Voices: the 54 stock voices, blends, and a user's own voices (folders of .bin/.npy, npz archives)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest

import wyoming_kokoro
from wyoming_kokoro.engine.voices import VoiceCatalog, VoiceError

PACKAGE = Path(wyoming_kokoro.__file__).resolve().parent
VOICE_DIR = PACKAGE / "data" / "voices"
NOTICE = PACKAGE / "data" / "NOTICE.md"
STOCK_FILES = sorted(VOICE_DIR.glob("*.bin"))

# Written out here rather than taken from the package, so that a wrong table there shows.
LANGUAGE_BY_LETTER = {
    "a": ("en-us", "American English"),
    "b": ("en-gb", "British English"),
    "e": ("es", "Spanish"),
    "f": ("fr", "French"),
    "h": ("hi", "Hindi"),
    "i": ("it", "Italian"),
    "j": ("ja", "Japanese"),
    "p": ("pt-br", "Brazilian Portuguese"),
    "z": ("zh", "Mandarin Chinese"),
}
GENDER_BY_LETTER = {"f": "female", "m": "male"}


def stock_array(name: str) -> np.ndarray:
    return np.fromfile(VOICE_DIR / f"{name}.bin", dtype="<f4").reshape(510, 256)


def write_bin(path: Path, styles: np.ndarray) -> None:
    path.write_bytes(np.asarray(styles, dtype="<f4").reshape(510, 1, 256).tobytes())


# --------------------------------------------------------------------------
# Stock voices
# --------------------------------------------------------------------------


def test_stock_catalog_is_the_54_voice_files(voices):
    assert len(STOCK_FILES) == 54
    assert len(voices) == 54
    assert sorted(voices.voices) == [f.stem for f in STOCK_FILES]


@pytest.mark.parametrize("file", STOCK_FILES, ids=lambda f: f.stem)
def test_stock_voice(voices, file):
    name = file.stem
    voice = voices.resolve(name)
    assert voice.name == name
    code, language_name = LANGUAGE_BY_LETTER[name[0]]
    assert voice.language.code == code
    assert voice.gender == GENDER_BY_LETTER[name[1]]
    title = name.split("_", 1)[1].capitalize()
    assert voice.description == f"{title}, {language_name}, {voice.gender}"
    assert voice.source == "stock"
    assert voice.styles.shape == (510, 256)
    assert voice.styles.dtype == np.float32
    assert np.array_equal(voice.styles, stock_array(name))
    assert np.isfinite(voice.styles).all()


@pytest.mark.parametrize(
    ("name", "code", "gender", "description"),
    [
        ("af_heart", "en-us", "female", "Heart, American English, female"),
        ("am_michael", "en-us", "male", "Michael, American English, male"),
        ("bm_george", "en-gb", "male", "George, British English, male"),
        ("bf_emma", "en-gb", "female", "Emma, British English, female"),
        ("ef_dora", "es", "female", "Dora, Spanish, female"),
        ("ff_siwis", "fr", "female", "Siwis, French, female"),
        ("hm_psi", "hi", "male", "Psi, Hindi, male"),
        ("im_nicola", "it", "male", "Nicola, Italian, male"),
        ("jf_gongitsune", "ja", "female", "Gongitsune, Japanese, female"),
        ("pm_santa", "pt-br", "male", "Santa, Brazilian Portuguese, male"),
        ("zf_xiaobei", "zh", "female", "Xiaobei, Mandarin Chinese, female"),
        ("zm_yunxi", "zh", "male", "Yunxi, Mandarin Chinese, male"),
    ],
)
def test_stock_voice_metadata(voices, name, code, gender, description):
    voice = voices.resolve(name)
    assert (voice.language.code, voice.gender, voice.description) == (code, gender, description)


def test_every_language_has_stock_voices(voices):
    for letter, (code, _) in LANGUAGE_BY_LETTER.items():
        names = [n for n in voices.voices if n[0] == letter]
        assert names, letter
        language = voices.resolve(names[0]).language
        assert language.code == code
        assert [v.name for v in voices.for_language(language)] == names


def test_stock_voices_are_distinct(voices):
    digests = {hashlib.sha256(v.styles.tobytes()).hexdigest() for v in voices.voices.values()}
    assert len(digests) == 54


def test_style_for_picks_the_row_of_the_id_count(voices):
    voice = voices.resolve("af_heart")
    raw = stock_array("af_heart")
    assert np.array_equal(voice.style_for(1), raw[0])
    assert np.array_equal(voice.style_for(13), raw[12])
    assert np.array_equal(voice.style_for(510), raw[509])
    assert np.array_equal(voice.style_for(0), raw[0])
    assert np.array_equal(voice.style_for(600), raw[509])


def test_notice_lists_every_voice_file_with_its_sha256():
    rows = re.findall(r"^\| `([^`]+)` \| (\d+) \| `([0-9a-f]{64})` \|$", NOTICE.read_text(encoding="utf-8"), re.M)
    listed = {name: (int(size), sha) for name, size, sha in rows}
    assert len(rows) == len(listed) == 54
    assert sorted(listed) == [f.name for f in STOCK_FILES]
    for file in STOCK_FILES:
        data = file.read_bytes()
        assert listed[file.name] == (len(data), hashlib.sha256(data).hexdigest()), file.name


# --------------------------------------------------------------------------
# Blends
# --------------------------------------------------------------------------


def test_blend_is_the_weighted_average(voices):
    blend = voices.resolve("af_bella:0.6,af_sky:0.4")
    expected = 0.6 * stock_array("af_bella") + 0.4 * stock_array("af_sky")
    assert blend.styles.shape == (510, 256)
    assert blend.styles.dtype == np.float32
    assert np.allclose(blend.styles, expected, rtol=1e-6, atol=1e-7)
    assert not np.allclose(blend.styles, stock_array("af_bella"))
    assert blend.name == "af_bella:0.6,af_sky:0.4"
    assert blend.language.code == "en-us"
    assert blend.gender is None
    assert blend.source == "blend"
    assert blend.description == "Blend of 60% Bella and 40% Sky, American English"


@pytest.mark.parametrize(
    "spec", ["af_bella:3,af_sky:2", "af_bella:6,af_sky:4", "af_bella:0.003,af_sky:0.002", " af_bella : 0.6 , af_sky : 0.4 "]
)
def test_blend_weights_are_normalized(voices, spec):
    expected = 0.6 * stock_array("af_bella") + 0.4 * stock_array("af_sky")
    assert np.allclose(voices.resolve(spec).styles, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("spec", ["af_bella,af_sky", "af_bella:1,af_sky", "af_bella,af_sky:1", "af_bella:,af_sky:"])
def test_missing_weight_counts_one(voices, spec):
    expected = 0.5 * stock_array("af_bella") + 0.5 * stock_array("af_sky")
    assert np.allclose(voices.resolve(spec).styles, expected, rtol=1e-6, atol=1e-7)


def test_three_voice_blend(voices):
    blend = voices.resolve("af_heart:1,am_adam:2,bf_emma:1")
    expected = (stock_array("af_heart") + 2 * stock_array("am_adam") + stock_array("bf_emma")) / 4
    assert np.allclose(blend.styles, expected, rtol=1e-6, atol=1e-7)
    assert blend.language.code == "en-us"


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        ("af_bella:0.3,bm_george:0.7", "en-gb"),
        ("af_bella:0.7,bm_george:0.3", "en-us"),
        ("af_heart,zf_xiaobei:2", "zh"),
        ("ff_siwis:5,jf_alpha:1,em_alex:1", "fr"),
    ],
)
def test_blend_speaks_the_language_of_its_strongest_voice(voices, spec, code):
    assert voices.resolve(spec).language.code == code


def test_blend_is_resolved_again_identically(voices):
    first = voices.resolve("af_bella:0.25,af_sky:0.75")
    second = voices.resolve("af_bella:0.25,af_sky:0.75")
    assert np.array_equal(first.styles, second.styles)


@pytest.mark.parametrize("weight", ["x", "0", "-1", "nan", "inf", "-inf", "0.0", "1/2", "one"])
def test_bad_blend_weight_is_an_error_naming_it(voices, weight):
    with pytest.raises(VoiceError) as err:
        voices.resolve(f"af_bella:{weight},af_sky:0.5")
    assert f"'{weight}'" in str(err.value)


def test_huge_finite_weights_are_normalized_or_refused(voices):
    spec = "af_bella:1e308,af_sky:1e308"
    try:
        blend = voices.resolve(spec)
    except VoiceError as err:
        assert "1e308" in str(err)
    else:
        expected = 0.5 * stock_array("af_bella") + 0.5 * stock_array("af_sky")
        assert np.allclose(blend.styles, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ("nobody:0.5,af_sky:0.5", "'nobody'"),
        ("af_bella:0.5,af_nobody:0.5", "'af_nobody'"),
        ("af_bella:0.5,", "''"),
        ("af_heart:", None),  # a one-voice "blend" of a known voice is fine
    ],
)
def test_blend_with_unknown_voice_is_an_error_naming_it(voices, spec, named):
    if named is None:
        assert np.allclose(voices.resolve(spec).styles, stock_array("af_heart"))
        return
    with pytest.raises(VoiceError) as err:
        voices.resolve(spec)
    assert named in str(err.value)


@pytest.mark.parametrize("name", ["af_nobody", "heart", "AF_HEART", "af_heart.bin", ""])
def test_unknown_plain_name_is_an_error(voices, name):
    with pytest.raises(VoiceError) as err:
        voices.resolve(name)
    assert repr(name) in str(err.value)


# --------------------------------------------------------------------------
# A user's own voices
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def custom_styles() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    return {
        # A real voice made of two stock ones: it must still speak.
        "af_heart": (0.5 * stock_array("af_heart") + 0.5 * stock_array("af_bella")).astype(np.float32),
        "am_custom": (stock_array("am_adam") + rng.normal(0, 0.01, (510, 256))).astype(np.float32),
        "myvoice": (0.7 * stock_array("ff_siwis") + 0.3 * stock_array("af_heart")).astype(np.float32),
        "bf_described": (stock_array("bf_emma") * 0.99).astype(np.float32),
    }


@pytest.fixture(scope="module")
def bin_folder(tmp_path_factory, custom_styles) -> Path:
    folder = tmp_path_factory.mktemp("bin_voices")
    for name, styles in custom_styles.items():
        write_bin(folder / f"{name}.bin", styles)
    (folder / "voices.json").write_text(
        json.dumps(
            {
                "myvoice": {"language": "fr", "gender": "male"},
                "bf_described": {"description": "My own British voice"},
                "not_here": {"language": "es"},  # metadata for a voice that is not there: ignored
            }
        ),
        encoding="utf-8",
    )
    (folder / "README.txt").write_text("not a voice", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def bin_catalog(bin_folder) -> VoiceCatalog:
    return VoiceCatalog.load(bin_folder)


def test_folder_of_bin_voices(bin_catalog, bin_folder, custom_styles):
    assert len(bin_catalog) == 54 + 3  # af_heart overrides a stock voice
    for name, styles in custom_styles.items():
        voice = bin_catalog.resolve(name)
        assert voice.styles.shape == (510, 256) and voice.styles.dtype == np.float32
        assert np.array_equal(voice.styles, styles), name
        assert voice.source == str(bin_folder / f"{name}.bin")


def test_custom_voice_overrides_stock_voice_of_that_name(bin_catalog, custom_styles):
    heart = bin_catalog.resolve("af_heart")
    assert np.array_equal(heart.styles, custom_styles["af_heart"])
    assert not np.array_equal(heart.styles, stock_array("af_heart"))
    assert (heart.language.code, heart.gender, heart.description) == (
        "en-us", "female", "Heart, American English, female",
    )
    # The other stock voices are still there, unchanged.
    assert np.array_equal(bin_catalog.resolve("af_bella").styles, stock_array("af_bella"))
    assert bin_catalog.resolve("af_bella").source == "stock"


@pytest.mark.parametrize(
    ("name", "code", "gender", "description"),
    [
        ("am_custom", "en-us", "male", "Custom, American English, male"),
        ("myvoice", "fr", "male", "Myvoice, French, male"),
        ("bf_described", "en-gb", "female", "My own British voice"),
    ],
)
def test_custom_voice_metadata(bin_catalog, name, code, gender, description):
    voice = bin_catalog.resolve(name)
    assert (voice.language.code, voice.gender, voice.description) == (code, gender, description)
    assert voice in bin_catalog.for_language(voice.language)


def test_custom_voices_blend_with_stock_voices(bin_catalog, custom_styles):
    blend = bin_catalog.resolve("myvoice:3,af_sky:1")
    expected = 0.75 * custom_styles["myvoice"] + 0.25 * stock_array("af_sky")
    assert np.allclose(blend.styles, expected, rtol=1e-6, atol=1e-7)
    assert blend.language.code == "fr"


def test_metadata_language_accepts_home_assistant_codes(tmp_path):
    write_bin(tmp_path / "myvoice.bin", stock_array("pf_dora"))
    (tmp_path / "voices.json").write_text(json.dumps({"myvoice": {"language": "pt_BR", "gender": "female"}}))
    voice = VoiceCatalog.load(tmp_path).resolve("myvoice")
    assert (voice.language.code, voice.gender) == ("pt-br", "female")


def test_folder_of_npy_voices(tmp_path):
    heart = stock_array("af_heart")
    np.save(tmp_path / "af_npy3d.npy", (heart * 0.9).reshape(510, 1, 256))
    np.save(tmp_path / "bm_npy2d.npy", stock_array("bm_george"))
    np.save(tmp_path / "zf_npy64.npy", stock_array("zf_xiaobei").astype(np.float64))
    catalog = VoiceCatalog.load(tmp_path)
    assert len(catalog) == 57
    assert np.array_equal(catalog.resolve("af_npy3d").styles, (heart * 0.9).astype(np.float32))
    assert np.array_equal(catalog.resolve("bm_npy2d").styles, stock_array("bm_george"))
    assert catalog.resolve("zf_npy64").styles.dtype == np.float32
    assert np.array_equal(catalog.resolve("zf_npy64").styles, stock_array("zf_xiaobei"))
    assert catalog.resolve("bm_npy2d").language.code == "en-gb"
    assert catalog.resolve("zf_npy64").language.code == "zh"


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    # Through a file object: np.savez would append ".npz" to a file name.
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def test_npz_archive_like_kokoro_onnx_voices_file(tmp_path):
    arrays = {
        "af_heart": stock_array("af_heart").reshape(510, 1, 256),
        "am_other": (stock_array("am_echo") * 1.01).astype(np.float32).reshape(510, 1, 256),
        "robot": stock_array("im_nicola").reshape(510, 1, 256),
    }
    archive = tmp_path / "voices-v1.0.bin"
    _write_npz(archive, arrays)
    (tmp_path / "voices.json").write_text(json.dumps({"robot": {"language": "it", "gender": "male"}}))
    catalog = VoiceCatalog.load(archive)
    assert len(catalog) == 56
    for name, array in arrays.items():
        voice = catalog.resolve(name)
        assert voice.styles.shape == (510, 256)
        assert np.array_equal(voice.styles, array.reshape(510, 256)), name
        assert voice.source == str(archive)
    assert catalog.resolve("robot").language.code == "it"
    assert catalog.resolve("robot").description == "Robot, Italian, male"
    assert catalog.resolve("am_other").language.code == "en-us"


def test_custom_voice_speaks(synthesizer, bin_catalog):
    voice = bin_catalog.resolve("af_heart")  # the custom af_heart (half Heart, half Bella)
    speech = synthesizer.synthesize_phonemes("həlˈO.", voice)
    assert speech.voice is voice
    assert speech.audio.dtype == np.int16
    assert 0.2 < speech.seconds < 3.0
    samples = speech.audio.astype(np.float64) / 32768
    assert np.sqrt(np.mean(samples**2)) > 0.01
    assert np.abs(samples).max() > 0.05
    # The custom styles are what speaks: the stock voice of that name sounds different.
    stock = synthesizer.synthesize_phonemes("həlˈO.", synthesizer.voices.resolve("af_heart"))
    assert stock.voice.source == "stock"
    n = min(len(stock.audio), len(speech.audio))
    assert len(stock.audio) != len(speech.audio) or not np.array_equal(stock.audio[:n], speech.audio[:n])


# --------------------------------------------------------------------------
# Errors in a user's voices
# --------------------------------------------------------------------------


def _error(path) -> str:
    with pytest.raises(VoiceError) as err:
        VoiceCatalog.load(path)
    return str(err.value)


@pytest.mark.parametrize(
    ("file", "array", "shape_text"),
    [
        ("af_short.bin", np.zeros(100, np.float32), "(100,)"),
        ("af_two.bin", np.zeros((1020, 256), np.float32), "(261120,)"),
        ("af_narrow.npy", np.zeros((510, 128), np.float32), "(510, 128)"),
        ("af_wide.npy", np.zeros((510, 1, 512), np.float32), "(510, 1, 512)"),
    ],
)
def test_wrong_shape_names_the_file_and_the_shape(tmp_path, file, array, shape_text):
    path = tmp_path / file
    if file.endswith(".bin"):
        path.write_bytes(array.astype("<f4").tobytes())
    else:
        np.save(path, array)
    message = _error(tmp_path)
    assert str(path) in message
    assert shape_text in message


def test_wrong_shape_in_npz_names_the_archive_entry_and_the_shape(tmp_path):
    archive = tmp_path / "voices.npz"
    _write_npz(archive, {"af_heart": stock_array("af_heart"), "af_bad": np.zeros((10, 256), np.float32)})
    message = _error(archive)
    assert f"{archive}:af_bad" in message
    assert "(10, 256)" in message


def test_transposed_npy_is_refused(tmp_path):
    np.save(tmp_path / "af_transposed.npy", stock_array("af_heart").T.copy())
    assert "(256, 510)" in _error(tmp_path)


def test_bin_with_trailing_bytes_is_refused(tmp_path):
    path = tmp_path / "af_odd.bin"
    path.write_bytes(stock_array("af_heart").astype("<f4").tobytes() + b"\x00")
    assert str(path) in _error(tmp_path)


def test_non_finite_styles_are_refused(tmp_path):
    styles = stock_array("af_heart").copy()
    styles[3, 7] = np.nan
    write_bin(tmp_path / "af_nan.bin", styles)
    message = _error(tmp_path)
    assert "af_nan" in message and "NaN" in message


def test_non_kokoro_name_without_metadata_must_be_declared(tmp_path):
    write_bin(tmp_path / "myvoice.bin", stock_array("af_heart"))
    message = _error(tmp_path)
    assert "'myvoice'" in message
    assert "voices.json" in message
    assert "declare" in message


def test_non_kokoro_name_in_npz_without_metadata_must_be_declared(tmp_path):
    archive = tmp_path / "voices-v1.0.bin"
    _write_npz(archive, {"robot": stock_array("af_heart").reshape(510, 1, 256)})
    message = _error(archive)
    assert "'robot'" in message and "voices.json" in message


def test_nonexistent_path(tmp_path):
    missing = tmp_path / "no" / "such" / "voices"
    assert str(missing) in _error(missing)


@pytest.mark.parametrize("content", [b"hello, these are not voices\n", b"", b"PK\x03\x04garbage"])
def test_file_that_is_not_an_npz_archive(tmp_path, content):
    path = tmp_path / "voices.bin"
    path.write_bytes(content)
    message = _error(path)
    assert str(path) in message
    assert "npz" in message


def test_empty_folder(tmp_path):
    assert str(tmp_path) in _error(tmp_path)


@pytest.mark.parametrize(
    ("metadata", "named"),
    [
        ({"myvoice": {"language": "klingon", "gender": "male"}}, "'klingon'"),
        ({"myvoice": {"language": "fr", "gender": "robot"}}, "'robot'"),
        ({"myvoice": {"language": "fr", "age": 30}}, "age"),
    ],
)
def test_bad_metadata(tmp_path, metadata, named):
    write_bin(tmp_path / "myvoice.bin", stock_array("af_heart"))
    (tmp_path / "voices.json").write_text(json.dumps(metadata), encoding="utf-8")
    message = _error(tmp_path)
    assert "myvoice" in message
    assert named in message


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"myvoice": "fr"}'])
def test_unreadable_metadata_file(tmp_path, text):
    write_bin(tmp_path / "af_ok.bin", stock_array("af_heart"))
    (tmp_path / "voices.json").write_text(text, encoding="utf-8")
    assert str(tmp_path / "voices.json") in _error(tmp_path)


@pytest.mark.parametrize("file", ["my voice.bin", "a,b.bin", "x:y.npy"])
def test_invalid_voice_file_name(tmp_path, file):
    path = tmp_path / file
    if file.endswith(".bin"):
        write_bin(path, stock_array("af_heart"))
    else:
        np.save(path, stock_array("af_heart"))
    assert repr(path.stem) in _error(tmp_path)

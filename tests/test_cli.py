"""The command line, run as a user runs it: a real process, real files."""

from __future__ import annotations

import subprocess
import sys
import wave

import pytest

CLI = [sys.executable, "-m", "wyoming_kokoro"]


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, timeout=300)


def test_synth_writes_a_24khz_mono_16bit_wav(tmp_path):
    out = tmp_path / "hello.wav"
    proc = run("synth", "Hello there.", "--voice", "af_heart", "--speed", "1.1", "-o", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    with wave.open(str(out)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (24000, 1, 2)
        assert 0.4 < wav.getnframes() / 24000 < 2.5
    assert b"RTF" in proc.stderr


def test_synth_reads_stdin_and_writes_stdout():
    proc = run("synth", "--voice", "bf_emma", stdin=b"Good morning.")
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout[:4] == b"RIFF" and proc.stdout[8:12] == b"WAVE"


def test_synth_lang_override_and_blend(tmp_path):
    out = tmp_path / "blend.wav"
    proc = run("synth", "Hola amigos.", "--voice", "af_bella:0.6,af_sky:0.4", "--lang", "es", "-o", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"language es" in proc.stderr
    assert out.stat().st_size > 10_000


@pytest.mark.parametrize(
    "args,message",
    [
        (["synth", "hi", "--voice", "nobody"], "unknown voice 'nobody'"),
        (["synth", "hi", "--voice", "af_bella:x"], "bad weight 'x'"),
        (["synth", "hi", "--speed", "9"], "speed must be between 0.5 and 2.0, got 9"),
        (["synth", "hi", "--lang", "klingon"], "unknown language 'klingon'"),
        (["synth", "hi", "--provider", "quantum"], "unknown execution provider 'quantum'"),
        (["synth", "hi", "--model", "/nonexistent/model.onnx"], "model file '/nonexistent/model.onnx' does not exist"),
    ],
)
def test_bad_arguments_are_errors_that_name_the_value(args, message, tmp_path):
    proc = run(*args, "-o", str(tmp_path / "x.wav"))
    assert proc.returncode != 0
    assert message in proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()


def test_list_voices_table():
    proc = run("--list-voices")
    assert proc.returncode == 0
    lines = proc.stdout.decode().splitlines()
    assert lines[0].split()[:3] == ["NAME", "LANGUAGE", "HA"]
    assert len(lines) == 1 + 54
    heart = next(line for line in lines if line.startswith("af_heart "))
    assert "en_US" in heart and "Heart, American English, female" in heart


def test_phonemize_shows_each_word_and_its_backend():
    proc = run("phonemize", "Hello Zorblaxian world.", "--lang", "en-us")
    assert proc.returncode == 0, proc.stderr.decode()
    lines = proc.stdout.decode().splitlines()
    assert lines[0].startswith("həlˈO ")
    assert any(line.split()[0] == "Zorblaxian" and line.split()[-1] == "fallback" for line in lines[1:])
    assert any(line.split()[0] == "Hello" and line.split()[-1] == "lexicon" for line in lines[1:])


def test_phonemize_and_synth_take_a_lexicon_and_a_backend(tmp_path):
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text("en-us:\n  Kokoro: kˈOkOɹO\n", encoding="utf-8")
    proc = run("phonemize", "Kokoro speaks.", "--lexicon", str(lexicon))
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().splitlines()[0] == "kˈOkOɹO spˈiks."
    proc = run("phonemize", "Kokoro speaks.", "--backend", "espeak")
    assert proc.returncode == 0, proc.stderr.decode()
    assert all(line.split()[-1] == "espeak" for line in proc.stdout.decode().splitlines()[1:])
    out = tmp_path / "x.wav"
    proc = run("synth", "Kokoro speaks.", "--lexicon", str(lexicon), "-o", str(out))
    assert proc.returncode == 0 and out.stat().st_size > 44, proc.stderr.decode()
    lexicon.write_text("en-us:\n  Kokoro: k§\n", encoding="utf-8")
    proc = run("synth", "Kokoro.", "--lexicon", str(lexicon), "-o", str(out))
    assert proc.returncode != 0 and "symbol '§'" in proc.stderr.decode() and "Kokoro" in proc.stderr.decode()
    proc = run("phonemize", "Hola.", "--backend", "misaki", "--lang", "es")
    assert proc.returncode != 0 and "'misaki' is not available for es: expected espeak" in proc.stderr.decode()


def test_phonemize_and_synth_speak_the_normalized_text(tmp_path):
    proc = run("phonemize", "**Set** the timer for 5-10 min 🍝", "--lang", "en-us")
    assert proc.returncode == 0, proc.stderr.decode()
    assert "spoken as: Set the timer for 5 to 10 minutes" in proc.stderr.decode()
    words = [line.split()[0] for line in proc.stdout.decode().splitlines()[1:]]
    assert "minutes" in words and "*" not in "".join(words)
    out = tmp_path / "x.wav"
    proc = run("synth", "It is 3:45 PM.", "--voice", "af_heart", "-o", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    assert ", 5 words (0 by fallback)" in proc.stderr.decode()  # It is three forty-five PM


@pytest.mark.parametrize("before", [True, False])
def test_voices_option_counts_before_or_after_the_subcommand(tmp_path, before):
    missing = str(tmp_path / "no-such-voices")
    synth = ["synth", "hi", "-o", str(tmp_path / "x.wav")]
    proc = run(*(["--voices", missing, *synth] if before else [*synth, "--voices", missing]))
    assert proc.returncode == 1
    assert f"voices path '{missing}' does not exist" in proc.stderr.decode()


def test_help_shows_the_server_and_the_commands():
    proc = run("--help")
    assert proc.returncode == 0
    out = proc.stdout.decode()
    for word in ("synth", "phonemize", "--uri", "--zeroconf", "--parallel-inferences", "--language-voice"):
        assert word in out


@pytest.mark.parametrize(
    "args,message",
    [
        (["--uri", "http://0.0.0.0:10200"], "bad value 'http://0.0.0.0:10200' for uri: expected tcp://HOST:PORT, unix://PATH or stdio://"),
        (["--uri", "tcp://0.0.0.0"], "a tcp URI needs a host and a port"),
        (["--language-voices", "en_GB"], "expected LANGUAGE=VOICE like en_GB=bf_emma, got 'en_GB'"),
        (["--language-voices", "xx=bf_emma"], "unknown language 'xx'"),
        (["--samples-per-chunk", "0"], "bad value '0' for samples_per_chunk: expected a whole number 1 or more"),
        (["--zeroconf", "kokoro tts"], "bad value 'kokoro tts' for zeroconf: expected true, false, or a name of 1 to 63 letters, digits and inner hyphens"),
        (["--allow", "10.0.0.0/33"], "bad value '10.0.0.0/33' for allow: expected networks like 192.168.1.0/24 or 10.0.0.5, got '10.0.0.0/33'"),
        (["--uri", "tcp://127.0.0.1:0", "--voice", "nobody"], "unknown voice 'nobody'"),
    ],
)
def test_bad_server_options_stop_it_before_it_serves(args, message):
    proc = run(*args)
    assert proc.returncode != 0
    assert message in proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()
    assert "Serving on" not in proc.stderr.decode()


def test_normalize_shows_each_rewrite_with_its_kind():
    result = run("normalize", "--lang", "fr", "Il est 15 h 30. Mme Dupont a la version 2.4.1, il fait 21 °C.")
    assert result.returncode == 0, result.stderr
    lines = [" ".join(line.split()) for line in result.stdout.decode().splitlines()]
    assert lines[0] == ("Il est quinze heures trente. Madame Dupont a la version deux point quatre point un, "
                        "il fait vingt et un degrés Celsius.")
    assert "version 2.4.1, → deux point quatre point un," in lines
    assert "temperature 21 °C. → vingt et un degrés Celsius." in lines
    assert "1 Il est quinze heures trente." in lines  # then the pieces
    result = run("normalize", "--lang", "ja", "15:30にバージョン2.4.1です。")
    lines = [" ".join(line.split()) for line in result.stdout.decode().splitlines()]
    assert "time 15:30 → 15時30分" in lines and "version 2.4.1 → 2点4点1" in lines
